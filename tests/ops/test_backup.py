"""`flask backup` while a real server keeps taking ratings, and `flask restore` of the copy."""

import contextlib
import datetime as dt
import sqlite3
import threading
import time
import uuid

import pytest
import requests

from server import maintenance
from tests.support import ServerProcess, flask_cli

QUIET = {"SMS_SENDER_INTERVAL_SECONDS": 0, "ALERT_INTERVAL_SECONDS": 0}


def kiosk_token(database, office="LDG-NGN", counter="Quầy sao lưu"):
    return flask_cli(database, "kiosk", "add", office, "--counter", counter).stdout.strip().splitlines()[-1]


def post(url, token, client_id, score=4):
    item = {"id": client_id, "score": score, "created_at": dt.datetime.now(dt.UTC).isoformat()}
    return requests.post(url + "/api/v1/ratings", json={"ratings": [item]},
                         headers={"Authorization": f"Bearer {token}"}, timeout=30)


class RatingStream:
    """Kiosk-like clients posting ratings one by one; remembers each one the server acknowledged."""

    def __init__(self, url, token, clients=4):
        self.url, self.token = url, token
        self.acknowledged, self.problems = [], []
        self.lock, self.stop = threading.Lock(), threading.Event()
        self.threads = [threading.Thread(target=self._run, args=(n,)) for n in range(clients)]

    def _run(self, client):
        while not self.stop.is_set():
            client_id = str(uuid.uuid4())
            try:
                response = post(self.url, self.token, client_id, score=1 + client % 4)
            except requests.RequestException as problem:
                self.problems.append(repr(problem))
                continue
            if response.status_code != 200 or response.json()["results"][0]["status"] != "accepted":
                self.problems.append(f"{response.status_code} {response.text[:200]}")
                continue
            with self.lock:
                self.acknowledged.append(client_id)

    def so_far(self):
        with self.lock:
            return list(self.acknowledged)

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *_):
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=60)


def rows(path, sql):
    # closing(): a connection left to the garbage collector would keep the file "in use".
    with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as connection:
        return connection.execute(sql).fetchall()


@pytest.mark.slow
def test_a_backup_taken_under_a_stream_of_ratings_holds_every_one_acknowledged_before_it_and_restores(
        demo_copy, tmp_path):
    token = kiosk_token(demo_copy)
    folder = tmp_path / "backups"
    with ServerProcess(demo_copy, workers=3, threads=4, **QUIET) as server, RatingStream(server.url, token) as stream:
        while len(stream.so_far()) < 100:
            time.sleep(0.05)
        before = set(stream.so_far())  # every one of these had its 200 "accepted" before the backup began
        result = flask_cli(demo_copy, "backup", f"{folder}/")
        during = set(stream.so_far()) - before
        time.sleep(0.5)
    assert stream.problems == []
    assert len(during) > 0, "the server took no rating while the backup ran"
    [copy] = folder.iterdir()
    assert maintenance.BACKUP_NAME.match(copy.name) and f"Backed up to {copy}" in result.stdout
    assert rows(copy, "PRAGMA integrity_check") == [("ok",)]
    kept = {client_id for (client_id,) in rows(copy, "SELECT client_id FROM ratings WHERE kiosk_id IS NOT NULL")}
    assert before - kept == set()
    # One snapshot: the rollups in the copy count exactly the ratings in the copy.
    assert rows(copy, "SELECT COUNT(*) FROM ratings") == rows(copy, "SELECT SUM(n) FROM rollup_daily")

    fresh = tmp_path / "restored" / "satisfaction.db"
    fresh.parent.mkdir()
    restored = flask_cli(fresh, "restore", str(copy))
    assert "Restored" in restored.stdout and "integrity ok" in restored.stdout
    with ServerProcess(fresh, **QUIET) as server:
        again = post(server.url, token, sorted(before)[0])
        assert again.json()["results"][0]["status"] == "duplicate"
        new = post(server.url, token, str(uuid.uuid4()))
        assert new.json()["results"][0]["status"] == "accepted"


