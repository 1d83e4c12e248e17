"""The per-address limit of the web pages reads a bounded number of rows.

One address may be a whole commune behind a carrier's NAT, or the bench's loopback: the
check made on every tap must not count every rating that address sent in the last minute.
"""

import datetime as dt

from server.db import get_db, write_transaction
from server.timeutil import utcnow
from web import storage


def _check(db, key, sent, now):
    """(count, latest, SQLite VM steps) of the address check after `sent` ratings spread over 59 s."""
    with write_transaction(db):
        for index in range(sent):
            storage.record_hit(db, key, now - dt.timedelta(seconds=59 * index / sent))
    steps = [0]

    def step():
        steps[0] += 1

    db.conn.set_progress_handler(step, 1)
    try:
        count, latest, _ = storage.hits_since(db, [key], now - dt.timedelta(minutes=1))
    finally:
        db.conn.set_progress_handler(None, 1)
    return count, latest, steps[0]


def test_the_address_check_costs_the_same_for_600_or_6000_ratings_in_a_minute(app):
    now = utcnow()
    with app.app_context():
        db = get_db()
        few = _check(db, "a" * 32, 600, now)
        many = _check(db, "b" * 32, 6000, now)
    assert few[0] == 600 and many[0] == 6000  # still exact
    assert few[1] == many[1]  # the latest rating's time, for the burst rule
    assert many[2] < 1.5 * few[2], f"{many[2]} VM steps for 6000 ratings against {few[2]} for 600"


def test_the_address_check_forgets_ratings_older_than_a_minute(app):
    now = utcnow()
    with app.app_context():
        db = get_db()
        with write_transaction(db):
            storage.record_hit(db, "c" * 32, now - dt.timedelta(seconds=90))
            storage.record_hit(db, "c" * 32, now - dt.timedelta(seconds=30))
            storage.record_hit(db, "d" * 32, now)
        count, latest, _ = storage.hits_since(db, ["c" * 32], now - dt.timedelta(minutes=1))
    assert count == 1 and latest is not None


def test_day_old_address_hashes_go_at_most_once_a_minute_and_none_outlives_a_day(app):
    """Decree 13: a keyed address hash is kept at most a day. Taps sweep the old rows, but
    not every tap: one DELETE a minute per connection, reaching a minute short of a day."""
    now = utcnow().replace(microsecond=0)
    with app.app_context():
        db = get_db()
        deletes = []
        db.conn.set_trace_callback(lambda sql: deletes.append(sql) if sql.startswith("DELETE") else None)
        with write_transaction(db):
            storage.record_hit(db, "e" * 32, now - dt.timedelta(days=1, seconds=-30))  # 30 s short of a day
            storage.record_hit(db, "f" * 32, now - dt.timedelta(hours=1))
        deletes.clear()
        for second in range(0, 120, 10):  # a tap every 10 s for two minutes
            moment = now + dt.timedelta(seconds=second)
            with write_transaction(db):
                storage.record_hit(db, "g" * 32, moment)
            oldest = db.execute("SELECT MIN(second) FROM web_address_counts").fetchone()[0]
            kept = storage.HIT_KEEP.total_seconds()
            assert moment.timestamp() - oldest < kept, f"a row outlived a day at +{second} s"
        db.conn.set_trace_callback(None)
        assert len(deletes) == 2  # at +0 s and +60 s, not at every one of the twelve taps
        keys = {row[0] for row in db.execute("SELECT DISTINCT key FROM web_address_counts")}
    assert keys == {"f" * 32, "g" * 32}
