"""The demo's dossiers, written as a bulk load: the same tables, indexes and counts as the
event path would leave, with every foreign key pointing at something."""

import sqlite3

from tests.support import flask_cli

TABLES = ("dossier_events", "dossiers")


def indexes(path):
    connection = sqlite3.connect(path)
    found = connection.execute(f"""SELECT tbl_name, name, sql FROM sqlite_master WHERE type = 'index'
                                   AND tbl_name IN {TABLES} ORDER BY name""").fetchall()
    connection.close()
    return found


def test_the_demo_rebuilds_every_index_the_migrations_create(demo_database, tmp_path):
    fresh = tmp_path / "fresh.db"
    flask_cli(fresh, "init-db")
    assert indexes(demo_database) == indexes(fresh)
    assert {name for _, name, _ in indexes(fresh)} >= {"dossier_events_dossier", "dossiers_promised"}


def test_the_demos_dossiers_events_and_rollups_agree(demo_database):
    connection = sqlite3.connect(demo_database)
    assert connection.execute("PRAGMA foreign_key_check").fetchall() == []
    dossiers, returned = connection.execute("SELECT COUNT(*), COUNT(returned_at) FROM dossiers").fetchone()
    events = connection.execute("SELECT type, COUNT(*) FROM dossier_events GROUP BY type ORDER BY type").fetchall()
    rolled = connection.execute("SELECT SUM(received), SUM(returned) FROM dossier_rollup_monthly").fetchone()
    daily = connection.execute("SELECT SUM(received), SUM(returned) FROM dossier_rollup_daily").fetchone()
    orphans = connection.execute("""SELECT COUNT(*) FROM dossier_events e
                                    WHERE NOT EXISTS (SELECT 1 FROM dossiers d WHERE d.code = e.dossier)""").fetchone()
    connection.close()
    assert dossiers > 1000 and 0 < returned < dossiers
    assert events == [("received", dossiers), ("returned", returned)]
    assert rolled == daily == (dossiers, returned)
    assert orphans == (0,)
