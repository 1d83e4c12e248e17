"""The bench's shared demo databases: seeded once, and their seeding time read back."""

import sqlite3

from bench import common


def test_a_seeded_demo_database_is_reused_and_reports_how_long_it_took_to_seed(tmp_path, monkeypatch):
    monkeypatch.setattr(common, "RESULTS", tmp_path)
    path = common.demo_database(300)
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT COUNT(*) FROM ratings").fetchone()[0] == 300
    seconds = common.seed_seconds(300)
    assert seconds is not None and seconds >= 0  # what `make bench core` prints beside the figures
    marker = path.with_suffix(".done")
    assert marker.read_text() == f"seeded in {seconds:.0f} s\n"
    seeded_at = marker.stat().st_mtime_ns
    assert common.demo_database(300) == path and marker.stat().st_mtime_ns == seeded_at  # reused, not re-seeded
    assert common.seed_seconds(1234) is None  # never seeded
