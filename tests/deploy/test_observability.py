"""Structured logs with request ids, /metrics, and background jobs that start with the workers."""

import datetime as dt
import io
import json
import logging
import re
import sqlite3
import time
import uuid

import requests

from server import create_app, observability
from server.db import get_db
from sms import storage as sms_storage
from sms.sender import Sender
from tests.sms.fake_twilio import FakeTwilio
from tests.sms.support import signed_post
from tests.support import ServerProcess, add_user, auth, flask_cli, rating


def setup(database):
    flask_cli(database, "office", "add", "P", "Tỉnh", "--kind", "province")
    kiosk = flask_cli(database, "kiosk", "add", "P", "--counter", "Quầy 1").stdout.strip().splitlines()[-1]
    flask_cli(database, "user", "add", "admin", "--role", "admin", "--password", "long-enough")
    user = flask_cli(database, "user", "token", "admin").stdout.strip().splitlines()[-1]
    return kiosk, user


def metric(text, name, **labels):
    wanted = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    for line in text.splitlines():
        if line.startswith(f"{name}{{") or line.startswith(f"{name} "):
            series, value = line.rsplit(" ", 1)
            inside = series[series.find("{") + 1:series.rfind("}")] if "{" in series else ""
            if ",".join(sorted(inside.split(","))) == wanted:
                return float(value)
    return 0.0


def test_every_request_is_one_json_line_with_its_id_and_no_personal_data(database):
    kiosk, user = setup(database)
    with ServerProcess(database, workers=2, deploy_config=True, PUBLIC_BASE_URL="http://sms.test",
                       SMS_QUIET_HOURS="") as server:
        given = requests.get(server.url + "/api/v1/ping", headers={"X-Request-ID": "nginx-abc-123"})
        assert given.headers["X-Request-ID"] == "nginx-abc-123"
        made = requests.get(server.url + "/api/v1/ping", headers={"X-Request-ID": "bad id with spaces"})
        assert len(made.headers["X-Request-ID"]) == 32
        secret_comment = "Cán bộ Trần Văn Bảy gọi tôi 0912 888 777"
        requests.post(server.url + "/api/v1/ratings", json={"ratings": [rating(1, comment=secret_comment)]},
                      headers=auth(kiosk))
        invited = requests.post(server.url + "/api/v1/invitations", json={"phone": "0912 555 444", "office": "P"},
                                headers=auth(user))
        assert invited.status_code == 202
        requests.get(server.url + "/api/v1/stats?office=P&period=month", headers=auth(user))
    lines = [line for line in server.log_path.read_text().splitlines() if line.startswith("{")]
    records = [json.loads(line) for line in lines]
    requests_logged = [r for r in records if r["logger"] == "satisfaction.requests"]
    assert {"nginx-abc-123", made.headers["X-Request-ID"]} <= {r["request_id"] for r in requests_logged}
    stats_line = next(r for r in requests_logged if r["path"] == "/api/v1/stats")
    assert stats_line["status"] == 200 and stats_line["method"] == "GET" and "ms" in stats_line
    whole_log = server.log_path.read_text()
    for personal in ("0912 555 444", "+84912555444", "912555444", "Trần Văn Bảy", "888 777", "office=P"):
        assert personal not in whole_log


def test_metrics_add_up_every_worker_and_show_kiosks_online(database):
    kiosk, _ = setup(database)
    with ServerProcess(database, workers=2, deploy_config=True) as server:
        items = [rating(4, created_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=10 - i)) for i in range(6)]
        session = requests.Session()  # new connections land on either worker
        for item in items:
            requests.post(server.url + "/api/v1/ratings", json={"ratings": [item]}, headers=auth(kiosk))
        session.post(server.url + "/api/v1/ratings", json={"ratings": [items[0], {"id": "x"}]}, headers=auth(kiosk))
        requests.post(server.url + "/api/v1/kiosk/heartbeat", json={"queue_length": 0, "app_version": "1.0"},
                      headers=auth(kiosk))
        text = requests.get(server.url + "/metrics").text
    assert metric(text, "satisfaction_ratings_total", channel="kiosk", result="accepted") == 6
    assert metric(text, "satisfaction_ratings_total", channel="kiosk", result="duplicate") == 1
    assert metric(text, "satisfaction_ratings_total", channel="kiosk", result="rejected") == 1
    assert metric(text, "satisfaction_kiosks", state="online") == 1
    assert metric(text, "satisfaction_kiosks", state="registered") == 1
    assert "satisfaction_request_seconds_bucket" in text