def test_a_backup_into_a_folder_is_dated_and_keep_deletes_all_but_the_newest(demo_copy, tmp_path):
    folder = tmp_path / "backups"
    folder.mkdir()
    old_names = ["satisfaction-2026-01-01-023000.db", "satisfaction-2026-01-02-023000.db",
                 "satisfaction-2026-01-03-023000.db"]
    for name in old_names:
        (folder / name).write_bytes(b"")
    (folder / "satisfaction-keep-me.db").write_bytes(b"not a dated backup")
    result = flask_cli(demo_copy, "backup", str(folder), "--keep", "2")
    names = sorted(path.name for path in folder.iterdir())
    [new] = [name for name in names if name not in old_names and name != "satisfaction-keep-me.db"]
    assert names == sorted(["satisfaction-2026-01-03-023000.db", new, "satisfaction-keep-me.db"])
    assert "Deleted old backup satisfaction-2026-01-01-023000.db" in result.stdout
    assert (folder / new).stat().st_mode & 0o077 == 0  # citizens' comments: the owner only
    assert rows(folder / new, "SELECT COUNT(*) FROM ratings") == rows(demo_copy, "SELECT COUNT(*) FROM ratings")
    assert rows(folder / new, "PRAGMA journal_mode") == [("delete",)]  # one self-contained file


def test_a_backup_to_a_file_never_overwrites_one(demo_copy, tmp_path):
    target = tmp_path / "before-upgrade.db"
    flask_cli(demo_copy, "backup", str(target))
    assert rows(target, "PRAGMA integrity_check") == [("ok",)]
    again = flask_cli(demo_copy, "backup", str(target), check=False)
    assert again.returncode != 0 and "already exists" in again.stderr
    assert rows(target, "PRAGMA integrity_check") == [("ok",)]


def test_a_backup_of_a_missing_database_is_refused_and_creates_nothing(tmp_path):
    missing = tmp_path / "nothing-here.db"
    with pytest.raises(maintenance.MaintenanceError, match="no database"):
        maintenance.backup(missing, tmp_path / "copy.db", dt.datetime(2026, 11, 1, 2, 30))
    assert sorted(path.name for path in tmp_path.iterdir()) == []


def test_restore_refuses_while_the_server_has_the_database_open_and_works_once_it_stops(demo_copy, tmp_path):
    token = kiosk_token(demo_copy)
    backup = tmp_path / "backup.db"
    flask_cli(demo_copy, "backup", str(backup))
    late = str(uuid.uuid4())
    with ServerProcess(demo_copy, workers=2, **QUIET) as server:
        assert post(server.url, token, late).json()["results"][0]["status"] == "accepted"
        refused = flask_cli(demo_copy, "restore", str(backup), check=False)
        assert refused.returncode != 0 and "in use by another process" in refused.stderr
        assert "stop the server first" in refused.stderr
        assert rows(demo_copy, f"SELECT COUNT(*) FROM ratings WHERE client_id = '{late}'") == [(1,)]
    done = flask_cli(demo_copy, "restore", str(backup))
    [safety] = tmp_path.glob("satisfaction-before-restore-*.db")
    assert f"kept as {safety}" in done.stdout
    assert rows(demo_copy, f"SELECT COUNT(*) FROM ratings WHERE client_id = '{late}'") == [(0,)]
    assert rows(safety, f"SELECT COUNT(*) FROM ratings WHERE client_id = '{late}'") == [(1,)]
    assert rows(demo_copy, "PRAGMA journal_mode") == [("wal",)]
    [entry] = rows(demo_copy, "SELECT action, target FROM audit_log WHERE action = 'database.restore'")
    assert entry == ("database.restore", "backup:backup.db")


def test_restore_refuses_a_damaged_file_or_one_that_is_not_our_database(demo_copy, tmp_path):
    damaged = tmp_path / "damaged.db"
    flask_cli(demo_copy, "backup", str(damaged))
    data = bytearray(damaged.read_bytes())
    data[4096 * 3: 4096 * 3 + 4096] = b"\xff" * 4096  # scribble over a page of the ratings
    damaged.write_bytes(bytes(data))
    other = tmp_path / "other.db"
    with contextlib.closing(sqlite3.connect(other)) as connection:
        connection.execute("CREATE TABLE notes (text)")
    ratings_before = rows(demo_copy, "SELECT COUNT(*) FROM ratings")
    for path, reason in [(damaged, "failed its integrity check"), (other, "is not a satisfaction database"),
                         (tmp_path / "missing.db", "no backup at")]:
        result = flask_cli(demo_copy, "restore", str(path), check=False)
        assert result.returncode != 0 and reason in result.stderr, result.stderr
    assert rows(demo_copy, "SELECT COUNT(*) FROM ratings") == ratings_before
    assert list(tmp_path.glob("satisfaction-before-restore-*")) == []
