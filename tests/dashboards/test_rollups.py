"""Every rollup the server keeps (the core's and the dashboards', one mechanism:
server.rollups) equals a scan of the ratings after every kind of write; the monthly ones
follow the daily ones exactly over any range of days, so pages show the same numbers."""

import datetime as dt
import json

import pytest

from dashboards import queries
from dashboards.filters import parse_filters
from server import offices
from server.components import load
from server.db import connect, get_db, write_transaction
from server.ratings import Ingest, Source, parse_item
from server.rollups import CORE, Rollups, scan_differences
from server.schema import migration_sets
from tests.sms.support import inbound, make_app, reply_text
from tests.support import TEST_PROVINCE, add_kiosk, add_offices, auth, rating

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


def every_rollup_matches_a_scan(app):
    with app.app_context():
        rollups = app.extensions["ingest"].rollups.rollups
        assert {r.table for r in rollups} >= {"rollup_daily", "rollup_monthly", "rollup_staff", "rollup_reasons",
                                              "rollup_reasons_monthly", "rollup_staff_monthly"}
        differences = scan_differences(get_db().conn, rollups)
    assert differences == dict.fromkeys(differences, 0)


def test_every_rollup_equals_a_scan_after_kiosk_batches_sms_and_misuse(database):
    app = add_offices(make_app(database), TEST_PROVINCE, staff=[("CB1", "Nguyễn Văn An", "D", "Quầy 1")])
    client = app.test_client()
    _, token = add_kiosk(app, "D", "Quầy 1")
    _, other = add_kiosk(app, "C", "Quầy 2")
    base = dt.datetime(2026, 4, 30, 16, 59, 50, tzinfo=dt.UTC)  # 23:59:50 local, across a month's end
    batch = [rating(1 + i % 4, created_at=base + dt.timedelta(seconds=6 * i), staff="CB1" if i % 2 else None,
                    reasons=["fees"] if i % 4 == 0 else None) for i in range(6)]
    assert client.post("/api/v1/ratings", json={"ratings": batch}, headers=auth(token)).status_code == 200
    # a late batch lands between stored ones: stored ratings are re-flagged as misuse
    crowding = [rating(1, created_at=base + dt.timedelta(seconds=6 * i + 1), reasons=["waiting_time"])
                for i in range(3)]
    assert client.post("/api/v1/ratings", json={"ratings": crowding}, headers=auth(token)).status_code == 200
    assert client.post("/api/v1/ratings", json={"ratings": [rating(3, created_at=base, misuse=True)]},
                       headers=auth(other)).status_code == 200
    # SMS: an unprompted rating, then its follow-up reasons move the reasons rollups
    assert reply_text(inbound(client, app, "D 1")) is not None
    assert reply_text(inbound(client, app, "1 3 chờ lâu")) is not None
    with app.app_context():
        db = get_db()
        assert db.execute("SELECT COUNT(*) FROM ratings WHERE misuse = 1").fetchone()[0] >= 2
        assert db.execute("SELECT COUNT(*) FROM ratings WHERE channel = 'sms' AND reasons IS NOT NULL"
                          ).fetchone()[0] == 1
        assert db.execute("SELECT COUNT(*) FROM rollup_staff_monthly WHERE n > 0").fetchone()[0] >= 2
        monthly_matches_daily(db)
    every_rollup_matches_a_scan(app)


