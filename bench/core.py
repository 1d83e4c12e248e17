"""Server core figures (issue 2): ingest under gunicorn, and stats from the rollup vs a scan."""

import datetime as dt
import os
import sqlite3
import tempfile
import time
import uuid
from pathlib import Path

import uuid6

from bench.common import ROUND, best_of, compare, demo_database, json_request, load, ratios, report_ratios, seed_seconds
from server import create_app, offices, stats
from server.db import get_db, write_transaction
from server.offices import load_tree
from tests.support import ServerProcess, flask_cli

KIOSKS = 40
CENTRE_THREADS = 8  # two client processes of eight threads: sixteen kiosks
# Ratings are dated in the past year, whenever the bench runs: a date past "now" would be
# rejected as from the future, and rejections are cheap, so they would inflate the figures.
BASE = (dt.datetime.now(dt.UTC) - dt.timedelta(days=600)).replace(hour=1, minute=0, second=0, microsecond=0)


def run(report, part=None):
    """`part`: "ingest" (the server under load) or "stats" (the rollups over 1 and 10 million
    ratings, seeded once and kept); both by default."""
    if part in (None, "ingest"):
        for synchronous in ("FULL", "NORMAL"):
            with tempfile.TemporaryDirectory() as folder:
                _ingest(report, Path(folder) / "bench.db", synchronous)
    if part in (None, "stats"):
        for size in (1_000_000, 10_000_000):
            _stats(report, size)


def deploy_workers():
    """deploy/gunicorn.conf.py's own default worker count on this machine."""
    return min(4, (os.cpu_count() or 1) + 1)


def _ingest(report, database, synchronous):
    report(f"-- ingest with SQLITE_SYNCHRONOUS={synchronous}", 0, "", "(FULL is the default)")
    flask_cli(database, "office", "add", "P", "Tỉnh", "--kind", "province")
    tokens = _add_kiosks(database, KIOSKS)
    # as deployed: deploy/gunicorn.conf.py with its default workers and threads
    with ServerProcess(database, workers=deploy_workers(), threads=4, deploy_config=True,
                       SQLITE_SYNCHRONOUS=synchronous) as server:
        master = server.process.pid

        def ping(worker, thread, n):
            return json_request("GET", "/api/v1/ping", None)

        def single(worker, thread, n):
            # A busy centre: sixteen kiosks (one per client thread), each rating every 5 s of
            # its own clock, so none of it is misuse; each round rates on a day of its own.
            kiosk = worker * CENTRE_THREADS + thread
            item = {"id": str(uuid6.uuid7()), "score": 1 + n % 4,
                    "created_at": (BASE + dt.timedelta(days=ROUND[0], seconds=5 * n)).isoformat()}
            return json_request("POST", "/api/v1/ratings", {"ratings": [item]}, tokens[kiosk])

        full = synchronous == "FULL"
        trivial, single_rate = compare(server.port, ping, single, rounds=5 if full else 3, threads=CENTRE_THREADS,
                                       server_pid=master)
        report("trivial JSON endpoint (GET /api/v1/ping)", trivial["rate"], "req/s",
               f"p99 {trivial['p99_ms']:.1f} ms; median of the rounds alternating with the next line")
        report("single-rating POST /api/v1/ratings, 16 kiosks", single_rate["rate"], "req/s",
               f"p99 {single_rate['p99_ms']:.1f} ms, errors {len(single_rate['errors'])}, "
               f"{_misuse(database)} stored as misuse")
        report_ratios(report, "single-rating POST", "ping", ratios(trivial, single_rate), 0.5, 0.6)

        for name, new_id, offset in (("UUIDv7 ids, as the kiosk sends", uuid6.uuid7, 60),
                                     ("random UUIDv4 ids", uuid.uuid4, 330)):
            def batch(worker, thread, n, new_id=new_id, offset=offset):
                kiosk = (worker * 8 + thread + 16) % KIOSKS
                start = BASE + dt.timedelta(days=offset + n, seconds=worker * 7 + thread)
                items = [{"id": str(new_id()), "score": 1 + i % 4,
                          "created_at": (start + dt.timedelta(seconds=5 * i)).isoformat()} for i in range(500)]
                return json_request("POST", "/api/v1/ratings", {"ratings": items}, tokens[kiosk])

            before = _stored(database)
            batches = load(server.port, batch, processes=2, threads=1, prebuilt=150, server_pid=master)
            stored = _stored(database) - before
            report(f"batch ingest, 500 per POST, {name}", batches["rate"] * 500, "ratings/s",
                   f"aim >= 20,000; p99 {batches['p99_ms']:.0f} ms per batch, errors {len(batches['errors'])}, "
                   f"{stored:,} stored")
            # what the code decides, whatever the machine's load: the server's CPU per rating
            report("  server CPU per rating in batches", batches["cpu_ms"] / 500 * 1000, "us",
                   f"{500_000 / batches['cpu_ms']:,.0f} ratings per CPU-second of gunicorn's master and workers")


