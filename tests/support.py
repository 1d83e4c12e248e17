"""Helpers the tests of every package share: the test province, kiosks, users and ratings,
free ports, a real server process, a CLI runner (fixtures are in tests/conftest.py)."""

import contextlib
import datetime as dt
import fcntl
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import requests

from server import offices
from server.db import get_db, write_transaction

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
BIN = Path(sys.executable).parent


# Debian's chromium, as every browser test drives it through Playwright: no sandbox (CI runs as root),
# and nothing that would call out to Google's services.
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


# How long Playwright's expect() waits for what a person would see (its default is 5 s): a
# chart is drawn once chromium has parsed plotly's 3.5 MB and laid the figure out, which on a
# loaded 2-core CI machine can take longer than that. A passing check returns as soon as it holds.
EXPECT_TIMEOUT_MS = 30_000


def launch_chromium(playwright):
    from playwright.sync_api import expect

    expect.set_options(timeout=EXPECT_TIMEOUT_MS)
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)


def log_in(page, url, username, password="demo-password"):
    """Log `page` in through the real form and wait for the dashboard it lands on."""
    import re

    page.goto(url + "/dashboard")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("form button[type=submit]")
    page.wait_for_url(re.compile(r".*/dashboard$"))
    return page


def rows(database, sql, params=()):
    """Rows of one query on a database file, read the way a person with sqlite3 would."""
    connection = sqlite3.connect(database)
    try:
        return connection.execute(sql, params).fetchall()
    finally:
        connection.close()


PACKAGES = {"server", "sms", "web", "cases", "dossiers", "dashboards", "kiosk", "tests"}


def pin_clock(monkeypatch, moment):
    """The server's clock (server.timeutil.utcnow, and every module that imported it by name)
    reads `moment` until the test ends: a test that means "now" and "this month" at once picks
    its own instant instead of the machine's, which may be a minute before local midnight, the
    1st of a month, a weekend or a holiday. In-process only: a server process keeps its clock."""
    from server import timeutil

    def pinned():
        # A module first imported during the test keeps this function after monkeypatch undoes
        # the rest: from then on it reads whatever server.timeutil's clock is.
        return moment if timeutil.utcnow is pinned else timeutil.utcnow()

    original = timeutil.utcnow
    for name, module in list(sys.modules.items()):
        if name.split(".")[0] in PACKAGES and getattr(module, "utcnow", None) is original:
            monkeypatch.setattr(module, "utcnow", pinned)
    return moment


# Ports free_port() handed out lately, shared by every test process on the machine (both xdist
# workers): the port is free when chosen but bound later (gunicorn starting, nginx), and in that
# gap the kernel may hand the same free port to the other worker's free_port() (about one in
# 14,000 draws; with a few hundred servers a run, a run in a few hundred would fail to bind).
PORTS_HANDED_OUT = Path(tempfile.gettempdir()) / f"satisfaction-tests-ports-{os.getuid()}"
PORT_HELD_SECONDS = 600


def free_port():
    """A loopback port nothing listens on, and that no other test took in the last ten minutes."""
    with open(PORTS_HANDED_OUT, "a+", encoding="ascii") as registry:
        fcntl.flock(registry, fcntl.LOCK_EX)  # released when the file closes
        registry.seek(0)
        now = time.time()
        recent = {}
        for line in registry.read().split("\n"):
            with contextlib.suppress(ValueError):
                port, at = line.split()
                if now - float(at) < PORT_HELD_SECONDS:
                    recent[int(port)] = float(at)
        while True:
            with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
                sock.bind(("127.0.0.1", 0))
                port = sock.getsockname()[1]
            if port not in recent:
                break
        recent[port] = now
        registry.seek(0)
        registry.truncate()
        registry.write("".join(f"{p} {at}\n" for p, at in recent.items()))
    return port


def server_env(database, **settings):
    """Environment for a server or CLI process on `database`, with extra SATISFACTION_ settings."""
    env = dict(os.environ)
    env["SATISFACTION_DATABASE"] = str(database)
    env["FLASK_APP"] = "server"
    env.setdefault("SATISFACTION_SQLITE_SYNCHRONOUS", "NORMAL")
    env.setdefault("SATISFACTION_SECRET_KEY", "test-secret-" + "x" * 40)
    env.setdefault("SATISFACTION_SESSION_COOKIE_SECURE", "false")
    for name, value in settings.items():
        env[f"SATISFACTION_{name}"] = str(value)
    return env


