"""The SMS channel through a real server process under gunicorn, with the real twilio client
talking to a local fake Twilio, and without Twilio through the outbox and `sms simulate`."""

import time
import uuid

import requests
from twilio.request_validator import RequestValidator

from tests.sms.fake_twilio import FakeTwilio
from tests.support import ServerProcess, flask_cli, free_port, rows


def setup(database):
    flask_cli(database, "office", "add", "GN", "Bộ phận Một cửa Gia Nghĩa", "--kind", "centre")
    flask_cli(database, "user", "add", "hoso", "--role", "supervisor", "--office", "GN", "--password", "long-enough")
    return {"Authorization": "Bearer " + flask_cli(database, "user", "token", "hoso").stdout.strip().splitlines()[-1]}


def sms_stats(server, headers):
    response = requests.get(server.url + "/api/v1/stats", params={"channel": "sms", "period": "day"},
                            headers=headers, timeout=10)
    assert response.status_code == 200
    return response.json()["rows"]


def test_invitation_fake_twilio_signed_reply_and_the_rating_in_the_stats(database):
    headers = setup(database)
    port = free_port()
    with FakeTwilio() as fake, ServerProcess(database, port=port, workers=2, threads=2,
                                             PUBLIC_BASE_URL=f"http://127.0.0.1:{port}", SMS_QUIET_HOURS="",
                                             SMS_SENDER_INTERVAL_SECONDS=1, **fake.settings()) as server:
        response = requests.post(server.url + "/api/v1/invitations", headers=headers, timeout=10,
                                 json={"phone": "0912 345 678", "office": "GN", "reference": "HS-2026-0001"})
        assert response.status_code == 202 and response.json()["status"] == "queued"
        [sent] = fake.wait_for(1)
        assert sent["To"] == "+84912345678" and "Bộ phận Một cửa Gia Nghĩa" in sent["Body"]
        assert fake.deliver(sent).status_code == 204

        params = {"MessageSid": "SM" + uuid.uuid4().hex, "AccountSid": fake.account_sid, "From": "+84912345678",
                  "To": sent["From"], "Body": "Rất hài lòng", "NumMedia": "0"}
        url = server.url + "/sms/twilio/inbound"
        signature = RequestValidator(fake.auth_token).compute_signature(url, params)
        reply = requests.post(url, data=params, headers={"X-Twilio-Signature": signature}, timeout=10)
        assert reply.status_code == 200 and "Cảm ơn Ông/Bà đã đánh giá" in reply.text
        forged = requests.post(url, data={**params, "MessageSid": "SM" + uuid.uuid4().hex},
                               headers={"X-Twilio-Signature": signature}, timeout=10)
        assert forged.status_code == 403

        [row] = sms_stats(server, headers)
        assert (row["office"], row["responses"], row["counts"]["4"]) == ("GN", 1, 1)
        assert len(fake.messages) == 1
    log = server.log_path.read_text()
    assert "912345678" not in log and "Rất hài lòng" not in log


def test_without_twilio_the_outbox_and_simulate_play_the_whole_conversation(database):
    headers = setup(database)
    port = free_port()
    settings = {"PUBLIC_BASE_URL": f"http://127.0.0.1:{port}", "SMS_QUIET_HOURS": ""}
    with ServerProcess(database, port=port, SMS_SENDER_INTERVAL_SECONDS=0, **settings) as server:
        response = requests.post(server.url + "/api/v1/invitations", headers=headers, timeout=10,
                                 json={"phone": "0987 654 321", "office": "GN"})
        assert response.json()["status"] == "queued"
        assert "sent 1" in flask_cli(database, "sms", "send-due", **settings).stdout
        outbox = flask_cli(database, "sms", "outbox", **settings).stdout
        assert "Bộ phận Một cửa Gia Nghĩa cảm ơn Ông/Bà" in outbox and "0987654321" not in outbox

        # no --url: the server's address is the SATISFACTION_PUBLIC_BASE_URL it was started with
        first = flask_cli(database, "sms", "simulate", "--from", "0987 654 321", "1", **settings)
        assert first.stdout.startswith("Rất tiếc Ông/Bà chưa hài lòng")
        assert "1 outbox text(s) to this number reported delivered" in first.stderr  # signed delivery receipts
        outbox = flask_cli(database, "sms", "outbox", **settings).stdout
        assert " delivered " in outbox
        second = flask_cli(database, "sms", "simulate", "--from", "+84987654321", "1 phải chờ lâu", "--url",
                           server.url, **settings).stdout
        assert second.strip() == ("Cảm ơn góp ý của Ông/Bà. Ý kiến đã được ghi nhận. Ông/Bà có muốn cơ quan liên "
                                  "hệ lại qua số này không? Trả lời 1 = Có, 2 = Không.")
        [row] = sms_stats(server, headers)
        assert row["counts"]["1"] == 1 and row["satisfaction_rate"] == 0.0

        # signed for another public URL than the server's: refused, and the command says so
        elsewhere = {**settings, "PUBLIC_BASE_URL": "https://sms.tinh.gov.vn"}
        refused = flask_cli(database, "sms", "simulate", "--from", "0911 111 111", "GN 4", "--url", server.url,
                            check=False, **elsewhere)
        assert refused.returncode != 0
        [line] = refused.stderr.strip().splitlines()  # one line that says what to fix, no HTML
        assert "403" in line and "https://sms.tinh.gov.vn/sms/twilio/inbound" in line
        assert "SATISFACTION_PUBLIC_BASE_URL" in line and "<" not in line
        assert sms_stats(server, headers)[0]["responses"] == 1

        # an undelivered number: its receipt says so, and the funnel counts it failed
        requests.post(server.url + "/api/v1/invitations", headers=headers, timeout=10,
                      json={"phone": "0911 222 333", "office": "GN"})
        flask_cli(database, "sms", "send-due", **settings)
        flask_cli(database, "sms", "simulate", "--from", "0911 222 333", "--receipt", "undelivered", "?", **settings)
    funnel = rows(database, "SELECT status, error_code FROM sms_invitations ORDER BY id")
    assert funnel == [("delivered", None), ("undelivered", 30003)]


def test_the_background_sender_sends_without_cron(database):
    headers = setup(database)
    with ServerProcess(database, SMS_QUIET_HOURS="", SMS_SENDER_INTERVAL_SECONDS=0.5) as server:
        requests.post(server.url + "/api/v1/invitations", headers=headers, timeout=10,
                      json={"phone": "0912 000 111", "office": "GN"})
        deadline = time.monotonic() + 40  # each look is a `flask` process: seconds apiece on a loaded machine
        while time.monotonic() < deadline:
            outbox = flask_cli(database, "sms", "outbox").stdout
            if " sent " in outbox:
                break
            time.sleep(0.3)
    assert "invitation" in outbox and " sent " in outbox
