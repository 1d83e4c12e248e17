"""Checking the alert rules, storing alerts and sending them to the office's supervisors.

`check(app, now)` evaluates every rule and, in one write transaction, stores each new
finding unless the same rule already fired for the same subject recently (so two workers,
or the thread and cron, never store it twice). Then it sends each new alert by SMS (the
SMS package's `sms_send`, when present) and e-mail (SMTP settings, when set) to the
supervisors nearest the office, and records what was sent. With neither, alerts are only
stored and shown.

A background job (server.background) runs the check every ALERT_INTERVAL_SECONDS in one
gunicorn worker at a time: the workers share the job's lease, renewed by its holder and
taken over when it lapses.
"""

import datetime as dt
import json
import smtplib
from email.header import Header
from email.mime.text import MIMEText

import click
from flask import current_app
from flask.cli import AppGroup

from dashboards import alert_rules
from server import background, scope
from server.db import connect_app, write_transaction
from server.figures import summarise
from server.offices import load_tree
from server.timeutil import from_stored, to_stored, utcnow

EMAIL_FOOTER = "Mở trang theo dõi (/dashboard/alerts) để xác nhận đã xử lý và ghi chú."


def _config_rules(config):
    return config, alert_rules.OfficeHours.parse(config["OFFICE_HOURS"], config["OFFICE_DAYS"])


def window_counts(db, scale, since):
    """{office_id: (ratings, dissatisfied)} of kiosk ratings since a moment, misuse left out."""
    # Without INDEXED BY the planner walks ratings_office_day for the GROUP BY: a scan of
    # every rating (15 s at 10 million) instead of a seek per kiosk.
    sql = """SELECT r.office_id, COUNT(*), SUM(r.score IN (SELECT value FROM json_each(?)))
             FROM ratings r INDEXED BY ratings_kiosk_time
             WHERE r.kiosk_id IN (SELECT id FROM kiosks WHERE revoked_at IS NULL)
               AND r.created_at >= ? AND r.misuse = 0 GROUP BY r.office_id"""
    rows = db.execute(sql, [json.dumps(sorted(scale.dissatisfied_scores)), to_stored(since)]).fetchall()
    return {office_id: (n, bad) for office_id, n, bad in rows}


def recent_figures(db, scale, first_day, last_day):
    """{office_id: figures} of each office's own ratings over local days, from the rollup."""
    sql = """SELECT office_id, SUM(n1), SUM(n2), SUM(n3), SUM(n4), SUM(n5) FROM rollup_daily
             WHERE day BETWEEN ? AND ? AND misuse = 0 GROUP BY office_id"""
    result = {}
    for office_id, *counts in db.execute(sql, [first_day.isoformat(), last_day.isoformat()]):
        result[office_id] = summarise({s: n for s, n in enumerate(counts, start=1) if n}, scale)
    return result


def kiosk_states(db):
    sql = """SELECT k.id, k.office_id, c.label, k.last_seen_at FROM kiosks k JOIN counters c ON c.id = k.counter_id
             WHERE k.revoked_at IS NULL"""
    return [{"id": i, "office_id": o, "counter": label, "last_seen_text": seen,
             "last_seen": from_stored(seen) if seen else None} for i, o, label, seen in db.execute(sql)]


def findings(db, config, scale, timezone, now):
    config, hours = _config_rules(config)
    window = config["ALERT_WINDOW_MINUTES"]
    days = config["ALERT_RATE_DAYS"]
    today = now.astimezone(timezone).date()
    found = alert_rules.window_findings(window_counts(db, scale, now - dt.timedelta(minutes=window)),
                                        config["ALERT_WINDOW_SHARE"], config["ALERT_WINDOW_MIN_RATINGS"],
                                        window)
    found += alert_rules.rate_findings(recent_figures(db, scale, today - dt.timedelta(days=days - 1), today),
                                       config["ALERT_RATE_THRESHOLD"], config["ALERT_RATE_MIN_RATINGS"],
                                       days)
    found += alert_rules.silent_findings(kiosk_states(db), now, hours, timezone, config["KIOSK_SILENT_MINUTES"])
    return found


def source_findings(app, db, now):
    """Findings of other components: each `app.extensions["alert_sources"]` entry is
    `source(app, db, now) -> [Finding]`; a finding's details may carry `text` (the message)
    and `once` (never raised twice for the same subject)."""
    found = []
    for source in app.extensions.get("alert_sources", ()):
        found += source(app, db, now)
    return found


