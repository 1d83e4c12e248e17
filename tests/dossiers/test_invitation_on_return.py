"""On return, the citizen is invited through the SMS channel: a real server, the real twilio
client, the local fake Twilio."""

import datetime as dt
import re
import sqlite3
import uuid

import requests
from twilio.request_validator import RequestValidator

from tests.sms.fake_twilio import FakeTwilio
from tests.support import ServerProcess, flask_cli, free_port
from tests.web.support import form_fields


def setup(database):
    flask_cli(database, "init-db")
    flask_cli(database, "office", "add", "GN", "Trung tâm Phục vụ hành chính công phường Bắc Gia Nghĩa",
              "--kind", "centre")
    flask_cli(database, "staff", "add", "CB1", "Nguyễn Văn An", "--office", "GN", "--counter", "Quầy 1")
    flask_cli(database, "user", "add", "motcua", "--role", "supervisor", "--office", "GN", "--password",
              "long-enough-pw")
    token = flask_cli(database, "dossiers", "integration-token", "motcua").stdout.strip().splitlines()[-1]
    return {"Authorization": f"Bearer {token}"}


def test_a_returned_dossier_invites_its_citizen_once_with_the_dossier_as_reference(database):
    headers = setup(database)
    port = free_port()
    now = dt.datetime.now(dt.UTC)
    received = {"id": str(uuid.uuid4()), "dossier": "000.00.GN.H01-261201-0042", "type": "received",
                "at": (now - dt.timedelta(days=2)).isoformat(), "office": "GN", "counter": "Quầy 1", "staff": "CB1",
                "service": "1.001612", "due_at": (now + dt.timedelta(days=1)).isoformat(), "phone": "0912 345 678"}
    returned = {"id": str(uuid.uuid4()), "dossier": received["dossier"], "type": "returned",
                "at": (now - dt.timedelta(minutes=1)).isoformat(), "office": "GN", "counter": "Quầy 1"}
    with FakeTwilio() as fake, ServerProcess(database, port=port, PUBLIC_BASE_URL=f"http://127.0.0.1:{port}",
                                             SMS_QUIET_HOURS="", SMS_SENDER_INTERVAL_SECONDS=1,
                                             DOSSIER_INVITE_AFTER_MINUTES=0, **fake.settings()) as server:
        answer = requests.post(server.url + "/api/v1/dossiers/events", headers=headers, timeout=10,
                               json={"events": [received, returned]})
        assert [r["status"] for r in answer.json()["results"]] == ["accepted", "accepted"]
        again = requests.post(server.url + "/api/v1/dossiers/events", headers=headers, timeout=10,
                              json={"events": [returned]})
        assert again.json()["results"][0]["status"] == "duplicate"
        [sent] = fake.wait_for(1)
        assert sent["To"] == "+84912345678" and "Bắc Gia Nghĩa" in sent["Body"]
        connection = sqlite3.connect(database)
        invitations = connection.execute("SELECT reference, service, status FROM sms_invitations").fetchall()
        contacts = connection.execute("SELECT COUNT(*) FROM dossier_contacts").fetchone()[0]
        status = connection.execute("SELECT invitation_status FROM dossiers").fetchone()[0]
        connection.close()
    assert [(reference, service) for reference, service, _ in invitations] == \
        [("000.00.GN.H01-261201-0042", "1.001612")]
    assert status == "queued"
    assert contacts == 0  # the raw number now lives only in the SMS outbox, under its retention
    assert len(fake.messages) == 1


def reply(server, fake, sent, body):
    """The citizen's SMS `body` to the number `sent` came from, signed as Twilio signs it."""
    params = {"MessageSid": "SM" + uuid.uuid4().hex, "AccountSid": fake.account_sid, "From": sent["To"],
              "To": sent["From"], "Body": body, "NumMedia": "0"}
    url = server.url + "/sms/twilio/inbound"
    signature = RequestValidator(fake.auth_token).compute_signature(url, params)
    return requests.post(url, data=params, headers={"X-Twilio-Signature": signature}, timeout=10)


def returned_at_counter_two(now, dossier, phone):
    """Received at Quầy 1 by CB1, returned at Quầy 2 by CB2 a minute ago."""
    return [{"id": str(uuid.uuid4()), "dossier": dossier, "type": "received",
             "at": (now - dt.timedelta(days=2)).isoformat(), "office": "GN", "counter": "Quầy 1", "staff": "CB1",
             "service": "1.001612", "due_at": (now + dt.timedelta(days=1)).isoformat(), "phone": phone},
            {"id": str(uuid.uuid4()), "dossier": dossier, "type": "returned",
             "at": (now - dt.timedelta(minutes=1)).isoformat(), "office": "GN", "counter": "Quầy 2", "staff": "CB2"}]


