"""The sender with the real twilio client against a local fake Twilio: bodies, rate, retries, 21610."""

import datetime as dt

import pytest
from twilio.request_validator import RequestValidator

from server.background import take_lease
from server.db import get_db
from sms import storage
from sms.gateway import TwilioTransport
from sms.sender import MAX_ATTEMPTS, Sender, backoff
from tests.sms.fake_twilio import FROM
from tests.sms.support import E164, make_app
from tests.sms.test_webhooks import setup_offices
from tests.support import add_user, auth


@pytest.fixture
def twilio_app(database, fake_twilio):
    app = make_app(database, **fake_twilio.settings(), SMS_SEND_RATE=5)
    setup_offices(app)
    app.test_headers = auth(add_user(app))
    return app


def invite(app, phone="0912 345 678", **fields):
    response = app.test_client().post("/api/v1/invitations", json={"phone": phone, "office": "D", **fields},
                                      headers=app.test_headers)
    assert response.status_code == 202, response.json
    return response.json["id"]


def send_due(app, now=None):
    with app.app_context():
        return Sender(app.extensions["sms"]).send_due(get_db(), now=now)


def invitation(app, invitation_id):
    with app.app_context():
        return storage.invitation(get_db(), invitation_id)


def test_the_real_client_sends_the_invitation_with_its_status_callback(twilio_app, fake_twilio):
    assert type(twilio_app.extensions["sms"].transport) is TwilioTransport
    invitation_id = invite(twilio_app, service="1.001")
    assert send_due(twilio_app)["sent"] == 1
    [sent] = fake_twilio.messages
    assert sent["To"] == E164 and sent["From"] == FROM
    assert sent["Body"].startswith("Huyện Một cảm ơn Ông/Bà.") and "1 = Không hài lòng" in sent["Body"]
    assert sent["StatusCallback"] == f"https://sms.example.gov.vn/sms/twilio/status?m={invitation_id}"
    found = invitation(twilio_app, invitation_id)
    assert found["status"] == "queued" and found["sent_at"] is not None
    with twilio_app.app_context():
        [message] = get_db().query("SELECT twilio_sid, transport, status FROM sms_messages")
    assert dict(message) == {"twilio_sid": sent["sid"], "transport": "twilio", "status": "queued"}


def test_a_messaging_service_is_used_instead_of_a_from_number(database, fake_twilio):
    app = make_app(database, **{**fake_twilio.settings(), "TWILIO_FROM": "",
                                "TWILIO_MESSAGING_SERVICE_SID": "MG" + "2" * 32})
    setup_offices(app)
    app.test_headers = auth(add_user(app))
    invite(app)
    send_due(app)
    [sent] = fake_twilio.messages
    assert sent["MessagingServiceSid"] == "MG" + "2" * 32 and "From" not in sent


def test_half_set_twilio_credentials_stop_the_server_from_starting(database):
    with pytest.raises(ValueError, match="TWILIO_AUTH_TOKEN"):
        make_app(database, TWILIO_ACCOUNT_SID="AC" + "1" * 32)


def test_sending_keeps_to_the_configured_rate(twilio_app, fake_twilio):
    for index in range(6):
        invite(twilio_app, phone=f"0912 345 60{index}")
    assert send_due(twilio_app)["sent"] == 6
    times = sorted(message["at"] for message in fake_twilio.messages)
    # 5 a second: 0.2 s apart. The first call also opens the connection, so the span is taken
    # from the second; arrival jitter aside, no half second holds more than three.
    assert times[-1] - times[1] >= 0.7
    assert max(sum(start <= t < start + 0.5 for t in times) for start in times) <= 4


def test_429_and_5xx_are_retried_with_backoff_until_twilio_takes_the_message(twilio_app, fake_twilio):
    invitation_id = invite(twilio_app)
    fake_twilio.fail_next(429, 20429)
    fake_twilio.fail_next(503, 20500)
    now = dt.datetime.now(dt.UTC)
    assert send_due(twilio_app, now)["retry"] == 1
    assert send_due(twilio_app, now + dt.timedelta(seconds=10))["sent"] == 0  # still waiting out the backoff
    assert send_due(twilio_app, now + dt.timedelta(seconds=backoff(1)))["retry"] == 1
    assert send_due(twilio_app, now + dt.timedelta(seconds=backoff(1) + backoff(2)))["sent"] == 1
    assert len(fake_twilio.requests) == 3 and len(fake_twilio.messages) == 1
    assert invitation(twilio_app, invitation_id)["status"] == "queued"


