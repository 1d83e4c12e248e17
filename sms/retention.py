"""The SMS channel's retention rules, for `flask --app server purge` (see server/retention.py).

The rules themselves are `sms.storage.purge` (the one the sender runs before each round):
raw numbers SMS_NUMBER_RETENTION_HOURS after their text was sent or given up, number hashes
once the frequency-cap window has passed, reply records after a week, ended conversations.
This module runs them once and counts what each removed, and erases the dossier references
of invitations older than REFERENCE_RETENTION_DAYS, as the core does on ratings.
"""

from server.db import write_transaction
from server.retention import cutoff
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
    reference_days = app.config["REFERENCE_RETENTION_DAYS"]
    references_before = cutoff(now.astimezone(app.extensions["timezone"]).date(), reference_days,
                               "REFERENCE_RETENTION_DAYS")
    with write_transaction(db):
        before = _counts(db)
        numbers = storage.purge(db, now, channel.retention, cap_days)
        after = _counts(db)
        references = db.execute(
            "UPDATE sms_invitations SET reference = NULL WHERE reference IS NOT NULL AND local_day < ?",
            [references_before.isoformat()]).rowcount
    erased = {name: before[name] - after[name] for name in COUNTS}
    return [
        ("sms_numbers", f"SMS phone numbers kept past {hours:g} hours", numbers),
        ("sms_number_hashes", f"SMS number hashes past the {cap_days:g}-day cap window", erased["hashes"]),
        ("sms_reply_records", f"SMS reply records older than {storage.INBOUND_KEEP.days} days", erased["inbound"]),
        ("sms_conversations", "SMS conversations ended over a day ago", erased["conversations"]),
        ("sms_invitation_references", f"dossier references on SMS invitations before "
                                      f"{references_before.isoformat()}", references),
    ]
