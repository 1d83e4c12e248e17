"""The SMS channel's retention rules, for `flask --app server purge` (see server/retention.py).

The rules themselves are `sms.storage.purge` (the one the sender runs before each round):
raw numbers SMS_NUMBER_RETENTION_HOURS after their text was sent or given up, number hashes
once the frequency-cap window has passed, reply records after a week, ended conversations.
This module runs them once and counts what each removed.
"""

from server.db import write_transaction
from sms import storage

COUNTS = {
    "hashes": """SELECT (SELECT COUNT(*) FROM sms_invitations WHERE phone_hash IS NOT NULL)
                      + (SELECT COUNT(*) FROM sms_messages WHERE phone_hash IS NOT NULL)""",
    "inbound": "SELECT COUNT(*) FROM sms_inbound",
    "conversations": "SELECT COUNT(*) FROM sms_conversations",
}


def _counts(db):
    return {name: db.execute(sql).fetchone()[0] for name, sql in COUNTS.items()}


def purge(app, db, now):
    channel = app.extensions["sms"]
    hours = app.config["SMS_NUMBER_RETENTION_HOURS"]
    cap_days = channel.cap.total_seconds() / 86400
    with write_transaction(db):
        before = _counts(db)
        numbers = storage.purge(db, now, channel.retention, cap_days)
        after = _counts(db)
    erased = {name: before[name] - after[name] for name in COUNTS}
    return [
        ("sms_numbers", f"SMS phone numbers kept past {hours} hours", numbers),
        ("sms_number_hashes", f"SMS number hashes past the {cap_days:g}-day cap window", erased["hashes"]),
        ("sms_reply_records", f"SMS reply records older than {storage.INBOUND_KEEP.days} days", erased["inbound"]),
        ("sms_conversations", "SMS conversations ended over a day ago", erased["conversations"]),
    ]
