"""The writer lock: writers of one database take turns across processes, a stuck holder
delays a write by at most the busy timeout, and nothing about it can lose a write."""

import os
import subprocess
import sys
import time

from server.db import connect, write_transaction, writer_lock

HOLD = """
import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT)
fcntl.flock(fd, fcntl.LOCK_EX)
print("holding", flush=True)
time.sleep(float(sys.argv[2]))
"""


def make_store(path, busy_timeout_ms=5000):
    db = connect(path, busy_timeout_ms=busy_timeout_ms, synchronous="NORMAL")
    db.conn.execute("PRAGMA journal_mode = WAL")
    db.conn.execute("CREATE TABLE IF NOT EXISTS items (value INTEGER)")
    return db


def hold_lock(path, seconds):
    """Another process (a second gunicorn worker, say) that has the turn for `seconds`."""
    holder = subprocess.Popen([sys.executable, "-c", HOLD, f"{path}-writer.lock", str(seconds)],
                              stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "holding"
    return holder


def timed_insert(db, value):
    started = time.monotonic()
    with write_transaction(db):
        db.conn.execute("INSERT INTO items VALUES (?)", [value])
    return time.monotonic() - started


def test_a_writer_waits_for_another_process_to_finish_then_writes(tmp_path):
    path = tmp_path / "w.db"
    db = make_store(path)
    holder = hold_lock(path, 0.6)
    try:
        waited = timed_insert(db, 1)
    finally:
        holder.wait(timeout=10)
    assert 0.4 < waited < 4.5  # it took its turn after the holder, well before the 5 s timeout
    assert db.execute("SELECT value FROM items").fetchall() == [(1,)]


def test_a_stuck_holder_delays_a_write_only_up_to_the_busy_timeout(tmp_path):
    path = tmp_path / "w.db"
    db = make_store(path, busy_timeout_ms=300)
    holder = hold_lock(path, 60)
    try:
        waited = timed_insert(db, 7)
    finally:
        holder.kill()
        holder.wait(timeout=10)
    assert waited < 4  # the write went on without its turn; SQLite's own locking decided
    assert db.execute("SELECT value FROM items").fetchall() == [(7,)]


def test_the_lock_file_is_private_and_each_process_has_its_own_lock(tmp_path):
    path = tmp_path / "w.db"
    db = make_store(path)
    timed_insert(db, 1)
    mode = os.stat(f"{path}-writer.lock").st_mode & 0o777
    assert mode == 0o600
    assert writer_lock(":memory:") is None
    parent = writer_lock(path)
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # a forked gunicorn worker must not share (and so skip) its parent's lock
        os.write(write, b"own" if writer_lock(path) is not parent else b"shared")
        os._exit(0)
    os.waitpid(child, 0)
    assert os.read(read, 10) == b"own"


def test_a_writer_inside_a_writer_on_the_same_thread_does_not_wait_for_itself(tmp_path):
    path = tmp_path / "w.db"
    db = make_store(path)
    started = time.monotonic()
    with write_transaction(db):
        db.conn.execute("INSERT INTO items VALUES (1)")
        with write_transaction(db):  # nested: a savepoint in the same transaction
            db.conn.execute("INSERT INTO items VALUES (2)")
    assert time.monotonic() - started < 2
    assert db.execute("SELECT COUNT(*) FROM items").fetchone()[0] == 2


def test_a_writer_waiting_for_its_turn_spends_no_cpu_on_it(tmp_path):
    """It sleeps in flock() until the holder lets go, not in a polling loop (which cost more
    CPU than a rating's own work when several workers wrote)."""
    path = tmp_path / "w.db"
    db = make_store(path)
    timed_insert(db, 0)  # the schema's first write done, the lock file open
    holder = hold_lock(path, 1.0)
    try:
        cpu = time.process_time()
        waited = timed_insert(db, 1)
        cpu = time.process_time() - cpu
    finally:
        holder.wait(timeout=10)
    assert waited > 0.5
    assert cpu < 0.005, f"{cpu * 1000:.0f} ms of CPU while waiting {waited:.1f} s"
