"""GET /api/v1/kiosk/config and POST /api/v1/kiosk/heartbeat, and /healthz."""

import pytest

from server import create_app
from server.db import get_db
from tests.support import auth


def test_config_gives_the_kiosk_everything_it_shows(client, kiosk):
    _, token = kiosk
    config = client.get("/api/v1/kiosk/config", headers=auth(token)).json
    assert config["office"] == {"code": "D", "name": "Huyện Một"}
    assert config["counter"]["label"] == "Quầy 1"
    assert config["staff"] == {"code": "CB1", "name": "Nguyễn Văn An"}
    assert [level["score"] for level in config["scale"]] == [4, 3, 2, 1]
    assert [level["labels"]["vi"] for level in config["scale"]] == ["Rất hài lòng", "Hài lòng", "Bình thường",
                                                                     "Không hài lòng"]
    assert [level["dissatisfied"] for level in config["scale"]] == [False, False, False, True]
    assert all(level["colour"].startswith("#") and level["face"] for level in config["scale"])
    assert {"waiting_time", "staff_attitude", "fees"} <= {reason["code"] for reason in config["reasons"]}
    assert [lang["code"] for lang in config["languages"]] == ["vi", "en"]
    assert config["texts"]["vi"]["question"].startswith("Ông/Bà")
    assert set(config["timeouts"]) >= {"thanks_seconds", "reasons_seconds", "cooldown_seconds", "heartbeat_seconds"}
    assert config["timezone"] == "Asia/Ho_Chi_Minh"  # the staff line shows times in it


def test_a_five_level_scale_and_an_extra_language_reach_the_kiosk(database, tmp_path):
    extra = {"ede": {"name": "Ê Đê", "texts": {"question": "Ih mơak hĭ?"}, "levels": {"5": "Mơak snăk"}}}
    app = create_app({"DATABASE": str(database), "SCALE": 5, "LANGUAGES": extra})
    runner = app.test_cli_runner()
    assert runner.invoke(args=["office", "add", "P", "Tỉnh"]).exit_code == 0
    token = runner.invoke(args=["kiosk", "add", "P", "--counter", "1"]).output.strip().splitlines()[-1]
    config = app.test_client().get("/api/v1/kiosk/config", headers=auth(token)).json
    assert [level["score"] for level in config["scale"]] == [5, 4, 3, 2, 1]
    assert [level["dissatisfied"] for level in config["scale"]] == [False, False, False, True, True]
    assert config["scale"][0]["labels"] == {"vi": "Rất hài lòng", "en": "Very satisfied", "ede": "Mơak snăk"}
    assert config["scale"][1]["labels"]["ede"] == "Hài lòng"  # falls back to Vietnamese
    assert config["texts"]["ede"]["question"] == "Ih mơak hĭ?"
    assert config["texts"]["ede"]["send"] == "Gửi"


def test_heartbeat_records_queue_sync_and_version(client, kiosk, province):
    kiosk_id, token = kiosk
    body = {"queue_length": 12, "last_sync_at": "2026-03-05T09:30:00+07:00", "app_version": "1.2.0"}
    assert client.post("/api/v1/kiosk/heartbeat", json=body, headers=auth(token)).json["status"] == "ok"
    with province.app_context():
        row = get_db().execute("SELECT queue_length, last_sync_at, app_version, last_seen_at FROM kiosks WHERE id = ?",
                               [kiosk_id]).fetchone()
    assert row[:3] == (12, "2026-03-05T02:30:00.000Z", "1.2.0")
    assert row[3] is not None


@pytest.mark.parametrize("body, name", [
    ({"queue_length": -1, "app_version": "1"}, "queue_length"),
    ({"queue_length": "3", "app_version": "1"}, "queue_length"),
    ({"queue_length": 1, "app_version": ""}, "app_version"),
    ({"queue_length": 1, "app_version": "1", "last_sync_at": "yesterday"}, "last_sync_at"),
    ({"queue_length": 1, "app_version": "1", "last_sync_at": "0001-01-01T00:00:00+01:00"}, "last_sync_at"),
    ({"queue_length": 1, "app_version": "1", "last_sync_at": "9999-12-31T23:59:59-01:00"}, "last_sync_at"),
])
def test_bad_heartbeat_gets_400(client, kiosk, body, name):
    _, token = kiosk
    response = client.post("/api/v1/kiosk/heartbeat", json=body, headers=auth(token))
    assert response.status_code == 400
    assert response.json["error"].startswith(name)


def test_kiosk_endpoints_need_the_kiosk_token(client, province):
    assert client.get("/api/v1/kiosk/config").status_code == 401
    assert client.post("/api/v1/kiosk/heartbeat", json={}).status_code == 401


def test_healthz_answers_ok_then_503_when_the_database_is_gone(database, tmp_path):
    app = create_app({"DATABASE": str(database)})
    client = app.test_client()
    assert client.get("/healthz").json == {"status": "ok"}
    for suffix in ("", "-wal", "-shm"):
        path = database.with_name(database.name + suffix)
        if path.exists():
            path.unlink()
    database.write_bytes(b"this is not a database" * 100)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json == {"status": "unavailable", "error": "the database does not answer"}
