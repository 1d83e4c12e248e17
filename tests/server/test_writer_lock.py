"""The writer lock: writers of one database take turns across processes, a stuck holder
delays a write by at most the busy timeout, and nothing about it can lose a write."""

import os
import subprocess
import sys
import threading
import time

from server.db import connect, write_transaction, writer_lock

HOLD = """
import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT)
fcntl.flock(fd, fcntl.LOCK_EX)
print("holding", flush=True)
sys.stdin.readline()  # until the test says so (or forever)
print(time.monotonic(), flush=True)  # the moment it lets go: CLOCK_MONOTONIC is the machine's
"""


def make_store(path, busy_timeout_ms=5000):
    db = connect(path, busy_timeout_ms=busy_timeout_ms, synchronous="NORMAL")
    db.conn.execute("PRAGMA journal_mode = WAL")
    db.conn.execute("CREATE TABLE IF NOT EXISTS items (value INTEGER)")
    return db


def hold_lock(path):
    """Another process (a second gunicorn worker, say) that has the turn until told to let go."""
    holder = subprocess.Popen([sys.executable, "-c", HOLD, f"{path}-writer.lock"],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "holding"
    return holder


def let_go_once_waited_for(holder, path, seconds):
    """The holder lets go `seconds` after another flock() started waiting for its lock file
    (/proc/locks lists a blocked request with "->"), whenever this test got there: a fixed
    hold counted from the holder's start is partly spent before a loaded machine begins the write."""
    inode = os.stat(f"{path}-writer.lock").st_ino

    def watch():
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with open("/proc/locks") as locks:
                if any("-> FLOCK" in line and f":{inode} " in line for line in locks):
                    break
            time.sleep(0.005)
        time.sleep(seconds)
        holder.stdin.write("go\n")
        holder.stdin.flush()

    threading.Thread(target=watch, daemon=True).start()


def released_at(holder):
    holder.wait(timeout=10)
    return float(holder.stdout.readline())


def timed_insert(db, value):
    started = time.monotonic()
    with write_transaction(db):
        db.conn.execute("INSERT INTO items VALUES (?)", [value])
    return time.monotonic() - started


def test_a_writer_waits_for_another_process_to_finish_then_writes(tmp_path):
    path = tmp_path / "w.db"
    db = make_store(path)
    holder = hold_lock(path)
    let_go_once_waited_for(holder, path, 0.6)
    try:
        waited = timed_insert(db, 1)
        written = time.monotonic()
    finally:
        released = released_at(holder)
    assert written > released  # it took its turn after the holder...
    assert 0.4 < waited < 4.5  # ... having waited for it, and well before the 5 s timeout
    assert db.execute("SELECT value FROM items").fetchall() == [(1,)]


def test_a_stuck_holder_delays_a_write_only_up_to_the_busy_timeout(tmp_path):
    path = tmp_path / "w.db"
    db = make_store(path, busy_timeout_ms=300)
    holder = hold_lock(path)  # never lets go
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


def waiting_threads_cpu():
    """CPU seconds used so far by this thread and the writer-lock helpers, and by nothing else in
    the process: a thread an earlier test left running (an app's holiday-table warm-up, a fake
    server) is not the writer's."""
    threads = [threading.current_thread(), *(t for t in threading.enumerate() if t.name == "writer-lock-wait")]
    return sum(time.clock_gettime(time.pthread_getcpuclockid(t.ident)) for t in threads)


def test_a_writer_waiting_for_its_turn_spends_no_cpu_on_it(tmp_path):
    """It sleeps in flock() until the holder lets go, not in a polling loop (which cost more
    CPU than a rating's own work when several workers wrote)."""
    path = tmp_path / "w.db"
    db = make_store(path)
    timed_insert(db, 0)  # the schema's first write done, the lock file open
    holder = hold_lock(path)
    let_go_once_waited_for(holder, path, 1.0)
    try:
        cpu = waiting_threads_cpu()
        waited = timed_insert(db, 1)
        cpu = waiting_threads_cpu() - cpu
    finally:
        released_at(holder)
    assert waited > 0.5
    assert cpu < 0.005, f"{cpu * 1000:.0f} ms of CPU while waiting {waited:.1f} s"
