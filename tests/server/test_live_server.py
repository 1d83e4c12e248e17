"""The real server process under gunicorn, on loopback, with several workers on one SQLite file."""

import concurrent.futures
import datetime as dt
import json
import shutil
import sqlite3
import subprocess
import time
import uuid

import requests

from server.db import WAL_AUTOCHECKPOINT_PAGES, connect
from tests.support import BIN, ROOT, ServerProcess, flask_cli, server_env


def setup_province(database):
    flask_cli(database, "office", "add", "P", "Tỉnh", "--kind", "province")
    tokens = [flask_cli(database, "kiosk", "add", "P", "--counter", f"Quầy {i}").stdout.strip().splitlines()[-1]
              for i in range(4)]
    flask_cli(database, "user", "add", "admin", "--role", "admin", "--password", "long-enough")
    return tokens, flask_cli(database, "user", "token", "admin").stdout.strip().splitlines()[-1]


def test_four_kiosks_posting_at_once_to_two_workers_lose_nothing(database):
    kiosk_tokens, user_token = setup_province(database)
    start = dt.datetime(2026, 4, 6, 1, 0, tzinfo=dt.UTC)

    def kiosk_session(index):
        session, sent = requests.Session(), []
        for batch in range(10):
            items = [{"id": str(uuid.uuid4()), "score": 1 + (i % 4),
                      "created_at": (start + dt.timedelta(seconds=60 * (batch * 20 + i))).isoformat()}
                     for i in range(20)]
            response = session.post(server.url + "/api/v1/ratings", json={"ratings": items},
                                    headers={"Authorization": f"Bearer {kiosk_tokens[index]}"}, timeout=30)
            assert response.status_code == 200
            assert {r["status"] for r in response.json()["results"]} == {"accepted"}
            sent.extend(items)
            # the kiosk retries the same batch after a timeout: nothing is counted twice
            retry = session.post(server.url + "/api/v1/ratings", json={"ratings": items},
                                 headers={"Authorization": f"Bearer {kiosk_tokens[index]}"}, timeout=30)
            assert {r["status"] for r in retry.json()["results"]} == {"duplicate"}
        return len(sent)

    with ServerProcess(database, workers=2, threads=2) as server:
        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            sent = sum(pool.map(kiosk_session, range(4)))
        rows = requests.get(server.url + "/api/v1/stats", params={"period": "year", "from": "2026-01-01",
                                                                  "to": "2026-12-31"},
                            headers={"Authorization": f"Bearer {user_token}"}).json()["rows"]
    assert sent == 800
    assert rows[0]["responses"] == 800
    assert "database is locked" not in server.log_path.read_text()


def _ratings_in_the_file_alone(database, folder):
    """The ratings the database file itself holds, without its WAL (a copy of the file alone):
    what has been checkpointed. None while a checkpoint is writing the pages copied."""
    copy = folder / "alone.db"
    shutil.copyfile(database, copy)
    try:
        with sqlite3.connect(f"file:{copy}?immutable=1", uri=True) as conn:
            return conn.execute("SELECT COUNT(*) FROM ratings").fetchone()[0]
    except sqlite3.DatabaseError:
        return None


def test_a_servers_writes_reach_the_database_file_by_its_background_checkpoint(database, tmp_path):
    # A commit that takes the WAL past wal_autocheckpoint pages copies it into the file and
    # fsyncs, holding the writers' turn: one web tap in about a hundred waited 5-15 ms for it.
    # The server checkpoints in a background job instead; its commits only append to the WAL.
    kiosk_tokens, _ = setup_province(database)
    assert connect(database).execute("PRAGMA wal_autocheckpoint").fetchone()[0] == WAL_AUTOCHECKPOINT_PAGES
    start = dt.datetime(2026, 4, 6, 1, 0, tzinfo=dt.UTC)
    with ServerProcess(database, workers=1, threads=2) as server, requests.Session() as session:
        for n in range(40):  # about 400 pages of WAL: below both thresholds
            item = {"id": str(uuid.uuid4()), "score": 1 + n % 4,
                    "created_at": (start + dt.timedelta(minutes=n)).isoformat()}
            answer = session.post(server.url + "/api/v1/ratings", json={"ratings": [item]},
                                  headers={"Authorization": f"Bearer {kiosk_tokens[0]}"}, timeout=30)
            assert answer.json()["results"][0]["status"] == "accepted"
        deadline, alone = time.monotonic() + 20, None
        while alone != 40 and time.monotonic() < deadline:
            time.sleep(0.1)
            alone = _ratings_in_the_file_alone(database, tmp_path)
        assert alone == 40
        assert "background job wal-checkpoint failed" not in server.log_path.read_text()


def test_init_db_is_safe_to_run_twice_at_once(database):
    processes = [subprocess.Popen([str(BIN / "flask"), "--app", "server", "init-db"], cwd=ROOT,
                                  env=server_env(database), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                 for _ in range(3)]
    for process in processes:
        _, err = process.communicate(timeout=60)
        assert process.returncode == 0, err
    tables = flask_cli(database, "office", "list")
    assert tables.returncode == 0


def test_a_rating_body_sent_in_chunks_is_read_whole_like_one_with_a_length(database):
    """gunicorn hands the app a chunked body without a Content-Length: it is read whole
    (a kiosk behind a proxy that streams), and the same rating sent again with a length is
    recognised as the one already stored."""
    tokens, _ = setup_province(database)
    item = {"id": str(uuid.uuid4()), "score": 2, "created_at": "2026-04-06T01:00:00+00:00",
            "comment": "Chờ " + "lâu " * 90}
    body = json.dumps({"ratings": [item]}, ensure_ascii=False).encode()
    headers = {"Authorization": f"Bearer {tokens[0]}", "Content-Type": "application/json"}
    with ServerProcess(database, workers=1, threads=2) as server:
        chunks = (body[i:i + 100] for i in range(0, len(body), 100))
        chunked = requests.post(server.url + "/api/v1/ratings", data=chunks, headers=headers, timeout=30)
        assert chunked.request.headers.get("Transfer-Encoding") == "chunked"
        assert chunked.status_code == 200 and chunked.json()["results"][0]["status"] == "accepted"
        again = requests.post(server.url + "/api/v1/ratings", data=body, headers=headers, timeout=30)
        assert again.json()["results"][0]["status"] == "duplicate"
        short = requests.post(server.url + "/api/v1/ratings", data=body[:-5], headers=headers, timeout=30)
        assert short.status_code == 400 and "not valid JSON" in short.json()["error"]
    with sqlite3.connect(database) as conn:
        assert conn.execute("SELECT comment FROM ratings").fetchall() == [(item["comment"].strip(),)]