def test_a_server_without_a_metrics_folder_of_its_own_removes_the_one_it_made_when_it_stops(database, tmp_path,
                                                                                           monkeypatch):
    # Outside systemd (which gives one under /run), gunicorn.conf.py makes a temporary folder for
    # the workers' counters: every start of the server, or of a test's, left one in /tmp.
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR", raising=False)
    with ServerProcess(database, workers=2, deploy_config=True) as server:
        assert requests.get(server.url + "/healthz", timeout=10).status_code == 200
        [folder] = tmp_path.glob("satisfaction-metrics-*")
        assert any(folder.iterdir())  # the workers' counter files
    assert not folder.exists()


def test_metrics_are_refused_outside_the_allowed_addresses(database):
    app = create_app({"DATABASE": str(database), "METRICS_ALLOWED": ["10.0.0.0/8"]})
    assert app.test_client().get("/metrics").status_code == 403
    allowed = create_app({"DATABASE": str(database)})
    assert allowed.test_client().get("/metrics").status_code == 200


def test_forwarded_addresses_count_only_behind_a_trusted_proxy(database):
    forged = {"X-Forwarded-For": "203.0.113.9"}
    direct = create_app({"DATABASE": str(database)})
    assert direct.test_client().get("/metrics", headers=forged).status_code == 200  # the header is ignored
    proxied = create_app({"DATABASE": str(database), "TRUSTED_PROXIES": 1})
    assert proxied.test_client().get("/metrics", headers=forged).status_code == 403  # the client is outside


def test_sms_counters_follow_the_sender(database):
    with FakeTwilio() as twilio:
        app = create_app({"DATABASE": str(database), "SQLITE_SYNCHRONOUS": "NORMAL", "TESTING": True,
                          "PUBLIC_BASE_URL": "https://sms.example.gov.vn", "SMS_QUIET_HOURS": "", **twilio.settings()})
        runner = app.test_cli_runner()
        runner.invoke(args=["office", "add", "P", "Tỉnh"])
        admin = auth(add_user(app))
        client = app.test_client()
        page = client.get("/metrics").text
        before = metric(page, "satisfaction_sms_messages_total", outcome="sent")
        ratings_before = metric(page, "satisfaction_ratings_total", channel="sms", result="accepted")
        client.post("/api/v1/invitations", json={"phone": "0912 000 111", "office": "P"}, headers=admin)
        with app.app_context():
            Sender(app.extensions["sms"]).send_due(get_db())
        after = metric(client.get("/metrics").text, "satisfaction_sms_messages_total", outcome="sent")
        signed_post(client, app, "/sms/twilio/inbound", {"MessageSid": "SM" + uuid.uuid4().hex, "From": "+84912000111",
                                                         "Body": "4"})
        ratings = metric(client.get("/metrics").text, "satisfaction_ratings_total", channel="sms", result="accepted")
    assert after - before == 1
    assert ratings - ratings_before == 1


