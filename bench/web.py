"""Web channel figures (issue 16): submitting a rating from the phone page against
GET /api/v1/ping in the same run, and the rating page's transfer size.

A submission is what a phone sends when a face is tapped: the form with the page's CSRF
token and session cookie and a fresh rating id, answered by a 303 on to the thank-you.
The aim is on that POST; the whole tap as a phone makes it (the POST, then the thank-you
page the 303 names, with the cookies the answer set) is printed beside it. The server is
gunicorn with 2 workers x 4 threads and SQLite's synchronous=NORMAL (tests' ServerProcess).
"""

import datetime as dt
import re
import tempfile
import uuid
from pathlib import Path
from urllib.parse import urlencode

import requests

from bench.common import compare, json_request, ratios
from tests.support import ServerProcess, flask_cli

START = dt.datetime.now(dt.UTC) - dt.timedelta(days=2)


def run(report):
    with tempfile.TemporaryDirectory() as folder:
        database = Path(folder) / "bench.db"
        flask_cli(database, "office", "add", "P", "Tỉnh Thử", "--kind", "province")
        flask_cli(database, "office", "add", "GN", "Bộ phận Một cửa thành phố Gia Nghĩa", "--parent", "P",
                  "--kind", "district")
        url = flask_cli(database, "counter", "link", "GN", "--counter", "Quầy 1").stdout.strip().splitlines()[-1]
        path = url[url.index("/r/"):]
        # One address sends everything here: the per-address limit and burst rule are set aside.
        with ServerProcess(database, workers=2, threads=4, WEB_RATINGS_PER_MINUTE=10**9,
                           WEB_BURST_SECONDS=0) as server:
            browser = requests.Session()
            page = browser.get(server.url + path, timeout=10)
            fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', page.text))
            cookie = "; ".join(f"{name}={value}" for name, value in browser.cookies.get_dict().items())
            styles = sum(len(browser.get(server.url + href, timeout=10).content)
                         for href in re.findall(r'<link rel="stylesheet" href="([^"]+)"', page.text))
            report("rating page transfer size (HTML + styles, faces inline)", len(page.content) + styles, "bytes",
                   f"page {len(page.content):,} + styles {styles:,}; aim < 60,000, no other request")

            def ping(worker, thread, n):
                return json_request("GET", "/api/v1/ping", None)

            def submit(worker, thread, n):
                body = urlencode({**fields, "client_id": str(uuid.uuid4()), "score": 1 + n % 4})
                return "POST", path, body, {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie}

            master = server.process.pid
            # Five rounds for the aim, as the core's bench: one round's ratio went from 0.34 to 0.65
            # with the shared machine, and the median of five drifts less than that of three.
            trivial, rated = compare(server.port, ping, submit, rounds=5, server_pid=master)
            failures = [error for error in rated["errors"] if error != 303]  # 303 is the form's success
            report("trivial JSON endpoint (GET /api/v1/ping)", trivial["rate"], "req/s",
                   f"p99 {trivial['p99_ms']:.1f} ms, server CPU {trivial['cpu_ms']:.2f} ms/req; median of 5 "
                   "rounds alternating with the next line")
            report("web rating submitted (POST /r/<code>, a face tapped)", rated["rate"], "req/s",
                   f"p99 {rated['p99_ms']:.1f} ms, server CPU {rated['cpu_ms']:.2f} ms/req, failures {len(failures)}")
            # The median of the rounds' ratios, as the core's and the SMS bench's (bench.common.ratios):
            # each round's pair shares the machine's drift, which a ratio of the two sides' medians mixes.
            found = ratios(trivial, rated)
            report("  ratio web rating / trivial (aim >= 0.4)", found["throughput_median"], "x",
                   "median; the POST alone, against a read of nothing; rounds "
                   + ", ".join(f"{r:.2f}" for r in found["throughput"]))
            trivial, tapped = compare(server.port, ping, submit, server_pid=master, follow=True)
            report("  for context: the tap as a phone makes it (POST + thank-you page) / trivial",
                   tapped["rate"] / trivial["rate"], "x",
                   f"{tapped['rate']:,.0f} taps/s against {trivial['rate']:,.0f}, server CPU {tapped['cpu_ms']:.2f} "
                   f"ms/tap, failures {len(tapped['errors'])}")
            kiosk_token = flask_cli(database, "kiosk", "add", "GN", "--counter", "Quầy 2").stdout.split()[-1]

            def kiosk(worker, thread, n):
                item = {"id": str(uuid.uuid4()), "score": 1 + n % 4,
                        "created_at": (START + dt.timedelta(seconds=5 * n + 997 * worker + 37 * thread)).isoformat()}
                return json_request("POST", "/api/v1/ratings", {"ratings": [item]}, kiosk_token)

            trivial, single = compare(server.port, ping, kiosk)
            report("  for context: kiosk single-rating POST / trivial, same server", single["rate"] / trivial["rate"],
                   "x", f"{single['rate']:,.0f} req/s against {trivial['rate']:,.0f}")
