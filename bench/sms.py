"""SMS channel figures (issue 4): signed inbound webhooks under gunicorn against the trivial
endpoint in the same run, and invitations sent per second to a local fake Twilio.

Run alone with `make bench BENCH_ARGS=sms`.
"""

import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode

from twilio.request_validator import RequestValidator

from bench.common import ROUND, compare, json_request, ratios, report_ratios
from bench.core import deploy_workers
from server import create_app
from server.db import get_db
from sms import gateway
from sms.sender import Sender
from tests.sms.fake_twilio import FakeTwilio
from tests.support import ServerProcess, flask_cli, free_port, server_env


def run(report, part=None):
    """`part`: "webhooks" (under gunicorn) or "sending" (to the fake Twilio); both by default."""
    if part in (None, "webhooks"):
        with tempfile.TemporaryDirectory() as folder:
            _webhooks(report, Path(folder) / "webhooks.db")
    if part not in (None, "sending"):
        return
    for rate in (10, 1000):
        with tempfile.TemporaryDirectory() as folder:
            _sending(report, Path(folder) / "sending.db", rate)


def _setup(database):
    flask_cli(database, "office", "add", "GN", "Bộ phận Một cửa Gia Nghĩa", "--kind", "centre")
    flask_cli(database, "user", "add", "bench", "--role", "admin", "--password", "long-enough")
    return flask_cli(database, "user", "token", "bench").stdout.strip().splitlines()[-1]


def _webhooks(report, database):
    _setup(database)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    settings = {"PUBLIC_BASE_URL": base, "SMS_QUIET_HOURS": "", "SMS_SENDER_INTERVAL_SECONDS": 0}
    # the same secret as the server process, so the stand-in signing token matches
    secret = server_env(database)["SATISFACTION_SECRET_KEY"]
    app = create_app({"DATABASE": str(database), "SECRET_KEY": secret, **settings})
    token = gateway.signing_token(app.config)
    # as deployed (deploy/gunicorn.conf.py, its default workers and threads), FULL durability
    with ServerProcess(database, port=port, workers=deploy_workers(), threads=4, deploy_config=True,
                       SQLITE_SYNCHRONOUS="FULL", **settings) as server:
        def ping(worker, thread, n):
            return json_request("GET", "/api/v1/ping", None)

        def webhook(worker, thread, n):
            # a different citizen each time, rating the office unprompted: the whole write path
            # (each round's client processes have new pids, hence new numbers)
            params = {"MessageSid": "SM" + uuid.uuid4().hex, "AccountSid": "AC" + "0" * 32,
                      "From": f"+849{ROUND[0]:01d}{worker:01d}{thread:02d}{n:05d}", "To": "+15005550006",
                      "Body": "GN 4", "NumMedia": "0"}
            signature = RequestValidator(token).compute_signature(base + "/sms/twilio/inbound", params)
            return ("POST", "/sms/twilio/inbound", urlencode(params),
                    {"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": signature})

        # signing is the client's work, not the server's: requests are built before the clock starts
        trivial, inbound = compare(port, ping, webhook, rounds=5, prebuilt=1500, threads=8,
                                   server_pid=server.process.pid)
    report("trivial JSON endpoint (GET /api/v1/ping)", trivial["rate"], "req/s",
           f"p99 {trivial['p99_ms']:.1f} ms; median of 5 rounds alternating with the next line")
    report("signed inbound webhook (unprompted rating, new number)", inbound["rate"], "req/s",
           f"p99 {inbound['p99_ms']:.1f} ms, errors {len(inbound['errors'])}")
    report_ratios(report, "signed webhook", "ping", ratios(trivial, inbound), 0.4, 0.5)


def _sending(report, database, rate, count=200):
    token = _setup(database)
    with FakeTwilio() as fake:
        app = create_app({"DATABASE": str(database), "SMS_QUIET_HOURS": "", "SMS_SEND_RATE": rate,
                          "SMS_SENDER_INTERVAL_SECONDS": 0, "PUBLIC_BASE_URL": "http://127.0.0.1:9",
                          **fake.settings()})
        client = app.test_client()
        for index in range(count):
            response = client.post("/api/v1/invitations", headers={"Authorization": f"Bearer {token}"},
                                   json={"phone": f"+8491{index:07d}", "office": "GN"})
            assert response.json["status"] == "queued", response.json
        with app.app_context():
            started = time.monotonic()
            counts = Sender(app.extensions["sms"]).send_due(get_db())
            elapsed = time.monotonic() - started
    assert counts["sent"] == count and len(fake.messages) == count, counts
    report(f"invitations sent to the local fake Twilio, rate set to {rate}/s", count / elapsed, "msg/s",
           f"{count} invitations in {elapsed:.1f} s, real twilio client")
