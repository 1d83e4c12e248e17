"""Alerts end to end: checked, stored once, sent by e-mail and SMS, acknowledged, run by
cron and by the server's own background thread."""

import datetime as dt
import email
import email.policy
import json
import time
import uuid
import zoneinfo

import pytest
import requests
from aiosmtpd.controller import Controller

from dashboards import alerting
from server import create_app
from server.background import take_lease
from server.db import get_db
from tests.dashboards.support import log_in, post_form
from tests.support import ServerProcess, add_kiosk, auth, flask_cli, free_port

HANOI = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")


def bad_window(now=None):
    """Three dissatisfied ratings of four, in the last ten minutes, a minute apart."""
    now = now or dt.datetime.now(dt.UTC)
    return [{"id": str(uuid.uuid4()), "score": score, "created_at": (now - dt.timedelta(minutes=10 - i)).isoformat()}
            for i, score in enumerate([1, 1, 4, 1])]


def deliver(app, token, items):
    response = app.test_client().post("/api/v1/ratings", headers=auth(token), json={"ratings": items})
    assert {r["status"] for r in response.json["results"]} == {"accepted"}


def add_supervisor(app, name, office, phone=None, email=None):
    result = app.test_cli_runner().invoke(args=["user", "add", name, "--role", "supervisor", "--office", office,
                                                "--password", "demo-password"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        db = get_db()
        db.execute("UPDATE users SET phone = ?, email = ? WHERE username = ?", [phone, email, name])
        db.conn.commit()


def run_check(app, now=None):
    with app.app_context():
        return alerting.check(app, get_db(), now)


def raised_alert(app):
    """Supervisor truong.d of office D, and one alert raised there by a bad window at Quầy 1."""
    add_supervisor(app, "truong.d", "D")
    _, token = add_kiosk(app, "D", "Quầy 1")
    deliver(app, token, bad_window())
    [alert_id] = run_check(app)
    return alert_id


def stored_alerts(app):
    with app.app_context():
        rows = get_db().execute("SELECT rule, subject, details, delivery FROM alerts ORDER BY id").fetchall()
    return [(rule, subject, json.loads(details), json.loads(delivery or "[]")) for rule, subject, details, delivery
            in rows]


class Mailbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.rcpt_tos, envelope.content.decode("utf-8", "replace")))
        return "250 OK"


@pytest.fixture
def smtp_server():
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, mailbox
    controller.stop()


def test_a_bad_quarter_hour_raises_one_alert_sent_by_email_and_sms(database, smtp_server, province):
    controller, mailbox = smtp_server
    app = create_app({"DATABASE": str(database), "TESTING": True, "SMTP_HOST": "127.0.0.1",
                      "SMTP_PORT": controller.port, "SMTP_FROM": "canh-bao@tinh.gov.vn"})
    texts = []
    app.extensions["sms_send"] = lambda db, phone, body, purpose: texts.append((phone, body, purpose))
    app.extensions["sms_live"] = True
    add_supervisor(app, "truong.d", "D", phone="+84912345678", email="truong@huyen.gov.vn")
    add_supervisor(app, "tinh.p", "P", phone="+84987654321", email="tinh@tinh.gov.vn")
    _, token = add_kiosk(app, "D", "Quầy 1")
    deliver(app, token, bad_window())
    assert len(run_check(app)) == 1
    assert run_check(app) == []  # the same window does not alert twice
    [(rule, subject, details, delivery)] = stored_alerts(app)
    assert (rule, details["ratings"], details["dissatisfied"]) == ("window", 4, 3)
    # the supervisor of the office itself, not the whole province
    assert texts == [("+84912345678", "Cảnh báo: Huyện Một có 3/4 phiếu không hài lòng trong 15 phút.", "alert")]
    [(recipients, raw)] = mailbox.messages
    mail = email.message_from_string(raw, policy=email.policy.default)
    assert recipients == ["truong@huyen.gov.vn"] and mail["From"] == "canh-bao@tinh.gov.vn"
    assert mail["Subject"] == texts[0][1]
    assert "3/4 phiếu không hài lòng" in mail.get_content() and "/dashboard/alerts" in mail.get_content()
    assert {(d["user"], d["channel"], d["status"]) for d in delivery} == {("truong.d", "sms", "sent"),
                                                                         ("truong.d", "email", "sent")}


def test_a_failed_send_is_recorded_and_does_not_lose_the_alert(database, province):
    app = create_app({"DATABASE": str(database), "TESTING": True, "SMTP_HOST": "127.0.0.1",
                      "SMTP_PORT": free_port()})  # nothing listens there
    add_supervisor(app, "truong.d", "D", email="truong@huyen.gov.vn")
    _, token = add_kiosk(app, "D", "Quầy 1")
    deliver(app, token, bad_window())
    run_check(app)
    [(_, _, _, delivery)] = stored_alerts(app)
    assert delivery[0]["status"] == "failed" and delivery[0]["channel"] == "email"


def test_without_twilio_an_alert_goes_to_the_sms_outbox_and_says_so(database, province):
    app = create_app({"DATABASE": str(database), "TESTING": True})
    add_supervisor(app, "truong.d", "D", phone="+84912345678")
    _, token = add_kiosk(app, "D", "Quầy 1")
    deliver(app, token, bad_window())
    run_check(app)
    [(_, _, _, delivery)] = stored_alerts(app)
    assert delivery == [{"user": "truong.d", "channel": "sms", "status": "outbox"}]
    client = app.test_client()
    log_in(client, "truong.d")
    page = client.get("/dashboard").text
    assert "Cảnh báo chưa xử lý: 1" in page and "3/4 phiếu không hài lòng trong 15 phút" in page
    assert "hộp thư SMS trên máy chủ" in client.get("/dashboard/alerts").text


