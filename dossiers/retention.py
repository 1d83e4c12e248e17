"""The dossier component's retention rules, for `flask --app server purge`.

- A citizen's number from a dossier event goes as soon as the invitation is queued or the
  dossier is cancelled (dossiers.events); for a dossier never returned, after
  DOSSIER_CONTACT_RETENTION_DAYS.
- Dossier codes lead to a person through the dossier system, so they follow
  REFERENCE_RETENTION_DAYS: a dossier closed (returned or cancelled) before the cutoff is
  deleted with its events and marks; its counts stay in the rollups, so no figure moves.
"""

import datetime as dt

from server.db import write_transaction
from server.retention import cutoff
from server.timeutil import to_stored


def purge(app, db, now):
    timezone = app.extensions["timezone"]
    contact_days = app.config["DOSSIER_CONTACT_RETENTION_DAYS"]
    reference_days = app.config["REFERENCE_RETENTION_DAYS"]
    before = cutoff(now.astimezone(timezone).date(), reference_days, "REFERENCE_RETENTION_DAYS")
    before_stored = to_stored(dt.datetime.combine(before, dt.time(), timezone))
    with write_transaction(db):
        contacts = db.execute("DELETE FROM dossier_contacts WHERE updated_at < ?",
                              [to_stored(now - dt.timedelta(days=contact_days))]).rowcount
        closed = [row[0] for row in db.execute(
            """SELECT code FROM dossiers WHERE COALESCE(returned_at, cancelled_at) < ?""", [before_stored])]
        for start in range(0, len(closed), 500):
            chunk = closed[start:start + 500]
            marks = ",".join("?" for _ in chunk)
            db.execute(f"DELETE FROM dossier_events WHERE dossier IN ({marks})", chunk)
            db.execute(f"DELETE FROM dossier_contacts WHERE dossier IN ({marks})", chunk)
            db.execute(f"DELETE FROM dossiers WHERE code IN ({marks})", chunk)
    return [
        ("dossier_contacts", f"citizens' numbers from dossier events past {contact_days} days", contacts),
        ("dossier_codes", f"dossiers closed before {before.isoformat()} ({reference_days} days), with their events",
         len(closed)),
    ]