def _quiet_since(finding, config, timezone, now):
    """Since when an earlier alert for the same rule and subject keeps this one quiet."""
    if finding.details.get("once"):
        return dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
    if finding.rule == "window":
        return now - dt.timedelta(minutes=config["ALERT_WINDOW_MINUTES"])
    if finding.rule == "rate":
        local = now.astimezone(timezone)
        return dt.datetime.combine(local.date(), dt.time(0), tzinfo=timezone)
    return from_stored(finding.details["last_seen"])


def store_new(db, found, config, timezone, now):
    """Store findings that are not repeats; returns the new alert ids. One transaction."""
    new = []
    with write_transaction(db):
        for finding in found:
            since = to_stored(_quiet_since(finding, config, timezone, now))
            if db.execute("SELECT 1 FROM alerts WHERE rule = ? AND subject = ? AND raised_at >= ? LIMIT 1",
                          [finding.rule, finding.subject, since]).fetchone():
                continue
            new.append(db["alerts"].insert({
                "rule": finding.rule, "office_id": finding.office_id, "kiosk_id": finding.kiosk_id,
                "subject": finding.subject, "raised_at": to_stored(now), "details": json.dumps(finding.details),
            }).last_pk)
    return new


def message(alert, office_name):
    """The alert in one short Vietnamese text, as sent by SMS and as an e-mail subject."""
    details = alert["details"]
    if "text" in details:  # another component's alert says itself what it is
        return details["text"]
    if alert["rule"] == "window":
        return (f"Cảnh báo: {office_name} có {details['dissatisfied']}/{details['ratings']} phiếu không hài lòng "
                f"trong {details['minutes']} phút.")
    if alert["rule"] == "rate":
        return (f"Cảnh báo: tỷ lệ hài lòng của {office_name} là {details['rate'] * 100:.1f}% "
                f"trong {details['days']} ngày qua ({details['ratings']} phiếu).")
    return (f"Cảnh báo: máy đánh giá tại {office_name} ({details['counter']}) không liên lạc "
            f"quá {details['minutes']} phút trong giờ làm việc.")


def recipients(db, tree, office_id):
    """Enabled supervisors of the office itself, or else of its nearest ancestor that has any."""
    for candidate in tree.lineage(office_id, "current"):
        rows = db.execute("""SELECT username, phone, email FROM users
                             WHERE role = 'supervisor' AND disabled = 0 AND office_id = ? ORDER BY username""",
                          [candidate]).fetchall()
        if rows:
            return [dict(zip(("username", "phone", "email"), row, strict=True)) for row in rows]
    return []


def send_email(config, address, subject, body):
    # The legacy Header API: the modern policy folds long Vietnamese subjects into
    # encoded words that lose the space at the fold ("phiếukhông").
    mail = MIMEText(body, "plain", "utf-8")
    mail["From"], mail["To"], mail["Subject"] = config["SMTP_FROM"], address, Header(subject, "utf-8")
    with smtplib.SMTP(config["SMTP_HOST"], config["SMTP_PORT"], timeout=15) as smtp:
        if config["SMTP_STARTTLS"]:
            smtp.starttls()
        if config["SMTP_USERNAME"]:
            smtp.login(config["SMTP_USERNAME"], config["SMTP_PASSWORD"] or "")
        smtp.send_message(mail)


def deliver(db, app, alert_id):
    """Send one alert to its recipients and record each attempt on the alert."""
    row = db.execute("SELECT rule, office_id, details FROM alerts WHERE id = ?", [alert_id]).fetchone()
    tree = load_tree(db)
    alert = {"rule": row[0], "details": json.loads(row[2])}
    text = message(alert, tree.by_id[row[1]].name)
    # Without a Twilio account the SMS package keeps texts in its outbox: the attempt says
    # "outbox", so nobody reads it as delivered to a phone (the demo shows alerts reaching it).
    sms_send = app.extensions.get("sms_send")
    sent = "sent" if app.extensions.get("sms_live") else "outbox"
    attempts = []
    for person in recipients(db, tree, row[1]):
        if sms_send and person["phone"]:
            attempts.append(_attempt(person, "sms", lambda p=person: sms_send(db, p["phone"], text, "alert"),
                                     sent))
        if app.config["SMTP_HOST"] and person["email"]:
            attempts.append(_attempt(person, "email", lambda p=person: send_email(
                app.config, p["email"], text, text + "\n\n" + EMAIL_FOOTER)))
    with write_transaction(db):
        db.execute("UPDATE alerts SET delivery = ? WHERE id = ?", [json.dumps(attempts, ensure_ascii=False), alert_id])
    return attempts