def test_the_sender_gives_up_after_the_last_attempt_and_keeps_the_reason(twilio_app, fake_twilio):
    invitation_id = invite(twilio_app)
    fake_twilio.fail_next(500, 20500, times=MAX_ATTEMPTS)
    now = dt.datetime.now(dt.UTC)
    for attempt in range(MAX_ATTEMPTS):
        send_due(twilio_app, now + dt.timedelta(hours=attempt))
    found = invitation(twilio_app, invitation_id)
    assert found["status"] == "failed" and found["error_code"] == 20500
    assert f"gave up after {MAX_ATTEMPTS} attempts" in found["error_message"]
    assert send_due(twilio_app, now + dt.timedelta(days=1))["sent"] == 0


def test_a_permanent_error_is_not_retried_and_its_reason_is_kept(twilio_app, fake_twilio):
    invitation_id = invite(twilio_app)
    fake_twilio.fail_next(400, 21211)
    assert send_due(twilio_app)["failed"] == 1
    found = invitation(twilio_app, invitation_id)
    assert (found["status"], found["error_code"]) == ("failed", 21211)
    assert "Invalid 'To' Phone Number" in found["error_message"]
    assert send_due(twilio_app, dt.datetime.now(dt.UTC) + dt.timedelta(hours=2))["sent"] == 0
    assert len(fake_twilio.requests) == 1


def test_error_21610_marks_the_number_opted_out(twilio_app, fake_twilio):
    invitation_id = invite(twilio_app)
    fake_twilio.fail_next(400, 21610)
    assert send_due(twilio_app)["opted_out"] == 1
    found = invitation(twilio_app, invitation_id)
    assert (found["status"], found["error_code"], found["opted_out"]) == ("opted_out", 21610, 1)
    with twilio_app.app_context():
        get_db().execute("UPDATE sms_invitations SET created_at = '2020-01-01T00:00:00.000Z'")
        get_db().conn.commit()
    response = twilio_app.test_client().post("/api/v1/invitations", json={"phone": E164, "office": "D"},
                                             headers=twilio_app.test_headers)
    assert response.json["status"] == "opted_out"


def test_a_wrong_auth_token_is_a_permanent_error_with_twilios_code(twilio_app, fake_twilio):
    fake_twilio.auth_token = "another-token"
    invitation_id = invite(twilio_app)
    send_due(twilio_app)
    found = invitation(twilio_app, invitation_id)
    assert found["error_code"] == 20003 and "SATISFACTION_TWILIO_AUTH_TOKEN" in found["error_message"]


def test_a_bare_http_401_is_stored_as_an_authentication_error_not_as_error_401(twilio_app, fake_twilio):
    invitation_id = invite(twilio_app)
    fake_twilio.fail_next(401, None)  # a proxy's HTML page, not Twilio's JSON
    assert send_due(twilio_app)["failed"] == 1
    found = invitation(twilio_app, invitation_id)
    assert (found["status"], found["error_code"]) == ("failed", 20003)
    assert found["error_message"].startswith("authentication failed (HTTP 401")


def test_an_unreachable_twilio_is_retried_later(database):
    from tests.support import free_port
    app = make_app(database, TWILIO_ACCOUNT_SID="AC" + "1" * 32, TWILIO_AUTH_TOKEN="t", TWILIO_FROM=FROM,
                   TWILIO_API_BASE=f"http://127.0.0.1:{free_port()}")
    setup_offices(app)
    app.test_headers = auth(add_user(app))
    invitation_id = invite(app)
    assert send_due(app)["retry"] == 1
    with app.app_context():
        [message] = get_db().query("SELECT status, attempts, error_message FROM sms_messages")
    assert message["status"] == "pending" and message["attempts"] == 1
    assert "cannot reach Twilio" in message["error_message"]
    assert invitation(app, invitation_id)["status"] == "queued"


def test_only_one_sender_sends_at_a_time(twilio_app, fake_twilio):
    invite(twilio_app)
    with twilio_app.app_context():
        db = get_db()
        other = Sender(twilio_app.extensions["sms"])
        with db.conn:
            assert take_lease(db, "sms-sender", other.holder, 60, dt.datetime.now(dt.UTC))
        assert send_due(twilio_app)["busy"] == 1 and fake_twilio.messages == []
        # a sender that died frees the lease when it expires
        assert send_due(twilio_app, dt.datetime.now(dt.UTC) + dt.timedelta(seconds=61))["sent"] == 1


def test_a_message_left_half_sent_by_a_dead_sender_is_unknown_not_sent_twice(twilio_app, fake_twilio):
    invitation_id = invite(twilio_app)
    with twilio_app.app_context():
        db = get_db()
        db.execute("UPDATE sms_messages SET status = 'sending'")
        db.conn.commit()
    assert send_due(twilio_app)["unknown"] == 1
    found = invitation(twilio_app, invitation_id)
    assert found["status"] == "unknown" and "not re-sent" in found["error_message"]
    assert fake_twilio.messages == []