def test_an_sms_rating_that_was_not_stored_is_not_counted_and_its_retry_counts_once(database, monkeypatch):
    app = create_app({"DATABASE": str(database), "SQLITE_SYNCHRONOUS": "NORMAL", "TESTING": True,
                      "PUBLIC_BASE_URL": "https://sms.example.gov.vn", "SMS_QUIET_HOURS": ""})
    app.test_cli_runner().invoke(args=["office", "add", "P", "Tỉnh"])
    client = app.test_client()
    before = metric(client.get("/metrics").text, "satisfaction_ratings_total", channel="sms", result="accepted")
    record_inbound = sms_storage.record_inbound

    def disk_full(*args):  # the rating is written, then the disk fills before the message is
        full = sqlite3.OperationalError("database or disk is full")
        full.sqlite_errorcode = sqlite3.SQLITE_FULL
        raise full

    message = {"MessageSid": "SM" + uuid.uuid4().hex, "From": "+84912000222", "Body": "P 4"}
    monkeypatch.setattr(sms_storage, "record_inbound", disk_full)
    refused = signed_post(client, app, "/sms/twilio/inbound", message)
    missed = metric(client.get("/metrics").text, "satisfaction_ratings_total", channel="sms", result="accepted")
    monkeypatch.setattr(sms_storage, "record_inbound", record_inbound)
    retried = signed_post(client, app, "/sms/twilio/inbound", message)  # Twilio retries the same message
    after = metric(client.get("/metrics").text, "satisfaction_ratings_total", channel="sms", result="accepted")
    with app.app_context():
        stored = get_db().execute("SELECT COUNT(*) FROM ratings WHERE channel = 'sms'").fetchone()[0]
    assert refused.status_code == 503 and retried.status_code == 200
    assert missed == before and after == before + 1 and stored == 1


def test_the_sms_sender_starts_with_the_workers_before_any_request(database):
    with FakeTwilio() as twilio:
        settings = {"PUBLIC_BASE_URL": "https://sms.example.gov.vn", "SMS_QUIET_HOURS": "",
                    "SMS_SENDER_INTERVAL_SECONDS": 0.5, **{k: v for k, v in twilio.settings().items()}}
        app = create_app({"DATABASE": str(database), "SQLITE_SYNCHRONOUS": "NORMAL", "TESTING": True, **settings})
        app.test_cli_runner().invoke(args=["office", "add", "P", "Tỉnh"])
        response = app.test_client().post("/api/v1/invitations", json={"phone": "0912 000 222", "office": "P"},
                                          headers=auth(add_user(app)))
        assert response.json["status"] == "queued"
        server = ServerProcess(database, workers=2, deploy_config=True, **settings).launch()
        try:
            deadline = time.monotonic() + 30
            while not twilio.messages and time.monotonic() < deadline:
                time.sleep(0.2)
        finally:
            server.stop()
    assert [m["To"] for m in twilio.messages] == ["+84912000222"]



def test_a_server_error_is_logged_by_where_it_happened_without_the_values_behind_it(database):
    """The outside review's Info item: exception messages echoed parameter values into the logs."""
    app = create_app({"DATABASE": str(database), "TESTING": False})

    @app.get("/boom")
    def boom():
        try:
            int("0912 345 678")
        except ValueError as problem:
            raise RuntimeError("comment: 'chờ hai tiếng'") from problem

    out = io.StringIO()
    handler = logging.StreamHandler(out)  # the server's own formatter, on a stream the test reads
    handler.setFormatter(observability.JsonFormatter())
    logging.getLogger().addHandler(handler)
    try:
        assert app.test_client().get("/boom?q=secret").status_code == 500
    finally:
        logging.getLogger().removeHandler(handler)
    logged = [json.loads(line) for line in out.getvalue().splitlines()]
    [failure] = [line for line in logged if line.get("error")]
    assert "RuntimeError at tests/deploy/test_observability.py:" in failure["error"]
    assert "caused by ValueError at" in failure["error"]
    # The request id is 32 random hex digits, which hold "0912" about once in 2,400 requests:
    # it is checked for that shape, and the number looked for in everything else.
    for line in logged:
        made = line.pop("request_id", None)
        assert made is None or re.fullmatch(r"[0-9a-f]{32}", made), made
    text = json.dumps(logged, ensure_ascii=False)
    assert "0912" not in text and "chờ" not in text and "secret" not in text
