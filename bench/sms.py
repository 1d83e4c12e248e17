"""SMS channel figures (issue 4): signed inbound webhooks under gunicorn against the trivial
endpoint in the same run, and invitations sent per second to a local fake Twilio.

Run alone with `python -m bench sms` (once `sms` is in bench/__main__.py's MODULES) or
`python -c "import bench.sms as b; b.run(print)"`.
"""

import datetime as dt
import http.client
import json
import multiprocessing
import os
import tempfile
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode

from twilio.request_validator import RequestValidator

from server import create_app
from server.db import get_db
from sms import gateway
from sms.sender import Sender
from tests.sms.fake_twilio import FakeTwilio
from tests.support import ServerProcess, flask_cli, free_port, server_env

SECONDS = 8.0


def run(report):
    with tempfile.TemporaryDirectory() as folder:
        _webhooks(report, Path(folder) / "webhooks.db")
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
    workers = max(2, os.cpu_count() or 2)
    with ServerProcess(database, port=port, workers=workers, threads=4, **settings):
        ping = _load(port, lambda w, t, n: ("GET", "/api/v1/ping", None, {}))

        def webhook(worker, thread, n):
            # a different citizen each time, rating the office unprompted: the whole write path
            params = {"MessageSid": "SM" + uuid.uuid4().hex, "AccountSid": "AC" + "0" * 32,
                      "From": f"+849{worker:02d}{thread:02d}{n:05d}", "To": "+15005550006", "Body": "GN 4",
                      "NumMedia": "0"}
            signature = RequestValidator(token).compute_signature(base + "/sms/twilio/inbound", params)
            return ("POST", "/sms/twilio/inbound", urlencode(params),
                    {"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": signature})

        inbound = _load(port, webhook)
        kiosk = _kiosk_ratings(database, port)
    report("trivial JSON endpoint (GET /api/v1/ping)", ping["rate"], "req/s", f"p99 {ping['p99_ms']:.1f} ms")
    report("signed inbound webhook (unprompted rating, new number)", inbound["rate"], "req/s",
           f"p99 {inbound['p99_ms']:.1f} ms, errors {inbound['errors']}")
    report("  ratio inbound webhook / trivial (aim >= 0.4)", inbound["rate"] / ping["rate"], "x")
    report("  for context: single-rating kiosk POST / trivial, same run", kiosk["rate"] / ping["rate"], "x",
           f"{kiosk['rate']:.0f} req/s: the core's write path on this machine")


def _kiosk_ratings(database, port):
    """The core's single-rating POST on the same server: what one write costs here."""
    tokens = [flask_cli(database, "kiosk", "add", "GN", "--counter", f"Quầy {i}").stdout.strip().splitlines()[-1]
              for i in range(8)]
    start = dt.datetime(2026, 6, 1, 1, 0, tzinfo=dt.UTC)

    def single(worker, thread, n):
        item = {"id": str(uuid.uuid4()), "score": 1 + n % 4,
                "created_at": (start + dt.timedelta(seconds=5 * n)).isoformat()}
        return ("POST", "/api/v1/ratings", json.dumps({"ratings": [item]}),
                {"Content-Type": "application/json", "Authorization": f"Bearer {tokens[worker * 4 + thread]}"})

    return _load(port, single)


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


def _client(port, make_request, stop_at, worker, threads, queue):
    latencies, errors = [], [0]

    def loop(thread):
        connection, n = http.client.HTTPConnection("127.0.0.1", port, timeout=30), 0
        while time.monotonic() < stop_at:
            method, path, body, headers = make_request(worker, thread, n)
            n += 1
            started = time.perf_counter()
            try:
                connection.request(method, path, body=body, headers=headers)
                response = connection.getresponse()
                response.read()
                if response.status >= 300:
                    errors[0] += 1
            except (OSError, http.client.HTTPException):
                errors[0] += 1
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                continue
            latencies.append(time.perf_counter() - started)

    pool = [threading.Thread(target=loop, args=(thread,)) for thread in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    queue.put((latencies, errors[0]))


def _load(port, make_request, seconds=SECONDS, processes=2, threads=4):
    """Requests per second, p99 latency and errors from `processes` x `threads` clients."""
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    stop_at = time.monotonic() + seconds
    workers = [context.Process(target=_client, args=(port, make_request, stop_at, w, threads, queue))
               for w in range(processes)]
    for worker in workers:
        worker.start()
    results = [queue.get() for _ in workers]
    for worker in workers:
        worker.join()
    latencies = sorted(latency for result in results for latency in result[0])
    return {"rate": len(latencies) / seconds, "errors": sum(result[1] for result in results),
            "p99_ms": 1000 * latencies[int(0.99 * (len(latencies) - 1))] if latencies else float("nan")}