def test_a_low_rate_and_a_silent_kiosk_raise_alerts(database, province):
    app = create_app({"DATABASE": str(database), "TESTING": True})
    _, token = add_kiosk(app, "E", "Quầy 2")
    start = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=20)
    deliver(app, token, [{"id": str(uuid.uuid4()), "score": 1 if i % 3 == 0 else 3,
                          "created_at": (start - dt.timedelta(seconds=5 * i)).isoformat()} for i in range(40)])
    kinds = {rule for rule, *_ in stored_alerts(app)} if run_check(app) else set()
    assert kinds == {"rate"}
    app.test_client().post("/api/v1/kiosk/heartbeat", headers=auth(token),
                           json={"queue_length": 0, "app_version": "1.0"})
    monday_ten = dt.datetime(2030, 1, 7, 10, 0, tzinfo=HANOI)
    with app.app_context():
        db = get_db()
        db.execute("UPDATE kiosks SET last_seen_at = '2030-01-07T01:00:00.000Z'")  # 08:00 local
        db.conn.commit()
    run_check(app, monday_ten)
    silent = [details for rule, _, details, _ in stored_alerts(app) if rule == "silent"]
    assert silent and silent[0]["counter"] == "Quầy 2"
    run_check(app, monday_ten + dt.timedelta(minutes=5))
    assert len([1 for rule, *_ in stored_alerts(app) if rule == "silent"]) == 1


def test_an_alert_is_acknowledged_with_a_comment(database, province):
    app = create_app({"DATABASE": str(database), "TESTING": True})
    alert_id = raised_alert(app)
    client = app.test_client()
    log_in(client, "truong.d")
    empty = post_form(client, f"/dashboard/alerts/{alert_id}/acknowledge", {"comment": " "}, page="/dashboard/alerts")
    assert empty.status_code == 400
    done = post_form(client, f"/dashboard/alerts/{alert_id}/acknowledge",
                     {"comment": "Đã gặp công dân, bổ sung thêm một quầy"}, page="/dashboard/alerts")
    assert done.status_code == 302
    page = client.get("/dashboard/alerts").text
    assert "truong.d đã xác nhận" in page and "bổ sung thêm một quầy" in page
    assert "Cảnh báo chưa xử lý" not in client.get("/dashboard").text


def test_only_one_worker_holds_the_lease_until_it_lapses(app):
    with app.app_context():
        db = get_db()
        now = dt.datetime(2026, 10, 5, 2, 0, tzinfo=dt.UTC)
        assert take_lease(db, "alert-check", "worker-1", 180, now)
        assert not take_lease(db, "alert-check", "worker-2", 180, now + dt.timedelta(seconds=60))
        assert take_lease(db, "alert-check", "worker-1", 180, now + dt.timedelta(seconds=60))
        assert take_lease(db, "alert-check", "worker-2", 180, now + dt.timedelta(seconds=241))


def test_cron_runs_the_check_from_the_command_line(database, province):
    app = province
    _, token = add_kiosk(app, "D", "Quầy 1")
    deliver(app, token, bad_window())
    assert flask_cli(database, "alerts", "check").stdout.strip() == "1 new alert(s)"
    assert flask_cli(database, "alerts", "check").stdout.strip() == "0 new alert(s)"


def test_the_server_checks_by_itself_in_the_background(database, province):
    _, token = add_kiosk(province, "D", "Quầy 1")
    with ServerProcess(database, workers=2, threads=2, ALERT_INTERVAL_SECONDS=1) as server:
        response = requests.post(server.url + "/api/v1/ratings", headers=auth(token),
                                 json={"ratings": bad_window()}, timeout=10)
        assert response.status_code == 200
        deadline = time.monotonic() + 40  # a round a second, once both workers are up on a loaded machine
        while time.monotonic() < deadline and not stored_alerts(province):
            requests.get(server.url + "/login", timeout=5)  # wakes both workers' threads
            time.sleep(0.5)
        time.sleep(2.5)  # both workers have had their turns by now
    assert [rule for rule, *_ in stored_alerts(province)] == ["window"]


def test_a_town_supervisor_sees_their_alert_behind_five_hundred_newer_ones_elsewhere(demo_app, as_user):
    """The outside review's Info item: the page read 500 alerts before keeping the user's own."""
    with demo_app.app_context():
        db = get_db()
        office = dict(db.execute("SELECT code, id FROM offices WHERE code IN ('LDG-NGN', 'LDG-DMI')"))
        details = json.dumps({"n": 5, "dissatisfied": 4, "share": 0.8, "minutes": 15})
        alerts = [("window_share", office["LDG-NGN"], "LDG-NGN", "2026-10-01T01:00:00.000Z", details)]
        alerts += [("window_share", office["LDG-DMI"], f"LDG-DMI-{i}",
                    f"2026-10-02T01:{i // 60:02d}:{i % 60:02d}.000Z", details) for i in range(600)]
        db.conn.executemany("INSERT INTO alerts (rule, office_id, subject, raised_at, details) VALUES (?, ?, ?, ?, ?)",
                       alerts)
        db.conn.commit()
    page = as_user("giangia").get("/dashboard/alerts").text
    assert page.count('action="/dashboard/alerts/') == 1 and "Gia Nghĩa" in page
