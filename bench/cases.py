"""Follow-up cases (issue 13): what opening cases adds to batch ingest, and the cases page
and API on a demo database with many cases.

`BENCH_CASES_RATINGS` (default 10,000,000) picks the demo database (seeded once and cached
under bench-results/, as the dashboards bench does) and `BENCH_CASES` (default 100,000) how
many cases it is given; they are added once, from its dissatisfied ratings that say why.
"""

import datetime as dt
import json
import os
import random
import sqlite3
import tempfile
from pathlib import Path

from bench import common

RATINGS = int(os.environ.get("BENCH_CASES_RATINGS", "10000000"))
CASES = int(os.environ.get("BENCH_CASES", "100000"))
TARGET_MS = 300


def run(report):
    ingest_cost(report)
    pages(report)


def _ingest_rate(path, components):
    """Ratings per second in 500-rating batches; a sixth are dissatisfied with a reason (a case each)."""
    start = dt.datetime.now(dt.UTC) - dt.timedelta(days=200)
    rate, _ = common.batch_ingest_rate(path, components, start, start + dt.timedelta(days=1))
    if "cases" not in components:
        return rate, 0
    with sqlite3.connect(path) as conn:
        return rate, conn.execute("SELECT COUNT(*) FROM cases").fetchone()[0]


def ingest_cost(report):
    with tempfile.TemporaryDirectory() as folder:
        plain, _ = _ingest_rate(Path(folder) / "plain.db", ("sms",))
        with_cases, opened = _ingest_rate(Path(folder) / "cases.db", ("sms", "cases"))
    report("baseline: batch ingest in-process without the cases component", plain, "ratings/s")
    report("batch ingest with cases opening in the same transaction", with_cases, "ratings/s",
           f"{with_cases / plain:.2f}x the baseline; {opened:,} cases opened; aim >= 20,000 (make bench core "
           "measures it under gunicorn)")


def _add_cases(path, count):
    """Give the demo database `count` cases (once), from its dissatisfied ratings that say why."""
    from server import create_app
    from server.db import connect_app, write_transaction

    app = create_app({"DATABASE": str(path), "ALERT_INTERVAL_SECONDS": 0, "SQLITE_SYNCHRONOUS": "NORMAL"})
    db = connect_app(app)
    try:
        have = db.execute("SELECT COUNT(*) FROM cases").fetchone()[0]
        if have >= count:
            return app, have
        rng = random.Random(13)
        poor = json.dumps(sorted(app.extensions["scale"].dissatisfied_scores))
        rows = db.execute("""SELECT id, office_id, created_at, local_day FROM ratings
                             WHERE score IN (SELECT value FROM json_each(?)) AND misuse = 0
                               AND (reasons IS NOT NULL OR comment IS NOT NULL)
                               AND id NOT IN (SELECT rating_id FROM cases)
                             ORDER BY id DESC LIMIT ?""", [poor, count - have]).fetchall()
        now = dt.datetime.now(dt.UTC)
        with write_transaction(db):
            for rating_id, office_id, created_at, day in rows:
                opened = dt.datetime.fromisoformat(created_at.replace("Z", "+00:00"))
                due = opened + dt.timedelta(days=7)
                status = rng.choice(["closed"] * 6 + ["answered"] * 2 + ["open"])
                answered = opened + dt.timedelta(days=rng.randint(0, 9)) if status != "open" else None
                stamp = lambda moment: moment.strftime("%Y-%m-%dT%H:%M:%S.000Z") if moment else None  # noqa: E731
                db.execute("""INSERT INTO cases (rating_id, office_id, status, opened_at, opened_day, due_at,
                                                 first_due_at, first_answered_at, answer_working_days, answered_at,
                                                 closed_at, outcome, feedback, updated_at)
                              VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                           [rating_id, office_id, status, created_at, day, stamp(due), stamp(due), stamp(answered),
                            rng.randint(0, 7) if answered else None, stamp(answered),
                            stamp(answered) if status == "closed" else None,
                            "explained" if status == "closed" else None,
                            rng.choice([None, "satisfied", "unsatisfied"]) if answered else None, stamp(now)])
        return app, db.execute("SELECT COUNT(*) FROM cases").fetchone()[0]
    finally:
        db.close()


def pages(report):
    from bench.dashboards import logged_in, timed

    path = common.demo_database(RATINGS)
    app, count = _add_cases(path, CASES)
    report(f"-- demo database with {RATINGS:,} ratings and {count:,} cases", 0, "")
    client = logged_in(app, "tinh")
    baseline, _ = timed(client, "/api/v1/stats?period=month&from=2025-11-01&to=2026-10-31")
    report("baseline: GET /api/v1/stats, province by month", baseline, "ms", "median")
    for name, url in (("cases page, open", "/dashboard/cases"),
                      ("cases page, closed", "/dashboard/cases?status=closed"),
                      # one ward of today's map (phường Nam Gia Nghĩa, since 1 July 2025)
                      ("cases page, overdue, one ward, a year", "/dashboard/cases?status=overdue&office=LDG-NGN"
                       "&from=2025-11-01&to=2026-10-31"),
                      ("a case page", "/dashboard/cases/1"),
                      ("GET /api/v1/cases, 50 newest", "/api/v1/cases"),
                      ("overview with the case figures", "/dashboard?preset=custom&from=2025-11-01&to=2026-10-31")):
        median, slowest = timed(client, url)
        verdict = "ok" if slowest < TARGET_MS else f"OVER {TARGET_MS} ms"
        report(name, median, "ms", f"median; slowest {slowest:.0f} ms; {median / baseline:.1f}x baseline; {verdict}")
