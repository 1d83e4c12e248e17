"""What must hold after a soak, read straight from the database file and the server's log.

Every check returns data (counts, differences), not a verdict: the scenarios put the
figures in their report and the tests assert on them.
"""

import contextlib
import json
import re
import sqlite3
from collections import Counter

from server.components import load
from server.maintenance import integrity
from server.rollups import declared, scan_differences


@contextlib.contextmanager
def reading(database):
    """A read-only connection: it works on a full disk and changes nothing."""
    conn = sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=30)
    try:
        yield conn
    finally:
        conn.close()


def rollup_differences(database):
    """{rollup table: number of keys whose counts differ from a scan of the ratings}, for
    every rollup the server keeps (server.rollups)."""
    with reading(database) as conn:
        return scan_differences(conn, declared(load()))


def stored_times(database, client_ids, chunk=20_000):
    """{client id: how many ratings carry it} for the ids given (absent ids: 0)."""
    counts = dict.fromkeys(client_ids, 0)
    ids = list(counts)
    with reading(database) as conn:
        for start in range(0, len(ids), chunk):
            rows = conn.execute(
                """SELECT client_id, count(*) FROM ratings
                   WHERE client_id IN (SELECT value FROM json_each(?)) GROUP BY client_id""",
                [json.dumps(ids[start:start + chunk])]).fetchall()
            counts.update(dict(rows))
    return counts


def kiosk_ids(database):
    with reading(database) as conn:
        return {row[0] for row in conn.execute("SELECT client_id FROM ratings WHERE channel = 'kiosk'")}


def sms_ratings(database):
    """Counter of (office code, score) over the SMS ratings, and how many carry reasons."""
    with reading(database) as conn:
        rows = conn.execute("""SELECT o.code, r.score, r.reasons IS NOT NULL FROM ratings r
                               JOIN offices o ON o.id = r.office_id WHERE r.channel = 'sms'""").fetchall()
    return Counter((code, score) for code, score, _ in rows), sum(1 for *_, reasons in rows if reasons)


def exactly_once(database, acknowledged):
    """(lost, duplicated): acknowledged ids that are not stored, and ids stored more than once."""
    times = stored_times(database, acknowledged)
    return (sum(1 for n in times.values() if n == 0), sum(1 for n in times.values() if n > 1))


def half_stored(database, batches):
    """Batches (lists of ids) that are partly stored: some of their ids are there, some not."""
    all_ids = [rating_id for batch in batches for rating_id in batch]
    times = stored_times(database, all_ids)
    return sum(1 for batch in batches if 0 < sum(1 for i in batch if times[i]) < len(batch))


def check_integrity(database):
    return integrity(database)


LOCKED = re.compile(r"database is locked", re.I)


def log_findings(log_path):
    """What the server's log holds that it should not: lock errors, errors, tracebacks."""
    text = log_path.read_text(encoding="utf-8", errors="replace") if log_path.exists() else ""
    lines = text.splitlines()
    return {
        "database is locked": len(LOCKED.findall(text)),
        "error lines": sum(1 for line in lines if '"level": "error"' in line or "[ERROR]" in line),
        "tracebacks": text.count("Traceback (most recent call last)"),
    }
