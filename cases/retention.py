"""Retention of the citizens' numbers given for cases (Decree 13/2023)."""

import datetime as dt

from server.db import write_transaction
from server.timeutil import to_stored


def purge(app, db, now):
    """Erase the number of every case closed more than CASE_CONTACT_RETENTION_DAYS ago."""
    days = app.config["CASE_CONTACT_RETENTION_DAYS"]
    if days < 0:
        raise ValueError("CASE_CONTACT_RETENTION_DAYS must not be negative")
    before = to_stored(now - dt.timedelta(days=days))
    with write_transaction(db):
        erased = db.execute("""UPDATE cases SET contact = NULL, contact_erased_at = ?
                               WHERE contact IS NOT NULL AND status = 'closed' AND closed_at < ?""",
                            [to_stored(now), before]).rowcount
    return [("case_contacts", f"citizens' numbers of cases closed before {before[:10]} ({days} days)", erased)]
