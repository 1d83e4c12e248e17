"""Retention of personal data (Decree 13/2023: the minimum, for a bounded time).

`flask --app server purge` runs every rule: the core's (free-text comments, erased after
COMMENT_RETENTION_DAYS, and dossier references, after REFERENCE_RETENTION_DAYS; the rating,
its score, reasons and every figure stay) and each
package's, from a `purge(app, db, now)` function in the modules of RETENTION_MODULES that
returns [(key, what was removed, how many)].
"""

import datetime as dt
import importlib

from server.db import write_transaction

# Packages with retention rules of their own, like EXTRA_MIGRATION_MODULES for tables.
RETENTION_MODULES = ["sms.retention", "dashboards.retention"]
# Rows erased per write transaction: kiosks' ratings wait for at most one batch.
BATCH = 2000


def cutoff(today, days, setting="COMMENT_RETENTION_DAYS"):
    """The first local day whose data is still kept: `days` full days before today."""
    if days < 1:
        raise ValueError(f"{setting} must be at least 1")
    return today - dt.timedelta(days=days)


def purge_comments(db, before_day, batch=BATCH):
    """Set to NULL every comment given on a local day before `before_day`; returns how many.

    It walks the dashboards' partial index of ratings with a comment by day
    (ratings_comment_by_day), so on 10 million ratings it reads only the comments due.
    Scores, reasons and the rollups are untouched, so no figure moves.
    """
    return _erase(db, "comment", before_day, batch)


def purge_references(db, before_day, batch=BATCH):
    """Set to NULL every dossier reference on a rating given before `before_day`; how many.

    Walks the partial index ratings_reference_by_day; no figure moves.
    """
    return _erase(db, "reference", before_day, batch)


def _erase(db, column, before_day, batch):
    erased = 0
    while True:
        with write_transaction(db):  # in batches: kiosks' ratings wait for at most one
            count = db.execute(
                f"""UPDATE ratings SET {column} = NULL WHERE id IN (
                        SELECT id FROM ratings WHERE {column} IS NOT NULL AND local_day < ? LIMIT ?)""",
                [before_day.isoformat(), batch]).rowcount
        erased += count
        if count < batch:
            return erased


def purge_everything(app, db, now):
    """Run every retention rule; [(key, what was removed, how many)] in the order they ran."""
    today = now.astimezone(app.extensions["timezone"]).date()
    days = int(app.config["COMMENT_RETENTION_DAYS"])
    comments = cutoff(today, days)
    reference_days = int(app.config["REFERENCE_RETENTION_DAYS"])
    references = cutoff(today, reference_days, "REFERENCE_RETENTION_DAYS")
    removed = [
        ("comments", f"comments given before {comments.isoformat()} ({days} days)", purge_comments(db, comments)),
        ("references", f"dossier references on ratings before {references.isoformat()} ({reference_days} days)",
         purge_references(db, references)),
    ]
    for name in RETENTION_MODULES:
        removed.extend(importlib.import_module(name).purge(app, db, now))
    return removed
