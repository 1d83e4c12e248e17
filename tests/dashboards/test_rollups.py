"""The dashboards' monthly rollups follow the daily ones exactly, through inserts, misuse
re-flagging and any range of days, so pages that read them show the same numbers."""

import datetime as dt
import json

import pytest

from dashboards import queries
from dashboards.filters import parse_filters
from server.db import get_db
from tests.conftest import add_kiosk, auth, rating

MONTHLY = {"rollup_reasons": "office_id, channel, misuse, reason, substr(day, 1, 7), SUM(n)",
           "rollup_staff": "office_id, counter_id, staff_id, channel, misuse, substr(day, 1, 7), "
                           "SUM(n), SUM(n1), SUM(n2), SUM(n3), SUM(n4), SUM(n5)"}


def monthly_matches_daily(db):
    for table, columns in MONTHLY.items():
        keys = columns.split(", SUM")[0]
        order = "HAVING SUM(n) != 0 ORDER BY 1, 2, 3, 4, 5, 6"
        daily = db.execute(f"SELECT {columns} FROM {table} GROUP BY {keys} {order}")
        month_keys = keys.replace("substr(day, 1, 7)", "month")
        monthly = db.execute(f"SELECT {columns.replace('substr(day, 1, 7)', 'month')} FROM {table}_monthly "
                             f"GROUP BY {month_keys} {order}")
        assert [tuple(r) for r in daily.fetchall()] == [tuple(r) for r in monthly.fetchall()], table


def test_monthly_rollups_follow_inserts_and_misuse_reflagging(client, province):
    _, token = add_kiosk(province, "D", "Quầy 1")
    base = dt.datetime(2026, 3, 31, 16, 59, 58, tzinfo=dt.UTC)  # 23:59:58 local, the month's last day
    items = [rating(1, created_at=base + dt.timedelta(seconds=2 * i), reasons=["fees", "waiting_time"], staff="CB1")
             for i in range(4)]
    assert client.post("/api/v1/ratings", json={"ratings": items[::2]}, headers=auth(token)).status_code == 200
    # late arrivals land between stored ones: stored ratings get flagged as misuse (-1/+1 updates)
    assert client.post("/api/v1/ratings", json={"ratings": items[1::2]}, headers=auth(token)).status_code == 200
    with province.app_context():
        db = get_db()
        assert db.execute("SELECT COUNT(*) FROM ratings WHERE misuse = 1").fetchone()[0] > 0
        monthly_matches_daily(db)


def test_the_demo_provinces_monthly_rollups_match_its_daily_ones(demo_app):
    with demo_app.app_context():
        monthly_matches_daily(get_db())


@pytest.mark.parametrize("start, end", [("2026-03-15", "2026-06-10"), ("2026-04-01", "2026-06-30"),
                                        ("2026-05-03", "2026-05-20"), ("2025-11-01", "2026-10-31"),
                                        ("2026-02-28", "2026-03-01")])
def test_reasons_and_staff_over_any_range_equal_the_daily_sums(demo_app, start, end):
    filters = parse_filters({"from": start, "to": end}, dt.date(2026, 11, 28))
    with demo_app.app_context():
        db = get_db()
        ids = [row[0] for row in db.execute("SELECT id FROM offices")]
        direct = db.execute("""SELECT reason, SUM(n) FROM rollup_reasons WHERE day BETWEEN ? AND ? AND misuse = 0
                               GROUP BY reason ORDER BY SUM(n) DESC, reason""", [start, end]).fetchall()
        assert queries.reasons(db, ids, filters) == [tuple(row) for row in direct]
        staff = db.execute("""SELECT counter_id, staff_id, SUM(n1), SUM(n2), SUM(n3), SUM(n4) FROM rollup_staff
                              WHERE day BETWEEN ? AND ? AND misuse = 0 GROUP BY counter_id, staff_id""",
                           [start, end]).fetchall()
        expected = {(c, s): {score: n for score, n in enumerate(counts, start=1) if n} for c, s, *counts in staff}
        assert queries.staff_counts(db, ids, filters) == expected


def test_month_split_covers_a_range_exactly_once():
    for start, end in [("2026-03-15", "2026-06-10"), ("2026-04-01", "2026-06-30"), ("2026-05-03", "2026-05-20")]:
        months, edges = queries.month_split(dt.date.fromisoformat(start), dt.date.fromisoformat(end))
        covered = set()
        day = dt.date.fromisoformat(start)
        while day <= dt.date.fromisoformat(end):
            in_month = months[0] <= day.isoformat()[:7] <= months[1]
            in_edges = sum(a <= day.isoformat() <= b for a, b in edges)
            assert in_month + in_edges == 1, day
            covered.add(day)
            day += dt.timedelta(days=1)
    assert json.dumps(queries.month_split(dt.date(2026, 5, 3), dt.date(2026, 5, 20))[1][0]) == \
        '["2026-05-03", "2026-05-20"]'