def _add_kiosks(database, count):
    """`count` kiosks at counters of office P; their tokens. In one process, through the
    function `flask kiosk add` calls: forty CLI processes took minutes on a loaded machine."""
    app = create_app({"DATABASE": str(database), "SECRET_KEY": "bench-" + "x" * 40})
    with app.app_context():
        db = get_db()
        with write_transaction(db):
            return [offices.add_kiosk(db, "P", f"Quầy {i}")[1] for i in range(count)]


def _misuse(database):
    with sqlite3.connect(database) as conn:
        return conn.execute("SELECT COUNT(*) FROM ratings WHERE misuse = 1").fetchone()[0]


def _stored(database):
    with sqlite3.connect(database) as conn:
        return conn.execute("SELECT COUNT(*) FROM ratings").fetchone()[0]


def _stats(report, size):
    started = time.monotonic()
    database = demo_database(size)
    seeded = seed_seconds(size)
    note = f"seeded in {seeded:.0f} s" if seeded else f"ready in {time.monotonic() - started:.0f} s"
    app = create_app({"DATABASE": str(database)})
    with app.app_context():
        db = get_db()
        scale = app.extensions["scale"]
        count = db.execute("SELECT COUNT(*) FROM ratings").fetchone()[0]
        report(f"demo province, {size:,} ratings", count, "ratings", note)
        admin = {"office_id": None}
        # twelve months across the reorganisation of 1 July 2025, under both structures
        for structure in ("current", "historical"):
            query = stats.parse_query({"period": "month", "from": "2025-01-01", "to": "2025-12-31",
                                       "structure": structure}, dt.date(2026, 10, 31),
                                      channels=app.extensions["channels"])

            def from_rollup(query=query):
                return stats.satisfaction_rows(db, load_tree(db), scale, query, admin)

            def by_scan(query=query):
                return stats.satisfaction_by_scan(db, load_tree(db), scale, query, admin)

            assert from_rollup() == by_scan(), "the rollup and the scan disagree"
            fast = best_of(from_rollup, repeat=7)
            slow = best_of(by_scan, repeat=2)
            report(f"  whole-province monthly stats, structure={structure}, {size:,} (aim < 50 ms)", fast * 1000, "ms")
            report(f"  same figures by GROUP BY over ratings, {structure}, {size:,}", slow * 1000, "ms")
            report(f"  speed-up rollup vs scan, {structure}, {size:,} (aim >= 20x)", slow / fast, "x")
        client = app.test_client()
        token = app.test_cli_runner().invoke(args=["user", "token", "admin"]).output.strip().splitlines()[-1]
        http = best_of(lambda: client.get("/api/v1/stats?period=month&from=2025-01-01&to=2025-12-31",
                                          headers={"Authorization": f"Bearer {token}"}), repeat=7)
        report(f"  GET /api/v1/stats through Flask, {size:,}", http * 1000, "ms")
