"""server.background: one lease table and one job shape for every background job."""

import datetime as dt
import logging
import sqlite3
import threading
import time

from server import create_app
from server.background import Job, release_lease, take_lease
from server.db import connect_app, get_db
from server.observability import JsonFormatter

NOW = dt.datetime(2026, 10, 5, 2, 0, tzinfo=dt.UTC)


def test_a_lease_has_one_holder_until_it_lapses_or_is_released(app):
    with app.app_context():
        db = get_db()
        assert take_lease(db, "sms-sender", "a", 60, NOW)
        assert take_lease(db, "alert-check", "b", 60, NOW)  # each job has its own lease
        assert not take_lease(db, "sms-sender", "b", 60, NOW + dt.timedelta(seconds=59))
        assert take_lease(db, "sms-sender", "a", 60, NOW + dt.timedelta(seconds=59))  # renewed to 119 s
        assert not take_lease(db, "sms-sender", "b", 60, NOW + dt.timedelta(seconds=118))
        assert take_lease(db, "sms-sender", "b", 60, NOW + dt.timedelta(seconds=119))  # lapsed: taken over
        release_lease(db, "sms-sender", "a")  # not a's any more: nothing happens
        assert not take_lease(db, "sms-sender", "a", 60, NOW + dt.timedelta(seconds=120))
        release_lease(db, "sms-sender", "b")
        assert take_lease(db, "sms-sender", "a", 60, NOW + dt.timedelta(seconds=120))


def test_one_lease_table_owned_by_the_core(database):
    app = create_app({"DATABASE": str(database), "TESTING": True}, components=[])
    with app.app_context():
        tables = {row[0] for row in get_db().execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert "job_leases" in tables
    full = create_app({"DATABASE": str(database), "TESTING": True})  # the components' migrations too
    with full.app_context():
        tables = {row[0] for row in get_db().execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert "job_leases" in tables and "sms_lease" not in tables and "leases" not in tables


def test_of_two_workers_jobs_only_the_lease_holder_works(app):
    done = []
    jobs = [Job(app, "alert-check", 60, lambda db, i=i: done.append(i), lease_seconds=180) for i in range(2)]
    db = connect_app(app)
    try:
        assert [job.run_once(db) for job in jobs] == [True, False]
        assert [job.run_once(db) for job in jobs] == [True, False]
    finally:
        db.close()
    assert done == [0, 0]


def test_a_job_runs_when_woken_and_a_failing_round_logs_no_data(app, caplog):
    rounds, woken = [], threading.Event()

    def work(db):
        rounds.append(db.execute("SELECT COUNT(*) FROM job_leases").fetchone()[0])
        woken.set()
        if len(rounds) == 2:
            raise sqlite3.IntegrityError("the number +84912345678 is already there")

    job = Job(app, "sms-sender", 3600, work, run_at_start=False)
    with caplog.at_level(logging.ERROR, logger="server.background"):
        job.start()
        job.start()  # idempotent: one thread
        for _ in range(2):
            woken.clear()
            job.wake.set()
            assert woken.wait(10)
        deadline = time.monotonic() + 10
        while not caplog.records and time.monotonic() < deadline:
            time.sleep(0.01)
        job.stop()
    assert len(rounds) == 2
    [record] = caplog.records
    line = JsonFormatter().format(record)  # the server's log format
    assert "sms-sender" in line and "IntegrityError" in line and "test_background.py" in line
    assert "84912345678" not in line
