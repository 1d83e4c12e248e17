"""The ratings table learns the components' channels without being rebuilt (schema m009)."""

import sqlite3

import pytest

from server import db as storage
from server.components import load
from server.schema import core


def _old_database(path, rows=20_000):
    """A database as it was before m009: the CHECK on channel, and ratings in it."""
    db = storage.connect(path)
    with storage.write_transaction(db):
        core.apply(db, stop_before="m009_open_rating_channels")
        db.execute("INSERT INTO offices (code, name, created_at) VALUES ('D', 'Huyện', '2026-01-01')")
        db.conn.executemany(
            "INSERT INTO ratings (client_id, channel, office_id, score, created_at, local_day, received_at) "
            "VALUES (?, ?, 1, ?, '2026-01-01T01:00:00.000Z', '2026-01-01', '2026-01-01T01:00:00.000Z')",
            [(f"id-{n}", ("kiosk", "sms")[n % 2], 1 + n % 4) for n in range(rows)])
    db.close()


def test_the_check_goes_and_the_ratings_stay_untouched(tmp_path):
    path = tmp_path / "old.db"
    _old_database(path)
    with sqlite3.connect(path) as conn:
        with pytest.raises(sqlite3.IntegrityError):
            conn.execute("INSERT INTO ratings (client_id, channel, office_id, score, created_at, local_day, "
                         "received_at) VALUES ('w', 'web', 1, 4, 'x', 'x', 'x')")
        pages_before = conn.execute("PRAGMA page_count").fetchone()[0]
    db = storage.connect(path)
    storage.migrate(db, load(["sms", "web"]))
    db.close()
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("SELECT COUNT(*), SUM(score) FROM ratings").fetchone() == (20_000, 50_000)
        assert "CHECK" not in conn.execute("SELECT sql FROM sqlite_master WHERE name = 'ratings'").fetchone()[0]
        # In place: the ratings were not copied. A rebuild adds as many pages as they fill (the
        # file doubles); the components' new tables take a few dozen, and the later core
        # migration that rewrites rating times to microseconds lengthens each row a little.
        assert conn.execute("PRAGMA page_count").fetchone()[0] < pages_before * 1.3
        conn.execute("INSERT INTO ratings (client_id, channel, office_id, score, created_at, local_day, received_at) "
                     "VALUES ('w', 'web', 1, 4, 'x', 'x', 'x')")
        with pytest.raises(sqlite3.IntegrityError, match="not a channel of this server"):
            conn.execute("INSERT INTO ratings (client_id, channel, office_id, score, created_at, local_day, "
                         "received_at) VALUES ('f', 'fax', 1, 4, 'x', 'x', 'x')")
        with pytest.raises(sqlite3.IntegrityError, match="not a channel of this server"):
            conn.execute("UPDATE ratings SET channel = 'fax' WHERE client_id = 'w'")


def test_a_server_built_without_a_component_keeps_its_ratings_valid(tmp_path):
    path = tmp_path / "new.db"
    db = storage.connect(path)
    storage.migrate(db, load(["sms", "web"]))
    storage.migrate(db, load([]))
    assert {row[0] for row in db.execute("SELECT channel FROM rating_channels")} == {"kiosk", "sms", "web"}
    db.close()
