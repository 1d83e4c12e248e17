"""Backups and retention on the demo province: what they cost and what writers feel meanwhile.

- Backup of the 1 million-rating database (online backup + integrity check), against a plain
  file copy of the same file in the same run.
- The longest a small write transaction waits while the backup runs, against the same writer
  with nothing else running: the backup reads one snapshot and, in WAL mode, blocks no writer.
- The comments purge on 10 million ratings: the first run (half a year of comments due), the
  daily run after it (one more day due), against finding the same rows by a full table scan;
  and the longest a write waits during the first run (the purge works in batches).

Works on copies in a scratch folder under bench-results/; the cached demo databases stay as
they are. Run: make bench BENCH_ARGS=ops   (or: .venv/bin/python -m bench ops)
"""

import contextlib
import datetime as dt
import os
import shutil
import sqlite3
import tempfile
import threading
import time
from pathlib import Path

from bench.common import RESULTS, demo_database, path_size_mb
from server import maintenance, retention
from server.db import connect, migrate

CUTOFF = dt.date(2026, 5, 1)  # half of the demo year (2025-11-01 .. 2026-10-31)
FIND_DUE = "SELECT COUNT(*) FROM ratings {hint} WHERE comment IS NOT NULL AND local_day < ?"


def _timed(function, *args):
    started = time.perf_counter()
    result = function(*args)
    return time.perf_counter() - started, result


def _plain_copy(source, target):
    shutil.copyfile(source, target)
    descriptor = os.open(target, os.O_RDONLY)
    os.fsync(descriptor)
    os.close(descriptor)


class Writer:
    """Small write transactions, one every few milliseconds, timing how long each waits."""

    def __init__(self, path):
        self.path, self.waits, self.stop = path, [], threading.Event()
        self.thread = threading.Thread(target=self._run)

    def _run(self):
        db = connect(self.path, busy_timeout_ms=30000, synchronous="NORMAL")
        db.execute("CREATE TABLE IF NOT EXISTS bench_writes (at REAL)")
        while not self.stop.is_set():
            started = time.perf_counter()
            db.conn.execute("BEGIN IMMEDIATE")
            db.execute("INSERT INTO bench_writes VALUES (?)", [started])
            db.conn.execute("COMMIT")
            self.waits.append(time.perf_counter() - started)
            time.sleep(0.005)
        db.close()

    def __enter__(self):
        self.thread.start()
        time.sleep(0.2)
        return self

    def __exit__(self, *_):
        self.stop.set()
        self.thread.join()

    def worst_ms(self):
        return max(self.waits) * 1000


def _writer_alone(path, seconds=2.0):
    with Writer(path) as writer:
        time.sleep(seconds)
    return writer.worst_ms()


def _backups(report, scratch):
    source = scratch / "one-million.db"
    shutil.copyfile(demo_database(1_000_000), source)
    copy_seconds, _ = _timed(_plain_copy, source, scratch / "plain-copy.db")
    report("plain file copy of the 1M database (baseline)", copy_seconds, "s", f"{path_size_mb(source):,.0f} MB")
    alone = _writer_alone(source)
    with Writer(source) as writer:
        seconds, target = _timed(maintenance.backup, source, scratch / "backups/", dt.datetime.now())
    report("flask backup of the 1M database (copy + integrity check)", seconds, "s",
           f"{seconds / copy_seconds:.1f}x the plain copy; {len(writer.waits)} writes went on meanwhile")
    integrity_seconds, verdict = _timed(maintenance.integrity, target)
    report("  PRAGMA integrity_check of the copy (part of it)", integrity_seconds, "s", verdict)
    report("longest write wait while the backup ran", writer.worst_ms(), "ms", f"{alone:.1f} ms with no backup")


def _purges(report, scratch):
    path = scratch / "ten-million.db"
    shutil.copyfile(demo_database(10_000_000), path)
    db = connect(path, synchronous="NORMAL")
    migrate(db)  # as the server does on start: the cached database may predate the comments indexes
    with contextlib.closing(sqlite3.connect(path)) as connection:
        connection.execute(FIND_DUE.format(hint="NOT INDEXED"), [CUTOFF.isoformat()]).fetchone()  # warm the cache
        scan, (due,) = _timed(lambda: connection.execute(FIND_DUE.format(hint="NOT INDEXED"),
                                                         [CUTOFF.isoformat()]).fetchone())
    report("full scan finding the due comments, 10M (baseline)", scan, "s", f"{due:,} comments due")
    try:
        alone = _writer_alone(path)
        with Writer(path) as writer:
            first, erased = _timed(retention.purge_comments, db, CUTOFF)
        report("first purge, 10M: half a year of comments erased", first, "s",
               f"{erased:,} erased, {first / scan:.1f}x the scan")
        report("longest write wait during that purge", writer.worst_ms(), "ms",
               f"{alone:.1f} ms with no purge; batches of {retention.BATCH}")
        daily, erased = _timed(retention.purge_comments, db, CUTOFF + dt.timedelta(days=1))
        report("daily purge: one more day of comments erased", daily * 1000, "ms",
               f"{erased:,} erased; {scan / daily:,.0f}x faster than the scan")
    finally:
        db.close()


def run(report):
    with tempfile.TemporaryDirectory(dir=RESULTS, prefix="ops-") as scratch:
        _backups(report, Path(scratch))
        _purges(report, Path(scratch))
