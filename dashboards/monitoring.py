"""Comments, kiosk health, the SMS funnel and alerts: what needs a supervisor's eye."""

from flask import abort, current_app, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from dashboards import alert_rules, alerting, charts, queries
from dashboards.formatting import language
from dashboards.web import add_filter_problem, bp, page, role_required, scale, tree, user, view_filters
from server import audit, auth, scope
from server.db import get_db, write_transaction
from server.timeutil import from_stored, now_stored, utcnow
from sms import reports as sms_reports

MAX_SEARCH = 100


@bp.get("/dashboard/comments")
@login_required
def comments():
    if not auth.may_read_comments(user()):  # the API's rule: viewers read figures, not what citizens wrote
        abort(403)
    filters = view_filters()
    search = request.args.get("q", "").strip()[:MAX_SEARCH] or None
    reason = request.args.get("reason") if request.args.get("reason") in scale().reason_codes else None
    allowed = {str(score): score for score in scale().scores}
    if any(value not in allowed for value in request.args.getlist("score")):
        add_filter_problem("score", _("Rating: choose among the levels shown."))
    scores = [allowed[value] for value in request.args.getlist("score") if value in allowed]
    before = None
    if request.args.get("before_day") and request.args.get("before_at"):
        before = (request.args["before_day"][:10], request.args["before_at"][:30])
    ids = queries.subtree_ids(tree(), user(), filters)
    items, stopped = queries.comments(get_db(), ids, filters, search=search, reason=reason, scores=scores,
                                      before=before)
    lang = language()
    labels = {r.code: r.labels.get(lang, r.labels["vi"]) for r in scale().reasons}
    return page("comments.html", filters=filters, items=items, stopped=stopped, scan=queries.COMMENT_SCAN,
                search=search or "", reason=reason, scores=scores,
                reason_labels=labels, page_size=queries.COMMENT_PAGE,
                offices=queries.offices_for_picker(tree(), user(), filters.structure))


@bp.get("/dashboard/kiosks")
@login_required
def kiosks():
    filters = view_filters()
    config, timezone, now = current_app.config, current_app.extensions["timezone"], utcnow()
    hours = alert_rules.OfficeHours.parse(config["OFFICE_HOURS"], config["OFFICE_DAYS"])
    limit = config["KIOSK_SILENT_MINUTES"] * 60
    rows = queries.kiosks(get_db(), queries.subtree_ids(tree(), user(), filters))
    for row in rows:
        if row["last_seen_at"] is None:
            row["state"] = "never"
        else:
            silent = alert_rules.office_seconds(from_stored(row["last_seen_at"]), now, hours, timezone, limit + 1)
            row["state"] = "silent" if silent > limit else "ok"
    rows.sort(key=lambda row: ({"silent": 0, "never": 1, "ok": 2}[row["state"]], row["office"], row["counter"]))
    return page("kiosks.html", filters=filters, kiosks=rows, silent_minutes=limit // 60,
                open_now=hours.open_at(now.astimezone(timezone)),
                offices=queries.offices_for_picker(tree(), user(), filters.structure))


@bp.get("/dashboard/sms")
@login_required
def sms():
    filters = view_filters()  # the same default range as every other page
    ids = sorted(queries.subtree_ids(tree(), user(), filters))
    funnel = sms_reports.funnel(get_db(), ids, filters.start, filters.end)
    chart = charts.sms_funnel(funnel, language(), _)
    return page("sms.html", filters=filters, funnel=funnel, charts={"funnel": chart},
                sms_live=current_app.extensions.get("sms_live", False),
                offices=queries.offices_for_picker(tree(), user(), filters.structure))


@bp.get("/dashboard/alerts")
@login_required
def alerts():
    visible = alerting.alerts(get_db(), tree(), user())  # no filter bar: the newest of the whole scope
    return page("alerts.html", alerts=visible)


@bp.post("/dashboard/alerts/<int:alert_id>/acknowledge")
@role_required("admin", "supervisor")
def acknowledge(alert_id):
    db = get_db()
    row = db.execute("SELECT office_id, acknowledged_at, rule FROM alerts WHERE id = ?", [alert_id]).fetchone()
    if row is None or not scope.may_see(tree(), user(), row[0]):
        abort(404)
    comment = request.form.get("comment", "").strip()[:1000]
    if not comment:
        abort(400, _("Write what was done about the alert."))
    if row[1] is None:
        with write_transaction(db):
            acknowledged = db.execute("""UPDATE alerts SET acknowledged_at = ?, acknowledged_by = ?, ack_comment = ?
                                         WHERE id = ? AND acknowledged_at IS NULL""",
                                      [now_stored(), current_user.id, comment, alert_id]).rowcount
            if acknowledged:  # a second click, or a colleague first, changes nothing and is not an action
                audit.record(db, current_user.username, "alert.acknowledge", f"alert:{alert_id}", {"rule": row[2]},
                             row[0])
    return redirect(url_for("dashboards.alerts"))