def _attempt(person, channel, send, success="sent"):
    try:
        send()
    except Exception as problem:  # one failed recipient must not stop the others
        current_app.logger.warning("alert %s to %s failed: %s", channel, person["username"], problem)
        return {"user": person["username"], "channel": channel, "status": "failed", "error": str(problem)[:200]}
    return {"user": person["username"], "channel": channel, "status": success}


def check(app, db, now=None):
    """Evaluate the rules once; store and send what is new. Returns the new alert ids."""
    now = now or utcnow()
    timezone = app.extensions["timezone"]
    found = findings(db, app.config, app.extensions["scale"], timezone, now) + source_findings(app, db, now)
    new = store_new(db, found, app.config, timezone, now)
    for alert_id in new:
        deliver(db, app, alert_id)
    return new


ALERT_FIELDS = ("id", "rule", "office_id", "office", "office_name", "raised_at", "details", "delivery",
                "acknowledged_at", "acknowledged_by", "ack_comment")
RECENT_ALERTS = 500  # the alerts page lists the open ones and then the latest acknowledged, up to this many


def alerts(db, tree, user, open_only=False, limit=None):
    """Alerts the user may see: the open ones first, each part newest first; with
    `open_only` only the unacknowledged ones (all of them)."""
    # The user's offices in SQL, before the LIMIT: a scoped supervisor's alerts must not fall
    # off the page behind RECENT_ALERTS newer ones elsewhere.
    top = user["office_id"]
    offices = None if top is None else json.dumps(sorted(tree.subtree(top, "current")
                                                         | tree.subtree(top, "historical")))
    rows = db.execute(f"""SELECT a.id, a.rule, a.office_id, o.code, o.name, a.raised_at, a.details, a.delivery,
                                 a.acknowledged_at, u.username, a.ack_comment
                          FROM alerts a JOIN offices o ON o.id = a.office_id
                          LEFT JOIN users u ON u.id = a.acknowledged_by
                          WHERE (? IS NULL OR a.office_id IN (SELECT value FROM json_each(?)))
                                {"AND a.acknowledged_at IS NULL" if open_only else ""}
                          ORDER BY a.acknowledged_at IS NOT NULL, a.raised_at DESC, a.id DESC LIMIT ?""",
                      [offices, offices, -1 if open_only else RECENT_ALERTS]).fetchall()
    visible = [_alert(row) for row in rows if scope.may_see(tree, user, row[2])]
    return visible[:limit] if limit else visible


def open_alerts(db, tree, user, limit=None):
    """Unacknowledged alerts the user may see, newest first."""
    return alerts(db, tree, user, open_only=True, limit=limit)


def _alert(row):
    alert = dict(zip(ALERT_FIELDS, row, strict=True))
    alert["details"] = json.loads(alert["details"])
    alert["delivery"] = json.loads(alert["delivery"]) if alert["delivery"] else []
    return alert


alerts_cli = AppGroup("alerts", help="Satisfaction alerts: check the rules (for cron).")


@alerts_cli.command("check")
def check_command():
    """Check the alert rules once, store and send new alerts.

    Example: flask --app server alerts check
    """
    app = current_app._get_current_object()
    db = connect_app(app)
    try:
        new = check(app, db)
    finally:
        db.close()
    click.echo(f"{len(new)} new alert(s)")


def init_app(app):
    app.cli.add_command(alerts_cli)
    if app.config["ALERT_INTERVAL_SECONDS"] <= 0 or app.testing:
        return
    # Every worker runs the job; the one holding the "alert-check" lease checks.
    interval = app.config["ALERT_INTERVAL_SECONDS"]
    job = background.Job(app, "alert-check", interval, lambda db: check(app, db), lease_seconds=interval * 3,
                         run_at_start=False)
    app.extensions["alert_checker"] = job
    background.register(app, job)
