"""Backups and restore of the SQLite database, done while the server keeps writing.

A backup is one step of SQLite's online backup API: one read transaction, so the copy is a
single consistent snapshot (every transaction committed before it began, none after), and
in WAL mode the server's writers are not blocked while it runs. The copy is written under
a temporary name, made a self-contained file (journal_mode DELETE), checked with
`PRAGMA integrity_check`, synced to disk and only then renamed into place: a backup file
that exists under its final name is a good one.

A restore refuses a database that another process has open (a running server): it could
not be replaced under the server's feet without losing what that server writes next.
"""

import contextlib
import os
import re
import sqlite3
from pathlib import Path

# Dated backups that `prune` may delete; anything else in the folder is left alone.
BACKUP_NAME = re.compile(r"^satisfaction-\d{4}-\d{2}-\d{2}-\d{6}\.db$")
# Tables a file must have to be taken for one of our databases.
REQUIRED_TABLES = ("_sqlite_migrations", "offices", "ratings", "rollup_daily")


class MaintenanceError(RuntimeError):
    """A backup or restore that could not be done safely, with the reason."""


def dated_name(moment):
    """`satisfaction-2026-11-28-023000.db` for a (local) datetime."""
    return f"satisfaction-{moment:%Y-%m-%d-%H%M%S}.db"


def integrity(path):
    """`ok`, or the first problem SQLite reports for the file."""
    try:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error as error:
        return str(error)
    try:
        rows = connection.execute("PRAGMA integrity_check").fetchall()
        return "ok" if rows == [("ok",)] else "; ".join(row[0] for row in rows[:5])
    except sqlite3.DatabaseError as error:
        return str(error)
    finally:
        connection.close()


def _open_existing(path, busy_timeout_ms):
    if not Path(path).is_file():
        raise MaintenanceError(f"no database at {path}")
    # mode=rw: never create an empty database where the real one was expected.
    return sqlite3.connect(f"file:{path}?mode=rw", uri=True, timeout=busy_timeout_ms / 1000)


def _sync(path):
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def backup(source_path, target, now, busy_timeout_ms=5000):
    """Copy the live database to `target`; returns the path of the copy.

    `target` is a file, or a folder (one that exists, or a path ending in "/") that gets a
    file named by `now`, the local time of the backup.
    """
    folder = Path(target).is_dir() or str(target).endswith(os.sep)
    target = Path(target) / dated_name(now) if folder else Path(target)
    if target.exists():
        raise MaintenanceError(f"{target} already exists; choose a new name")
    target.parent.mkdir(mode=0o750, parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial")
    source = _open_existing(source_path, busy_timeout_ms)
    # The copy holds citizens' comments: readable by its owner only, from the first byte.
    os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600))
    try:
        copy = sqlite3.connect(partial)
        try:
            source.backup(copy)  # pages=-1: one step, one snapshot
            copy.execute("PRAGMA journal_mode = DELETE")  # one self-contained file, no -wal beside it
        finally:
            copy.close()
        verdict = integrity(partial)
        if verdict != "ok":
            raise MaintenanceError(f"the copy failed its integrity check: {verdict}")
        _sync(partial)
        os.replace(partial, target)
        _sync(target.parent)
    finally:
        source.close()
        with contextlib.suppress(FileNotFoundError):
            partial.unlink()
    return target


def dated_backups(folder):
    """The dated backups in `folder`, oldest first (their names sort by time)."""
    return sorted(path for path in Path(folder).iterdir() if BACKUP_NAME.match(path.name))


def prune(folder, keep):
    """Delete all but the newest `keep` dated backups in `folder`; returns what was deleted."""
    if keep < 1:
        raise MaintenanceError("keep at least one backup")
    doomed = dated_backups(folder)[:-keep]
    for path in doomed:
        path.unlink()
    return doomed


def check_backup(path):
    """Refuse a file that is missing, damaged or not one of our databases."""
    if not Path(path).is_file():
        raise MaintenanceError(f"no backup at {path}")
    verdict = integrity(path)
    if verdict != "ok":
        raise MaintenanceError(f"{path} failed its integrity check: {verdict}")
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    finally:
        connection.close()
    missing = [table for table in REQUIRED_TABLES if table not in tables]
    if missing:
        raise MaintenanceError(f"{path} is not a satisfaction database (no {', '.join(missing)} table)")


def holds_data(path):
    """Whether the database at `path` has any office or rating (something a restore would lose)."""
    if not Path(path).is_file():
        return False
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return bool(connection.execute(
            "SELECT EXISTS (SELECT 1 FROM offices) OR EXISTS (SELECT 1 FROM ratings)").fetchone()[0])
    except sqlite3.OperationalError:  # no such table: an empty file
        return False
    finally:
        connection.close()


def claim_for_restore(database_path, busy_timeout_ms=500):
    """A connection to the database to be replaced, or MaintenanceError if another process has it open.

    In WAL mode every open connection holds a shared lock on the file, even when idle, so
    leaving WAL mode (which needs the file to ourselves) fails exactly when some process,
    such as a server worker, has it open. The restore writes a whole new file anyway.
    """
    connection = sqlite3.connect(database_path, timeout=busy_timeout_ms / 1000, isolation_level=None)
    try:
        mode = connection.execute("PRAGMA journal_mode = DELETE").fetchone()[0]
    except sqlite3.OperationalError:
        mode = None
    if mode != "delete":
        connection.close()
        raise MaintenanceError(
            f"{database_path} is in use by another process: stop the server first "
            "(systemctl stop satisfaction), then restore")
    return connection


def restore(backup_path, database_path, busy_timeout_ms=5000):
    """Put a checked backup in place of the database, which no other process may have open."""
    check_backup(backup_path)
    target = claim_for_restore(database_path)
    source = sqlite3.connect(f"file:{backup_path}?mode=ro", uri=True, timeout=busy_timeout_ms / 1000)
    try:
        source.backup(target)
        target.execute("PRAGMA journal_mode = WAL")  # as the server runs it
    finally:
        source.close()
        target.close()
    verdict = integrity(database_path)
    if verdict != "ok":
        raise MaintenanceError(f"the restored database failed its integrity check: {verdict}")
