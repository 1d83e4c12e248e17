"""Group commit: concurrent writers share commits, each gets its own result, a failing job
is undone alone, and a failed commit stores nobody's work."""

import fcntl
import os
import sqlite3
import threading
import time

import pytest

from server.db import connect
from server.group_commit import GroupCommit


def queued(group, count, timeout=20):
    """Wait until `count` jobs are queued in the group (threads start late on a loaded machine:
    a fixed sleep would let a test pass or fail on the machine's load)."""
    deadline = time.monotonic() + timeout
    while len(group._queue) < count:
        assert time.monotonic() < deadline, f"{len(group._queue)} jobs queued, expected {count}"
        time.sleep(0.01)


@pytest.fixture
def store(tmp_path):
    path = tmp_path / "g.db"
    db = connect(path, synchronous="NORMAL")
    db.conn.execute("PRAGMA journal_mode = WAL")
    db.conn.execute("CREATE TABLE items (value INTEGER UNIQUE)")
    return path


def test_many_threads_get_their_own_results_and_share_commits(store):
    group, commits, results = GroupCommit(), [], {}

    def insert(value):
        def job(db):
            db.conn.execute("INSERT INTO items VALUES (?)", [value])
            time.sleep(0.002)  # as long as a real batch takes, so other threads queue meanwhile
            return value * 2
        return job

    def worker(start):
        db = connect(store, synchronous="NORMAL")
        db.conn.set_trace_callback(lambda sql: commits.append(sql) if sql == "COMMIT" else None)
        for value in range(start, start + 50):
            results[value] = group.run(db, insert(value))

    threads = [threading.Thread(target=worker, args=(i * 1000,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == {value: value * 2 for value in results} and len(results) == 400
    stored = sqlite3.connect(store).execute("SELECT COUNT(*) FROM items").fetchone()[0]
    assert stored == 400
    assert len(commits) < 400  # some commits carried several threads' jobs


def test_jobs_that_arrive_while_the_leader_waits_for_another_process_join_its_commit(store):
    """Another process's commit holds the writers' turn: the jobs queued behind the leader
    meanwhile go into the leader's transaction (one commit, one fsync), not the next one."""
    group, commits, outcomes = GroupCommit(), [], {}
    other_process = os.open(f"{store}-writer.lock", os.O_RDWR | os.O_CREAT)
    fcntl.flock(other_process, fcntl.LOCK_EX)

    def write(value):
        db = connect(store, synchronous="NORMAL")
        db.conn.set_trace_callback(lambda sql: commits.append(sql) if sql == "COMMIT" else None)
        outcomes[value] = group.run(db, lambda db: db.conn.execute("INSERT INTO items VALUES (?)", [value]).rowcount)

    leader = threading.Thread(target=write, args=(1,))
    leader.start()
    queued(group, 1)  # the leader is waiting for the turn
    followers = [threading.Thread(target=write, args=(value,)) for value in (2, 3, 4)]
    for thread in followers:
        thread.start()
    queued(group, 4)  # they are queued behind it
    fcntl.flock(other_process, fcntl.LOCK_UN)
    os.close(other_process)
    for thread in [leader, *followers]:
        thread.join()
    assert outcomes == {1: 1, 2: 1, 3: 1, 4: 1}
    assert sqlite3.connect(store).execute("SELECT COUNT(*) FROM items").fetchone()[0] == 4
    assert commits == ["COMMIT"]


def test_a_failing_job_is_undone_alone(store):
    group, db = GroupCommit(), connect(store, synchronous="NORMAL")
    group.run(db, lambda db: db.conn.execute("INSERT INTO items VALUES (1)"))
    with pytest.raises(sqlite3.IntegrityError):
        group.run(db, lambda db: (db.conn.execute("INSERT INTO items VALUES (2)"),
                                  db.conn.execute("INSERT INTO items VALUES (1)")))
    assert group.run(db, lambda db: db.conn.execute("SELECT value FROM items ORDER BY value").fetchall()) == [(1,)]


def test_a_failed_commit_stores_nothing_and_tells_every_job(store, monkeypatch):
    group, db = GroupCommit(), connect(store, synchronous="NORMAL")
    db.conn.execute("CREATE TABLE parent (id INTEGER PRIMARY KEY)")
    db.conn.execute("CREATE TABLE child (parent INTEGER REFERENCES parent(id) DEFERRABLE INITIALLY DEFERRED)")
    # a deferred foreign key fails only at COMMIT: the whole group must be refused
    with pytest.raises(sqlite3.IntegrityError):
        group.run(db, lambda db: (db.conn.execute("INSERT INTO items VALUES (5)"),
                                  db.conn.execute("INSERT INTO child VALUES (99)")))
    assert sqlite3.connect(store).execute("SELECT COUNT(*) FROM items").fetchone()[0] == 0
    assert not db.conn.in_transaction


class NoTurnOnce:
    """A turn among writers refused once, as when another process held it too long."""

    def __init__(self):
        self.refused = False

    def __enter__(self):
        if not self.refused:
            self.refused = True
            raise sqlite3.OperationalError("database is locked")

    def __exit__(self, *exc):
        return False


def test_when_a_leader_cannot_get_its_turn_every_job_in_its_group_hears_it_and_none_is_stored(store):
    group, outcomes, turn, running = GroupCommit(), {}, NoTurnOnce(), threading.Event()

    def slow(db):
        db.conn.execute("INSERT INTO items VALUES (1)")
        running.set()
        queued(group, 3)  # meanwhile the others queue up and form the next group

    def write(value, job):
        db = connect(store, synchronous="NORMAL")
        if value != 1:
            db.writer_lock = turn
        try:
            outcomes[value] = group.run(db, job)
        except sqlite3.OperationalError as error:
            outcomes[value] = str(error)

    first = threading.Thread(target=write, args=(1, slow))
    first.start()
    running.wait(20)

    def insert(value):
        return lambda db: db.conn.execute("INSERT INTO items VALUES (?)", [value])

    others = [threading.Thread(target=write, args=(value, insert(value))) for value in (2, 3, 4)]
    for thread in others:
        thread.start()
    for thread in [first, *others]:
        thread.join()
    assert outcomes == {1: None, 2: "database is locked", 3: "database is locked", 4: "database is locked"}
    assert sqlite3.connect(store).execute("SELECT value FROM items").fetchall() == [(1,)]
