"""On return, the citizen is invited through the SMS channel: a real server, the real twilio
client, the local fake Twilio."""

import datetime as dt
import sqlite3
import uuid

import requests

from tests.sms.fake_twilio import FakeTwilio
from tests.support import ServerProcess, flask_cli, free_port


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