def test_no_trigger_keeps_a_rollup(app):
    """One mechanism: the core's (server.rollups); the triggers the dashboards shipped are
    dropped, and the database file holds none (the score feed's trigger is TEMP, made by
    each connection from the declarations)."""
    with app.app_context():
        triggers = [row[0] for row in get_db().execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")]
    assert not [name for name in triggers if "rollup" in name], triggers


def test_a_connections_first_write_rolled_back_does_not_stop_the_next_from_counting(database):
    """The score feed is made by a connection's first write, inside its transaction: undone
    with it, made again by the next write, whose counts still land in every rollup."""
    app = make_app(database)
    with app.app_context():
        db = get_db()
        with write_transaction(db):
            for code, name, parent, kind in TEST_PROVINCE:
                offices.add_office(db, code, name, parent, kind)
            kiosk_id, _, _ = offices.add_kiosk(db, "D", "Quầy 1")
    ingest, now = app.extensions["ingest"], dt.datetime(2026, 5, 2, tzinfo=dt.UTC)
    fresh = connect(database, synchronous="NORMAL")
    tree = offices.load_tree(fresh)
    source = Source("kiosk", tree.by_code["D"].id, 1, kiosk_id)

    def store(score, minutes):
        item = rating(score, created_at=now - dt.timedelta(minutes=minutes), reasons=["fees"] if score == 1 else None)
        ingest.store(fresh, tree, source, [parse_item(item, ingest.scale, now, 300)], {}, now)

    with pytest.raises(RuntimeError), write_transaction(fresh):
        store(4, 30)
        raise RuntimeError("the request failed after storing")
    with write_transaction(fresh):
        store(1, 20)
        store(3, 10)
    fresh.close()
    every_rollup_matches_a_scan(app)
    with app.app_context():
        assert get_db().execute("SELECT n, n1, n3, n4 FROM rollup_daily").fetchall() == [(2, 1, 1, 0)]


def test_the_demo_provinces_monthly_rollups_match_its_daily_ones(demo_app):
    with demo_app.app_context():
        monthly_matches_daily(get_db())
    every_rollup_matches_a_scan(demo_app)


@pytest.mark.parametrize("start, end", [("2026-03-15", "2026-06-10"), ("2026-04-01", "2026-06-30"),
                                        ("2026-05-03", "2026-05-20"), ("2025-11-01", "2026-10-31"),
                                        ("2026-02-28", "2026-03-01")])
def test_reasons_and_staff_over_any_range_equal_the_daily_sums(demo_app, start, end):
    filters = parse_filters({"from": start, "to": end}, dt.date(2026, 11, 28), channels=("kiosk", "sms"))
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


def test_a_database_from_before_keeps_its_monthly_counts_and_loses_its_triggers(database):
    """A database whose monthly rollups were kept by the dashboards' triggers: the migration
    drops them, keeps the counts, and from then on the core alone keeps them (no double count)."""
    db = connect(database, synchronous="NORMAL")
    with write_transaction(db):
        for migrations in migration_sets(load()):
            migrations.apply(db, stop_before="m006_monthly_rollups_kept_by_the_core")
        assert db.execute("SELECT COUNT(*) FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'rollup%'"
                          ).fetchone()[0] == 4
        for code, name, parent, kind in TEST_PROVINCE:
            offices.add_office(db, code, name, parent, kind)
        kiosk_id, _, _ = offices.add_kiosk(db, "D", "Quầy 1")
        tree = offices.load_tree(db)
        # as the server did then: the core kept its own rollups, the triggers the monthly ones
        old = Ingest(make_app(database.with_name("scratch.db")).extensions["scale"], dt.UTC, 3, 300, Rollups(CORE))
        now = dt.datetime(2026, 5, 2, tzinfo=dt.UTC)
        items = [rating(1 + i % 4, created_at=now - dt.timedelta(days=i), reasons=["fees"] if i % 2 else None)
                 for i in range(5)]
        old.store(db, tree, Source("kiosk", tree.by_code["D"].id, 1, kiosk_id),
                  [parse_item(item, old.scale, now, 300) for item in items], {}, now)
    assert db.execute("SELECT SUM(n) FROM rollup_staff_monthly").fetchone()[0] == 5
    db.close()

    app = make_app(database)  # migrates
    every_rollup_matches_a_scan(app)
    _, token = add_kiosk(app, "D", "Quầy 2")
    more = [rating(2, created_at=dt.datetime(2026, 5, 1, 3, tzinfo=dt.UTC) + dt.timedelta(minutes=i),
                   reasons=["fees"]) for i in range(3)]
    assert app.test_client().post("/api/v1/ratings", json={"ratings": more}, headers=auth(token)).status_code == 200
    every_rollup_matches_a_scan(app)
    with app.app_context():
        assert get_db().execute("SELECT SUM(n) FROM rollup_staff_monthly").fetchone()[0] == 8
