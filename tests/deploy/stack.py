"""The production stack on loopback: Debian's nginx with the deploy site in front of
gunicorn with deploy/gunicorn.conf.py, built from what deploy/install.sh generates."""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests
from requests.adapters import HTTPAdapter

from tests.support import ROOT, ServerProcess, free_port

RENDER = [sys.executable, str(ROOT / "deploy" / "render.py")]


def wait_for_port(port, timeout=20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listens on {port}")


class FromAddress(HTTPAdapter):
    """Connections from a chosen loopback address (127.0.0.2, ...): nginx's limits are per
    address, so tests play several clients from one machine."""

    def __init__(self, address):
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self.address, 0)
        return super().init_poolmanager(*args, **kwargs)


def session_from(stack, address):
    """A requests session to the stack that connects from `address`."""
    session = requests.Session()
    session.trust_env = False
    session.verify = stack.cert
    session.mount("https://", FromAddress(address))
    return session


def until_refused(send, refused, wanted=10, most=500):
    """Call `send()` one request after another until `wanted` answers were `refused` (or `most`
    were sent); returns (answers, seconds taken). How many requests nginx's limit_req lets
    through depends on how fast they came (the zone's rate refills it meanwhile), so a test that
    sends a fixed number can see too few refusals on a slow machine: count them this way, and
    check what got through against `let_through_at_most`."""
    answers, started = [], time.monotonic()
    while sum(map(refused, answers)) < wanted and len(answers) < most:
        answers.append(send())
    return answers, time.monotonic() - started


def let_through_at_most(burst, per_second, seconds):
    """What limit_req (burst=`burst` nodelay) lets through from one address in `seconds`: the
    first request, the burst, then the rate's refill (and one for rounding)."""
    return 1 + burst + per_second * seconds + 1


def install(root):
    """Run the installer into `root` without touching the machine; returns its env files."""
    result = subprocess.run(["bash", str(ROOT / "deploy" / "install.sh"), "--root", str(root), "--no-system",
                             "--server-name", "127.0.0.1"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    return read_env(root / "etc/satisfaction/satisfaction.env"), read_env(root / "etc/satisfaction/deploy.env")


def read_env(path):
    sys.path.insert(0, str(ROOT / "deploy"))
    try:
        from render import read_env as parse
    finally:
        sys.path.pop(0)
    return parse(path)


class Stack:
    """nginx on two free ports (HTTP and HTTPS) in front of gunicorn on a third."""

    def __init__(self, folder, database, **settings):
        self.folder = Path(folder)
        self.database = database
        self.http_port, self.https_port, self.app_port = free_port(), free_port(), free_port()
        self.settings = settings
        self.nginx = None
        self.app = None

    @property
    def url(self):
        return f"https://127.0.0.1:{self.https_port}"

    @property
    def access_log(self):
        return self.folder / "satisfaction-access.log"

    def access_log_with(self, *lines, timeout=5.0):
        """The access log once it holds every one of `lines`. nginx writes a request's line after
        it has sent the answer, so a client that reads the log straight away can be ahead of it."""
        deadline = time.monotonic() + timeout
        while True:
            text = self.access_log.read_text(encoding="utf-8") if self.access_log.exists() else ""
            if all(line in text for line in lines) or time.monotonic() > deadline:
                return text
            time.sleep(0.05)

    @property
    def cert(self):
        return str(self.folder / "etc/satisfaction/tls/fullchain.pem")

    def start(self):
        secrets, deploy = install(self.folder)
        self._certificate()
        values = {**deploy, "HTTP_PORT": str(self.http_port), "HTTPS_PORT": str(self.https_port),
                  "HTTPS_PORT_SUFFIX": f":{self.https_port}", "UPSTREAM": f"127.0.0.1:{self.app_port}",
                  "TLS_CERT": self.cert, "TLS_KEY": str(self.folder / "etc/satisfaction/tls/privkey.pem"),
                  "APP_DIR": str(ROOT), "PLOTLY_JS": _plotly_js(), "ACCESS_LOG": str(self.access_log)}
        site = self.folder / "etc/nginx/sites-available/satisfaction"
        rendered = subprocess.run([*RENDER, str(ROOT / "deploy/nginx/satisfaction.conf"),
                                   *[f"{k}={v}" for k, v in values.items()]], capture_output=True, text=True)
        assert rendered.returncode == 0, rendered.stderr
        site.write_text(rendered.stdout)
        conf = self.folder / "nginx.conf"
        conf.write_text(_nginx_conf(self.folder, site))
        check = subprocess.run(["nginx", "-t", "-c", str(conf), "-p", str(self.folder)], capture_output=True, text=True)
        assert check.returncode == 0, check.stderr
        self.nginx = subprocess.Popen(["nginx", "-c", str(conf), "-p", str(self.folder), "-g", "daemon off;"],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        settings = {"SECRET_KEY": secrets["SATISFACTION_SECRET_KEY"],
                    "NUMBER_HASH_KEY": secrets["SATISFACTION_NUMBER_HASH_KEY"],
                    "TRUSTED_PROXIES": secrets["SATISFACTION_TRUSTED_PROXIES"],
                    "PUBLIC_BASE_URL": self.url, "SESSION_COOKIE_SECURE": "true", **self.settings}
        self.app = ServerProcess(self.database, workers=2, port=self.app_port, deploy_config=True,
                                 log_path=self.folder / "app.log", **settings).start()
        wait_for_port(self.https_port)
        requests.get(self.url + "/healthz", verify=self.cert, timeout=5).raise_for_status()
        return self

    def _certificate(self):
        """A certificate for 127.0.0.1 that requests can verify (the installer's is for the name)."""
        tls = self.folder / "etc/satisfaction/tls"
        tls.mkdir(parents=True, exist_ok=True)
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                        "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
                        "-keyout", str(tls / "privkey.pem"), "-out", str(tls / "fullchain.pem")],
                       check=True, capture_output=True)

    def stop(self):
        if self.app is not None:
            self.app.stop()
        if self.nginx is not None and self.nginx.poll() is None:
            os.killpg(self.nginx.pid, signal.SIGQUIT)
            try:
                self.nginx.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.nginx.pid, signal.SIGKILL)

    def __enter__(self):
        return self.start()

    def __exit__(self, *_):
        self.stop()


def _plotly_js():
    import plotly
    return str(Path(plotly.__file__).parent / "package_data" / "plotly.min.js")


def _nginx_conf(folder, site):
    temp = folder / "nginx-temp"
    temp.mkdir(exist_ok=True)
    # As root, nginx's workers would drop to `nobody`, who cannot read a checkout under /root.
    user = "user root root;\n" if os.geteuid() == 0 else ""
    return f"""{user}worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/nginx-error.log warn;
events {{ worker_connections 512; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log {folder}/nginx-access.log;
    client_body_temp_path {temp}/body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
    include {site};
}}
"""
