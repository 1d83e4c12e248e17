"""Dashboard pages' server time on the demo province with 10 million ratings.

Each page is asked through Flask's test client (server time only: no network, no browser),
once to warm up and then REPEAT times; the median and the slowest are reported against the
300 ms target, beside the stats API's own answer for the whole province as a baseline.
The 10M database is seeded once (a few minutes) and kept under bench-results/.

Run: make bench BENCH_ARGS=dashboards   (or: .venv/bin/python -m bench dashboards)
"""

import re
import statistics
import time
from pathlib import Path

from bench import common

RATINGS = 10_000_000
REPEAT = 5
TARGET_MS = 300
YEAR = "preset=custom&from=2025-11-01&to=2026-10-31"
PAGES = [
    ("overview, whole province, 12 months by month", f"/dashboard?{YEAR}"),
    ("overview, whole province, 12 months by day", f"/dashboard?{YEAR}&period=day"),
    ("overview, default view", "/dashboard"),
    ("overview, one month by day", "/dashboard?preset=custom&from=2026-10-01&to=2026-10-31&period=day"),
    ("office page, district GN", f"/dashboard/office/GN?{YEAR}"),
    ("office page, province LDG", f"/dashboard/office/LDG?{YEAR}"),
    ("fair comparisons, province", f"/dashboard/compare?{YEAR}"),
    ("comments, newest", f"/dashboard/comments?{YEAR}"),
    ("comments, searched", f"/dashboard/comments?{YEAR}&q=ch%E1%BB%9D"),
    ("comments, one reason", f"/dashboard/comments?{YEAR}&reason=fees"),
    ("comments, search that matches nothing", f"/dashboard/comments?{YEAR}&q=zzzz"),
    ("comments, one commune, reason and level", f"/dashboard/comments?{YEAR}&office=LDG-NGN&reason=fees&score=4"),
    ("comments, one commune, search that matches nothing", f"/dashboard/comments?{YEAR}&office=LDG-NGN&q=zzzz"),
    ("kiosk health", "/dashboard/kiosks"),
    ("alerts", "/dashboard/alerts"),
    ("SMS funnel", "/dashboard/sms"),
    ("export CSV", f"/dashboard/export.csv?{YEAR}"),
    ("export XLSX", f"/dashboard/export.xlsx?{YEAR}"),
    ("quarterly report, province", "/dashboard/report/LDG?quarter=2026-Q3"),
    ("public page", "/public"),
    ("admin: offices", "/admin/offices"),
    ("admin: counters and officers", "/admin/staff"),
    ("admin: users", "/admin/users"),
]


def demo_database():
    return common.demo_database(RATINGS)


def logged_in(app, username):
    client = app.test_client()
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)
    response = client.post("/login", data={"username": username, "password": "demo-password", "csrf_token": token})
    assert response.status_code == 302, "demo login failed"
    return client


def timed(client, url):
    """(median ms, slowest ms) of REPEAT requests after one warm-up."""
    first = client.get(url)
    assert first.status_code == 200, f"{url}: {first.status_code}"
    times = []
    for _ in range(REPEAT):
        started = time.perf_counter()
        client.get(url).close()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), max(times)


def run(report):
    from server import create_app

    path = demo_database()
    started = time.monotonic()
    app = create_app({"DATABASE": str(path), "PUBLIC_PAGE": True, "ALERT_INTERVAL_SECONDS": 0,
                      "SQLITE_SYNCHRONOUS": "NORMAL"})
    report("app start on the 10M database (migrations included)", time.monotonic() - started, "s")
    client = logged_in(app, "tinh")
    baseline, _ = timed(client, "/api/v1/stats?period=month&from=2025-11-01&to=2026-10-31")
    report("baseline: GET /api/v1/stats, province by month", baseline, "ms", "median")
    worst = 0.0
    for name, url in PAGES:
        admin = url.startswith("/admin")
        median, slowest = timed(logged_in(app, "admin") if admin else client, url)
        worst = max(worst, slowest)
        verdict = "ok" if slowest < TARGET_MS else f"OVER {TARGET_MS} ms"
        report(name, median, "ms", f"median; slowest {slowest:.0f} ms; {median / baseline:.1f}x baseline; {verdict}")
    report("slowest page request of all", worst, "ms", f"target < {TARGET_MS} ms")
    from dashboards import alerting
    from server.db import connect_app

    db = connect_app(app)
    try:
        started = time.perf_counter()
        alerting.findings(db, app.config, app.extensions["scale"], app.extensions["timezone"],
                          alerting.utcnow())
        report("alert rules, one check of the whole province", (time.perf_counter() - started) * 1000, "ms")
    finally:
        db.close()
    ingest_cost(report)


def _ingest_rate(path, without_extras):
    """Ratings per second stored in 500-rating batches, with or without the dashboards
    component (what its monthly rollups and partial indexes add to every write)."""
    import datetime as dt

    start = dt.datetime(2026, 1, 5, 1, 0, tzinfo=dt.UTC)
    return common.batch_ingest_rate(path, ("sms",) if without_extras else None, start, start)[0]


def ingest_cost(report):
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        plain = _ingest_rate(Path(folder) / "plain.db", without_extras=True)
        full = _ingest_rate(Path(folder) / "full.db", without_extras=False)
    report("baseline: batch ingest without the dashboards' rollups and indexes", plain, "ratings/s")
    report("batch ingest with them", full, "ratings/s", f"{full / plain:.2f}x the baseline")
