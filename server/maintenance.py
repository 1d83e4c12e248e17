"""Keeping the data safe and bounded: online backups, restore, and retention of personal data.

Backups use SQLite's online backup API in a single step: it copies one consistent snapshot
while the server keeps writing (in WAL mode readers do not block writers), then the copy
is checked with `PRAGMA integrity_check` before it is kept.
"""

import datetime as dt
import os
import sqlite3
from pathlib import Path

BACKUP_PATTERN = "satisfaction-*.db"


class MaintenanceError(RuntimeError):
    """A backup or restore that could not be done safely, with the reason."""


def integrity(path):
    """`ok`, or the first problem SQLite reports for the file."""
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return connection.execute("PRAGMA integrity_check").fetchone()[0]
    except sqlite3.DatabaseError as error:
        return str(error)
    finally:
        connection.close()


def backup(source_path, target, busy_timeout_ms=5000):
    """Copy the live database to `target` (a file, or a folder for a dated file); returns the path."""
    target = Path(target)
    if target.is_dir():
        target = target / f"satisfaction-{dt.datetime.now():%Y-%m-%d-%H%M%S}.db"
    if target.exists():
        raise MaintenanceError(f"{target} already exists; choose a new name")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    source = sqlite3.connect(source_path, timeout=busy_timeout_ms / 1000)
    copy = sqlite3.connect(partial)
    try:
        source.backup(copy)  # one step: one consistent snapshot
        copy.execute("PRAGMA journal_mode = DELETE")
    finally:
        copy.close()
        source.close()
    verdict = integrity(partial)
    if verdict != "ok":
        partial.unlink()
        raise MaintenanceError(f"the copy failed its integrity check: {verdict}")
    os.replace(partial, target)
    return target


def prune(folder, keep):
    """Delete all but the newest `keep` dated backups in `folder`; returns what was deleted."""
    backups = sorted(Path(folder).glob(BACKUP_PATTERN))
    doomed = backups[:-keep] if keep > 0 else []
    for path in doomed:
        path.unlink()
    return doomed


def restore(backup_path, database_path):
    """Put a backup back in place of the database (the server must be stopped)."""
    backup_path, database_path = Path(backup_path), Path(database_path)
    if not backup_path.exists():
        raise MaintenanceError(f"no backup at {backup_path}")
    verdict = integrity(backup_path)
    if verdict != "ok":
        raise MaintenanceError(f"{backup_path} failed its integrity check: {verdict}")
    source = sqlite3.connect(f"file:{backup_path}?mode=ro", uri=True)
    target = sqlite3.connect(database_path)
    try:
        source.backup(target)
    finally:
        target.close()
        source.close()


def purge_comments(db, older_than_days, now):
    """Erase free-text comments older than the retention period; the ratings and figures stay."""
    cutoff = (now - dt.timedelta(days=older_than_days)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    cursor = db.execute("UPDATE ratings SET comment = NULL WHERE comment IS NOT NULL AND created_at < ?", [cutoff])
    return cursor.rowcount
