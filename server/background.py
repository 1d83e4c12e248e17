"""Background jobs of a server process (the SMS sender, the alert checker), and their leases.

A job is a `Job`: a daemon thread that runs `work(db)` every `interval` seconds (sooner when
its `wake` event is set), on a connection of its own, inside an app context. A component
makes its jobs in its init_app and registers them (`register(app, job)`); starting is
idempotent. deploy/gunicorn.conf.py starts them when a worker boots; under `flask run` or
another server the first request starts them; an app under test never starts them.

Every gunicorn worker runs every job, so a job that must run in one process at a time takes
a lease: a row in the core's `job_leases` table, named after the job, held by one holder
until it expires. `take_lease(db, name, holder, seconds, now)` takes it when it is free or
lapsed, or renews it for its holder; a holder that died frees it when it lapses. A `Job`
with `lease_seconds` takes its lease before each round and skips the round without it; a
job whose rounds are long (the SMS sender) takes and renews the lease itself, with the
same function, and releases it when done.
"""

import datetime as dt
import logging
import os
import socket
import threading
import uuid

from flask import request

from server.db import connect_app, write_transaction
from server.timeutil import to_stored

log = logging.getLogger(__name__)


def holder_name():
    """A lease holder's name: this machine, this process, and a random part for this holder."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def take_lease(db, name, holder, seconds, now):
    """Take or renew lease `name`: True if `holder` holds it until now + seconds.

    Taken when there is none or it lapsed, renewed when `holder` already has it; one
    statement, in the caller's write transaction (or a transaction of its own).
    """
    with write_transaction(db):
        db.execute(
            """INSERT INTO job_leases (name, holder, expires_at) VALUES (?, ?, ?)
               ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
               WHERE job_leases.expires_at <= ? OR job_leases.holder = excluded.holder""",
            [name, holder, to_stored(now + dt.timedelta(seconds=seconds)), to_stored(now)])
        row = db.execute("SELECT holder FROM job_leases WHERE name = ?", [name]).fetchone()
    return row is not None and row[0] == holder


def release_lease(db, name, holder):
    """Give lease `name` back now, if `holder` has it."""
    with write_transaction(db):
        db.execute("DELETE FROM job_leases WHERE name = ? AND holder = ?", [name, holder])


class Job:
    """One background job of a server process.

    `work(db)` runs every `interval` seconds, or as soon as `wake` (a threading.Event) is
    set; first at once when `run_at_start`, else after the first interval. With
    `lease_seconds`, each round first takes lease `name` for that long and is skipped by
    every process but its holder. A round that fails is logged with its exception (the
    server's log lines, server.observability, name its type and frames, never its message,
    which may carry a phone number) and the next round tries again.
    """

    def __init__(self, app, name, interval, work, *, lease_seconds=None, wake=None, run_at_start=True):
        self.app, self.name, self.interval, self.work = app, name, interval, work
        self.lease_seconds = lease_seconds
        self.wake = wake or threading.Event()
        self.run_at_start = run_at_start
        self.holder = holder_name()
        self.stopping = threading.Event()
        self._lock = threading.Lock()
        self.thread = None

    def start(self):
        with self._lock:
            if self.thread is None:
                self.thread = threading.Thread(target=self._run, name=self.name, daemon=True)
                self.thread.start()

    def stop(self):
        self.stopping.set()
        self.wake.set()

    def _run(self):
        db = connect_app(self.app)
        try:
            if not self.run_at_start:
                self._wait()
            while not self.stopping.is_set():
                self.run_once(db)
                self._wait()
        finally:
            db.close()

    def _wait(self):
        self.wake.wait(self.interval)
        self.wake.clear()

    def run_once(self, db):
        """One round (the lease first, when the job has one); False when it did not run."""
        try:
            with self.app.app_context():
                if self.lease_seconds is not None and not take_lease(
                        db, self.name, self.holder, self.lease_seconds, dt.datetime.now(dt.UTC)):
                    return False
                self.work(db)
            return True
        except Exception:  # keep running later; the log line says where, never the message (observability)
            log.error("background job %s failed; trying again in %s s", self.name, self.interval, exc_info=True)
            return False


def register(app, job):
    """Make `job` one of the app's background jobs (started by start_all)."""
    app.extensions.setdefault("background_jobs", {})[job.name] = job


def start_all(app):
    for job in app.extensions.get("background_jobs", {}).values():
        job.start()


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
