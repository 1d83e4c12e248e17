"""Retention of personal data (Decree 13/2023: the minimum, for a bounded time).

`flask --app server purge` runs every rule: the core's (free-text comments, erased after
COMMENT_RETENTION_DAYS, and dossier references, after REFERENCE_RETENTION_DAYS; the rating,
its score, reasons and every figure stay), then each component's declared `purge(app, db,
now)` (`server.components`), each returning [(key, what was removed, how many)].
"""

import datetime as dt

from server.db import write_transaction
from server.timeutil import to_stored

# Rows erased per write transaction: kiosks' ratings wait for at most one batch.
BATCH = 2000


def cutoff(today, days, setting="COMMENT_RETENTION_DAYS"):
    """The first local day whose data is still kept: `days` full days before today."""
    if days < 1:
        raise ValueError(f"{setting} must be at least 1")
    return today - dt.timedelta(days=days)


def purge_comments(db, before_day, batch=BATCH):
    """Set to NULL every comment given on a local day before `before_day`; returns how many.

    It walks the core's partial index of ratings with a comment by day
    (ratings_comment_by_day, migration m007), so on 10 million ratings it reads only the comments due.
    Scores, reasons and the rollups are untouched, so no figure moves.
    """
    return _erase(db, "comment", before_day, batch)


def purge_references(db, before_day, batch=BATCH):
    """Set to NULL every dossier reference on a rating given before `before_day`; how many.

    Walks the partial index ratings_reference_by_day; no figure moves.
    """
    return _erase(db, "reference", before_day, batch)


# The partial index each erasure walks (both owned by the core's migrations m006, m007):
# named, so the plan cannot drift to a wider index of another component.
ERASE_INDEX = {"comment": "ratings_comment_by_day", "reference": "ratings_reference_by_day"}


def due_sql(column):
    """The ids of a batch of ratings whose `column` is due for erasure (parameters: day, limit)."""
    return (f"SELECT id FROM ratings INDEXED BY {ERASE_INDEX[column]} "
            f"WHERE {column} IS NOT NULL AND local_day < ? LIMIT ?")


def _erase(db, column, before_day, batch):
    erased = 0
    while True:
        with write_transaction(db):  # in batches: kiosks' ratings wait for at most one
            count = db.execute(f"UPDATE ratings SET {column} = NULL WHERE id IN ({due_sql(column)})",
                               [before_day.isoformat(), batch]).rowcount
        erased += count
        if count < batch:
            return erased


def purge_leases(db, before):
    """Background jobs' leases that lapsed before `before` (server.background)."""
    with write_transaction(db):
        return db.execute("DELETE FROM job_leases WHERE expires_at <= ?", [to_stored(before)]).rowcount


def purge_everything(app, db, now):
    """Run every retention rule; [(key, what was removed, how many)] in the order they ran."""
    today = now.astimezone(app.extensions["timezone"]).date()
    days = app.config["COMMENT_RETENTION_DAYS"]
    comments = cutoff(today, days)
    reference_days = app.config["REFERENCE_RETENTION_DAYS"]
    references = cutoff(today, reference_days, "REFERENCE_RETENTION_DAYS")
    removed = [
        ("comments", f"comments given before {comments.isoformat()} ({days} days)", purge_comments(db, comments)),
        ("references", f"dossier references on ratings before {references.isoformat()} ({reference_days} days)",
         purge_references(db, references)),
        ("leases", "leases lapsed over a day ago", purge_leases(db, now - dt.timedelta(days=1))),
    ]
    for component in app.extensions["components"]:
        removed.extend(component.call("purge", app, db, now) or [])
    return removed
