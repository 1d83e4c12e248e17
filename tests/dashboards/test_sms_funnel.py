"""The SMS funnel page and SMS alerts, against the real SMS package and a fake Twilio."""

import datetime as dt
import re
import urllib.parse
import uuid

from dashboards import alerting
from server.db import get_db
from sms.sender import Sender
from tests.dashboards.support import log_in
from tests.sms.fake_twilio import FakeTwilio
from tests.sms.support import inbound, make_app, signed_post
from tests.support import add_kiosk, add_user, auth


def setup(app):
    runner = app.test_cli_runner()
    for args in (["office", "add", "P", "Tỉnh Thử", "--kind", "province"],
                 ["office", "add", "D", "Huyện Một", "--parent", "P", "--kind", "district"],
                 ["office", "add", "E", "Huyện Hai", "--parent", "P", "--kind", "district"]):
        assert runner.invoke(args=args).exit_code == 0, args
    return auth(add_user(app))


def test_the_funnel_counts_invitations_deliveries_replies_and_opt_outs(database):
    with FakeTwilio() as twilio:
        app = make_app(database, **twilio.settings())
        admin = setup(app)
        client = app.test_client()
        phones = ["0912 000 001", "0912 000 002", "0912 000 003"]
        for phone in phones:
            response = client.post("/api/v1/invitations", json={"phone": phone, "office": "D"}, headers=admin)
            assert response.status_code == 202 and response.json["status"] == "queued"
        client.post("/api/v1/invitations", json={"phone": "0912 000 009", "office": "E"}, headers=admin)
        with app.app_context():
            sent = Sender(app.extensions["sms"]).send_due(get_db())
        assert sent["sent"] == 4 and len(twilio.messages) == 4
        for message in twilio.messages:
            callback = urllib.parse.urlsplit(message["StatusCallback"])
            params = {"MessageSid": message["sid"], "MessageStatus": "delivered", "To": message["To"]}
            assert signed_post(client, app, callback.path, params, query=callback.query).status_code == 204
        inbound(client, app, "4", sender="+84912000001")
        inbound(client, app, "STOP", sender="+84912000002")
        assert add_user(app, "truong.d", "supervisor", "D")
        log_in(client, "truong.d", "correct-horse")
        html = client.get("/dashboard/sms?preset=this_month").text
    assert "Chưa có tài khoản Twilio" not in html
    cards = {label: value for label, value in
             re.findall(r'<div class="label">([^<]+)</div><div class="value">([^<]+)</div>', html)}
    assert cards["Đã mời"] == "3" and cards["Đã nhận"] == "3"  # E's invitation is outside D's scope
    assert cards["Từ chối nhận tin"] == "1"
    assert "1 / 3" in html


def test_an_alert_reaches_the_supervisor_through_twilio(database):
    with FakeTwilio() as twilio:
        app = make_app(database, **twilio.settings())
        setup(app)
        assert add_user(app, "truong.d", "supervisor", "D")
        with app.app_context():
            get_db().execute("UPDATE users SET phone = '+84912345678' WHERE username = 'truong.d'")
            get_db().conn.commit()
        _, token = add_kiosk(app, "D", "Quầy 1")
        start = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
        items = [{"id": str(uuid.uuid4()), "score": score,
                  "created_at": (start + dt.timedelta(seconds=20 * i)).isoformat()}
                 for i, score in enumerate([1, 1, 1, 4])]
        response = app.test_client().post("/api/v1/ratings", json={"ratings": items}, headers=auth(token))
        assert response.status_code == 200
        with app.app_context():
            raised = alerting.check(app, get_db())
            assert len(raised) == 1
            Sender(app.extensions["sms"]).send_due(get_db())
    bodies = [message["Body"] for message in twilio.messages]
    assert len(raised) == 1
    assert bodies == ["Cảnh báo: Huyện Một có 3/4 phiếu không hài lòng trong 15 phút."]
    assert twilio.messages[0]["To"] == "+84912345678"