def by_officer(database):
    """What the office page's counter and officer table reads: (counter, officer, n, n4) from the rollup."""
    connection = sqlite3.connect(database)
    found = connection.execute("""SELECT c.label, s.code, SUM(r.n1 + r.n2 + r.n3 + r.n4 + r.n5), SUM(r.n4)
                                  FROM rollup_staff r JOIN counters c ON c.id = r.counter_id
                                  JOIN staff s ON s.id = r.staff_id GROUP BY c.label, s.code""").fetchall()
    connection.close()
    return found


def test_the_citizens_sms_reply_is_rated_for_the_counter_and_officer_that_returned_the_dossier(database):
    headers = setup(database)
    flask_cli(database, "staff", "add", "CB2", "Trần Thị Bình", "--office", "GN", "--counter", "Quầy 2")
    port = free_port()
    now = dt.datetime.now(dt.UTC)
    events = returned_at_counter_two(now, "000.00.GN.H01-261201-0077", "0912 345 679")
    with FakeTwilio() as fake, ServerProcess(database, port=port, PUBLIC_BASE_URL=f"http://127.0.0.1:{port}",
                                             SMS_QUIET_HOURS="", SMS_SENDER_INTERVAL_SECONDS=1,
                                             DOSSIER_INVITE_AFTER_MINUTES=0, **fake.settings()) as server:
        answer = requests.post(server.url + "/api/v1/dossiers/events", headers=headers, timeout=10,
                               json={"events": events})
        assert [r["status"] for r in answer.json()["results"]] == ["accepted", "accepted"]
        [sent] = fake.wait_for(1)
        assert fake.deliver(sent).status_code == 204
        answered = reply(server, fake, sent, "4")
        assert answered.status_code == 200 and "Cảm ơn" in answered.text
        listing = requests.get(server.url + "/api/v1/ratings", headers=headers, timeout=10,
                               params={"from": (now - dt.timedelta(days=1)).date().isoformat()})
        assert listing.status_code == 200, listing.text
        [rating] = listing.json()["ratings"]
    assert (rating["channel"], rating["score"], rating["office"], rating["counter"], rating["staff"],
            rating["service"]) == ("sms", 4, "GN", "Quầy 2", "CB2", "1.001612")
    assert by_officer(database) == [("Quầy 2", "CB2", 1, 1)]
    connection = sqlite3.connect(database)
    assert connection.execute("SELECT reference FROM ratings").fetchall() == [("000.00.GN.H01-261201-0077",)]
    connection.close()


def test_a_web_link_invitation_rates_for_the_counter_and_officer_that_returned_the_dossier(database):
    headers = setup(database)
    flask_cli(database, "staff", "add", "CB2", "Trần Thị Bình", "--office", "GN", "--counter", "Quầy 2")
    port = free_port()
    now = dt.datetime.now(dt.UTC)
    events = returned_at_counter_two(now, "000.00.GN.H01-261201-0078", "0912 345 670")
    with FakeTwilio() as fake, ServerProcess(database, port=port, PUBLIC_BASE_URL=f"http://127.0.0.1:{port}",
                                             WEB_BASE_URL=f"http://127.0.0.1:{port}", SMS_QUIET_HOURS="",
                                             SMS_SENDER_INTERVAL_SECONDS=1, DOSSIER_INVITE_AFTER_MINUTES=0,
                                             DOSSIER_LINK_OFFICES='["GN"]', SESSION_COOKIE_SECURE="false",
                                             **fake.settings()) as server:
        answer = requests.post(server.url + "/api/v1/dossiers/events", headers=headers, timeout=10,
                               json={"events": events})
        assert [r["status"] for r in answer.json()["results"]] == ["accepted", "accepted"]
        [sent] = fake.wait_for(1)
        [url] = re.findall(re.escape(server.url) + r"/l/\S+", sent["Body"])
        citizen = requests.Session()  # the page's form comes with a session cookie (plain HTTP here)
        page = citizen.get(url, timeout=10)
        assert page.status_code == 200
        assert '<p class="counter">Quầy 2</p>' in page.text  # the citizen sees where they were served
        rated = citizen.post(url, data={**form_fields(page.text), "score": 4}, timeout=10)
        assert rated.status_code == 200
    assert by_officer(database) == [("Quầy 2", "CB2", 1, 1)]
    connection = sqlite3.connect(database)
    assert connection.execute("SELECT channel, score, reference, service FROM ratings").fetchall() == [
        ("web", 4, "000.00.GN.H01-261201-0078", "1.001612")]
    connection.close()
