"""What the demo adds for the dashboards (the component's `demo` hook, after the core's demo
province and before nothing else of ours): so every page of `make run` has something true to
show rather than "never reported".

- each kiosk that has ratings reports a heartbeat a few minutes before the demo's last
  moment (one is left silent for three hours, one runs an older app version);
- the supervisors get a phone number and an e-mail address, so alerts reach them (through the
  SMS outbox without a Twilio account);
- one open alert and one acknowledged alert, delivered as the alert checker would;
- a few entries in the audit log, as the province's admin set things up.

It follows whatever office tree the demo builds: offices and kiosks are read, never named,
except through the rows that exist. Deterministic for a seed and end date.
"""

import datetime as dt
import json
import random

from server import audit
from server.db import write_transaction
from server.timeutil import local_today, to_stored, utcnow


def seed(app, db, seed=2025, end=None):
    chance = random.Random(seed + 12)
    timezone = app.extensions["timezone"]
    today = local_today(timezone)
    end = end or today - dt.timedelta(days=1)
    # A demo that ends yesterday (make run's) is live: its kiosks reported minutes ago. An
    # older one (the tests') stopped at the end of its last day.
    last_moment = utcnow() if end >= today - dt.timedelta(days=1) else \
        dt.datetime.combine(end, dt.time(16, 30), timezone).astimezone(dt.UTC)
    kiosks = db.execute("""SELECT k.id, k.office_id, MAX(r.created_at) FROM kiosks k
                           JOIN ratings r ON r.kiosk_id = k.id WHERE k.revoked_at IS NULL
                           GROUP BY k.id ORDER BY k.id""").fetchall()
    with write_transaction(db):
        for index, (kiosk_id, _office, _last_rating) in enumerate(kiosks):
            silent = index == 1
            seen = last_moment - dt.timedelta(hours=3) if silent else last_moment - dt.timedelta(
                minutes=chance.randint(1, 9))
            db.execute("""UPDATE kiosks SET last_seen_at = ?, last_sync_at = ?, queue_length = ?, app_version = ?
                          WHERE id = ?""",
                       [to_stored(seen), to_stored(seen), 3 if silent else 0,
                        "1.3.0" if index == 2 else "1.4.2", kiosk_id])
        supervisors = db.execute("SELECT id, username FROM users WHERE role = 'supervisor' ORDER BY id").fetchall()
        for number, (user_id, username) in enumerate(supervisors, start=1):
            db.execute("UPDATE users SET phone = ?, email = ? WHERE id = ? AND phone IS NULL AND email IS NULL",
                       [f"+8490000{number:04d}", f"{username}@demo.invalid", user_id])
        for action, target, details in (("user.add", "user:giangia", {"role": "supervisor"}),
                                        ("kiosk.add", "kiosk:1", {"counter": "Quầy 1"}),
                                        ("user.update", "user:tinh", {"fields": ["phone", "email"]})):
            audit.record(db, "admin", action, target, details)
    alerts = _alerts(app, db, kiosks, last_moment)
    return (f"dashboards demo: {len(kiosks)} kiosk heartbeats, {len(supervisors)} supervisors with contacts, "
            f"{len(alerts)} alerts, 3 audit entries")


def _alerts(app, db, kiosks, last_moment):
    """An open window alert at the first kiosk's office and an acknowledged rate alert at
    the second's, delivered as the checker delivers them."""
    from dashboards import alerting

    if len(kiosks) < 2:
        return []
    admin = db.execute("SELECT id FROM users WHERE role IN ('supervisor', 'admin') ORDER BY role DESC, id").fetchone()
    found = [("window", kiosks[0][1], last_moment - dt.timedelta(minutes=40),
              {"ratings": 6, "dissatisfied": 4, "share": 0.6667, "minutes": 15}, None),
             ("rate", kiosks[-1][1], last_moment - dt.timedelta(days=2),
              {"rate": 0.74, "days": 7, "ratings": 46, "threshold": 0.8},
              "Đã họp với bộ phận, bố trí thêm một quầy vào giờ cao điểm.")]
    ids = []
    for rule, office_id, raised, details, acknowledgement in found:
        with write_transaction(db):
            alert_id = db["alerts"].insert({"rule": rule, "office_id": office_id, "subject": f"office:{office_id}",
                                            "raised_at": to_stored(raised), "details": json.dumps(details)}).last_pk
        alerting.deliver(db, app, alert_id)
        if acknowledgement and admin:
            with write_transaction(db):
                db.execute("UPDATE alerts SET acknowledged_at = ?, acknowledged_by = ?, ack_comment = ? WHERE id = ?",
                           [to_stored(raised + dt.timedelta(hours=5)), admin[0], acknowledgement, alert_id])
        ids.append(alert_id)
    return ids
