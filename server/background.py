"""Background jobs of a server process (the SMS sender, the alert checker).

Packages register a start function; it must be idempotent and the job itself must be
safe to run in every process (each takes a lease row in SQLite before working, so several
gunicorn workers do the work once). deploy/gunicorn.conf.py starts them when a worker
boots; under `flask run` or another server the first request starts them.
"""

import threading

from flask import request


def register(app, name, start):
    app.extensions.setdefault("background_jobs", {})[name] = start


def start_all(app):
    for start in app.extensions.get("background_jobs", {}).values():
        start()


def init_app(app):
    if app.testing:
        return
    started = threading.Event()

    @app.before_request
    def _start_background_jobs():
        # Only under a real server (it sets SERVER_SOFTWARE): an app a test drives with
        # its test client is no server and must not send texts or raise alerts by itself.
        if not started.is_set() and request.environ.get("SERVER_SOFTWARE"):
            started.set()
            start_all(app)