def test_a_status_callback_to_the_url_the_message_named_is_accepted(twilio_app, fake_twilio):
    invitation_id = invite(twilio_app)
    send_due(twilio_app)
    [sent] = fake_twilio.messages
    params = {"MessageSid": sent["sid"], "MessageStatus": "delivered", "AccountSid": fake_twilio.account_sid}
    signature = RequestValidator(fake_twilio.auth_token).compute_signature(sent["StatusCallback"], params)
    path = sent["StatusCallback"].replace("https://sms.example.gov.vn", "")
    response = twilio_app.test_client().post(path, data=params, headers={"X-Twilio-Signature": signature})
    assert response.status_code == 204
    assert invitation(twilio_app, invitation_id)["status"] == "delivered"


def messages(app):
    with app.app_context():
        return [dict(row) for row in
                get_db().query("SELECT status, attempts, error_code, error_message FROM sms_messages")]


@pytest.mark.parametrize("how", ["close", "reset", "stall"])
def test_a_connection_broken_after_twilio_read_the_request_is_never_retried(twilio_app, fake_twilio, how):
    invitation_id = invite(twilio_app)
    fake_twilio.drop_next(how)
    sender = Sender(twilio_app.extensions["sms"], transport=TwilioTransport(twilio_app.config, timeout=0.5))
    now = dt.datetime.now(dt.UTC)
    with twilio_app.app_context():
        assert sender.send_due(get_db(), now=now)["unknown"] == 1
        for later in (backoff(1), 3600, 86400):  # no retry however long the sender keeps running
            assert sender.send_due(get_db(), now=now + dt.timedelta(seconds=later))["sent"] == 0
    # the citizen got the text once, not twice (the fake notes it when it reads the request: on a
    # loaded machine the sender's 0.5 s can run out before that thread has)
    assert len(fake_twilio.wait_for(1)) == 1
    [message] = messages(twilio_app)
    assert (message["status"], message["attempts"]) == ("unknown", 1)
    assert "not re-sent to avoid a duplicate" in message["error_message"]
    assert invitation(twilio_app, invitation_id)["status"] == "unknown"


def test_a_message_of_unknown_fate_moves_on_when_twilios_callback_says_it_was_taken(twilio_app, fake_twilio):
    invitation_id = invite(twilio_app)
    fake_twilio.drop_next("close")
    send_due(twilio_app)
    [taken] = fake_twilio.messages
    callback = taken["StatusCallback"].replace("https://sms.example.gov.vn", "")
    params = {"MessageSid": taken["sid"], "MessageStatus": "delivered", "AccountSid": fake_twilio.account_sid}
    signature = RequestValidator(fake_twilio.auth_token).compute_signature(taken["StatusCallback"], params)
    assert twilio_app.test_client().post(callback, data=params,
                                         headers={"X-Twilio-Signature": signature}).status_code == 204
    assert invitation(twilio_app, invitation_id)["status"] == "delivered"
    assert messages(twilio_app)[0]["error_message"] is None


@pytest.mark.parametrize("base", ["https://127.0.0.1:{port}", "http://sms-fake.invalid:{port}"])
def test_errors_before_the_request_left_are_retried(twilio_app, fake_twilio, base):
    """A TLS handshake that fails (HTTPS to a plain-HTTP port) and a name that does not resolve."""
    port = fake_twilio.server.server_address[1]
    config = {**twilio_app.config, "TWILIO_API_BASE": base.format(port=port)}
    sender = Sender(twilio_app.extensions["sms"], transport=TwilioTransport(config, timeout=5))
    invite(twilio_app)
    with twilio_app.app_context():
        assert sender.send_due(get_db())["retry"] == 1
    [message] = messages(twilio_app)
    assert message["status"] == "pending" and "cannot reach Twilio" in message["error_message"]
    assert fake_twilio.messages == []


def test_a_successful_retry_clears_the_earlier_error(twilio_app, fake_twilio):
    invitation_id = invite(twilio_app)
    fake_twilio.fail_next(503, 20500)
    now = dt.datetime.now(dt.UTC)
    send_due(twilio_app, now)
    assert messages(twilio_app)[0]["error_code"] == 20500
    assert send_due(twilio_app, now + dt.timedelta(seconds=backoff(1)))["sent"] == 1
    [message] = messages(twilio_app)
    assert (message["status"], message["error_code"], message["error_message"]) == ("queued", None, None)
    found = invitation(twilio_app, invitation_id)
    assert (found["error_code"], found["error_message"]) == (None, None)