def flask_cli(database, *args, check=True, timeout=300, **settings):
    """Run `flask --app server ARGS` as a real process; returns the CompletedProcess."""
    result = subprocess.run(
        [str(BIN / "flask"), "--app", "server", *args], cwd=ROOT, env=server_env(database, **settings),
        capture_output=True, text=True, timeout=timeout,
    )
    if check and result.returncode != 0:
        raise AssertionError(f"flask {' '.join(args)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    return result


class ServerProcess:
    """The real server under gunicorn on a loopback port, which tests can stop, kill and restart."""

    def __init__(self, database, workers=1, threads=4, port=None, log_path=None, deploy_config=False, **settings):
        """`deploy_config` runs gunicorn with deploy/gunicorn.conf.py, as production does."""
        self.database = database
        self.port = port or free_port()
        self.workers, self.threads = workers, threads
        self.deploy_config = deploy_config
        self.settings = settings
        self.log_path = Path(log_path or Path(database).with_suffix(f".{self.port}.log"))
        self.process = None

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def launch(self):
        """Start the process without waiting for it to answer."""
        env = server_env(self.database, **self.settings)
        if self.deploy_config:
            env.update(SATISFACTION_BIND=f"127.0.0.1:{self.port}", SATISFACTION_WORKERS=str(self.workers),
                       SATISFACTION_THREADS=str(self.threads))
            command = [str(BIN / "gunicorn"), "--config", str(ROOT / "deploy" / "gunicorn.conf.py")]
        else:
            command = [str(BIN / "gunicorn"), "--bind", f"127.0.0.1:{self.port}", "--workers", str(self.workers),
                       "--threads", str(self.threads), "--graceful-timeout", "2", "--no-control-socket",
                       "server:create_app()"]
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log,
                                            start_new_session=True)
        return self

    def start(self, timeout=60):  # gunicorn importing the app on a loaded 2-core machine; returns once it answers
        self.launch()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited with {self.process.returncode}: {self.log_path.read_text()[-3000:]}")
            try:
                if requests.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"server did not answer in {timeout}s: {self.log_path.read_text()[-3000:]}")

    def _signal(self, sig):
        if self.process is not None and self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, sig)

    def stop(self):
        self._signal(signal.SIGTERM)
        if self.process is not None:
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._signal(signal.SIGKILL)
                self.process.wait(timeout=10)

    def kill(self):
        """SIGKILL the whole process group, as a power cut or OOM killer would."""
        self._signal(signal.SIGKILL)
        if self.process is not None:
            self.process.wait(timeout=10)

    def __enter__(self):
        return self.start()

    def __exit__(self, *_):
        self.stop()


DEMO_SEED = 11
DEMO_RATINGS = 40000  # enough per kiosk and day for the demo's bursts of taps over two years
DEMO_END = dt.date(2026, 10, 31)


# A small province: root P, district D with commune C, and district E.
TEST_PROVINCE = [("P", "Tỉnh Thử", None, "province"), ("D", "Huyện Một", "P", "district"),
                 ("C", "Xã Một", "D", "commune"), ("E", "Huyện Hai", "P", "district")]


def add_offices(app, rows=TEST_PROVINCE, staff=()):
    """Offices (code, name, parent, kind) and staff (code, name, office, counter), in one transaction."""
    with app.app_context():
        db = get_db()
        with write_transaction(db):
            for row in rows:
                offices.add_office(db, *row)
            for row in staff:
                offices.add_staff(db, *row)
    return app


def add_kiosk(app, office="D", counter="Quầy 1"):
    with app.app_context():
        db = get_db()
        with write_transaction(db):
            kiosk_id, token, _ = offices.add_kiosk(db, office, counter)
    return kiosk_id, token


def add_user(app, name="admin", role="admin", office=None):
    scope = ["--office", office] if office else []
    arguments = ["user", "add", name, "--role", role, "--password", "correct-horse", *scope]
    result = app.test_cli_runner().invoke(args=arguments)
    assert result.exit_code == 0, result.output
    result = app.test_cli_runner().invoke(args=["user", "token", name])
    assert result.exit_code == 0, result.output
    return result.output.strip().splitlines()[-1]


def auth(token):
    return {"Authorization": f"Bearer {token}"}


def rating(score=4, created_at=None, **extra):
    """A valid kiosk rating item."""
    moment = created_at or dt.datetime.now(dt.UTC)
    if isinstance(moment, dt.datetime):
        moment = moment.isoformat()
    return {"id": str(uuid.uuid4()), "score": score, "created_at": moment, **extra}


def opened_in_an_office_suite(data, folder, name, shots):
    """The Word file as LibreOffice Writer lays it out (the suite Vietnamese offices use beside
    Word), converted to PDF; a screenshot of each page goes to test-artifacts for people to judge."""
    document = folder / f"{name}.docx"
    document.write_bytes(data)
    subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{folder}/lo-profile",
                    "--convert-to", "pdf", "--outdir", str(folder), str(document)],
                   check=True, capture_output=True, timeout=180)
    pdf = folder / f"{name}.pdf"
    shots.mkdir(parents=True, exist_ok=True)
    subprocess.run(["pdftoppm", "-r", "70", "-png", str(pdf), str(shots / f"{name}-in-writer")], check=True)
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout.replace("\u00a0", " ")


# gunicorn refuses a request line over 4,094 bytes with 414 before the app sees it; schemathesis's
# coverage phase can repeat a parameter until the address is that long. Any other status must be documented.
REQUEST_LINE_LIMIT = 4094


def documented_status(ctx, response, case):
    """Schemathesis's status check, but for gunicorn's own 414 on an over-long request line."""
    from schemathesis.specs.openapi.checks import status_code_conformance

    if response.status_code == 414 and len(response.request.url) > REQUEST_LINE_LIMIT:
        return None
    return status_code_conformance(ctx, response, case)
