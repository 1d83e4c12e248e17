"""Kiosk token lookups are kept in memory per process (server.auth.kiosk_for_token), and every
change that alters what a token opens reaches the very next request, in every worker."""

import sqlite3

import requests

from tests.support import ServerProcess, auth, flask_cli, rating


def _post(server, token):
    return requests.post(server.url + "/api/v1/ratings", json={"ratings": [rating()]}, headers=auth(token),
                         timeout=30)


def _config(server, token):
    return requests.get(server.url + "/api/v1/kiosk/config", headers=auth(token), timeout=30)


def _kiosk(database, counter="Quầy 1"):
    token = flask_cli(database, "kiosk", "add", "D", "--counter", counter).stdout.strip().splitlines()[-1]
    kiosk_id = sqlite3.connect(database).execute("SELECT max(id) FROM kiosks").fetchone()[0]
    return kiosk_id, token


def test_a_kiosk_revoked_from_the_command_line_is_refused_at_its_next_request_by_every_worker(database):
    flask_cli(database, "office", "add", "D", "Huyện Một", "--kind", "district")
    kiosk_id, token = _kiosk(database)
    _, other = _kiosk(database, "Quầy 2")
    with ServerProcess(database, workers=2, threads=2) as server:
        # enough requests on fresh connections that both workers have looked the token up
        assert all(_post(server, token).status_code == 200 for _ in range(12))
        flask_cli(database, "kiosk", "revoke", str(kiosk_id))
        refused = [_post(server, token) for _ in range(12)]
        assert [r.status_code for r in refused] == [401] * 12
        assert all("kiosk token" in r.json()["error"] for r in refused)
        assert _post(server, other).status_code == 200  # the other kiosk carries on
    stored = sqlite3.connect(database).execute("SELECT kiosk_id, COUNT(*) FROM ratings GROUP BY 1").fetchall()
    assert dict(stored)[kiosk_id] == 12


def test_an_officer_put_on_duty_and_a_revoked_kiosk_are_seen_at_once_within_a_worker(database):
    flask_cli(database, "office", "add", "D", "Huyện Một", "--kind", "district")
    kiosk_id, token = _kiosk(database)
    with ServerProcess(database, workers=1, threads=1) as server:
        assert _config(server, token).json()["staff"] is None
        assert _config(server, token).json()["staff"] is None  # looked up, then kept
        flask_cli(database, "staff", "add", "CB7", "Trần Thị Bình", "--office", "D", "--counter", "Quầy 1")
        assert _config(server, token).json()["staff"] == {"code": "CB7", "name": "Trần Thị Bình"}
        # a change made straight in SQL (an admin's repair, a restore) is seen just the same
        with sqlite3.connect(database) as conn:
            conn.execute("UPDATE kiosks SET revoked_at = '2026-01-01T00:00:00.000Z' WHERE id = ?", [kiosk_id])
        assert _config(server, token).status_code == 401
        assert _post(server, token).status_code == 401


def test_a_heartbeat_does_not_throw_the_kept_lookups_away(app, kiosk):
    """Heartbeats write last_seen_at every minute per kiosk; only what a token opens changes the version."""
    from server.db import change_markers, get_db

    _, token = kiosk
    client = app.test_client()
    with app.app_context():
        before = change_markers(get_db())["kiosks_version"]
    response = client.post("/api/v1/kiosk/heartbeat", headers=auth(token),
                           json={"queue_length": 0, "app_version": "1.0"})
    assert response.status_code == 200
    with app.app_context():
        assert change_markers(get_db())["kiosks_version"] == before
