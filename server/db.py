"""The database connection: one per request, cached on `g`, closed on teardown."""

import contextlib
import fcntl
import os
import queue
import sqlite3
import threading
import time

import click
import sqlite_utils
from flask import current_app, g
from flask.cli import with_appcontext
from werkzeug.routing import IntegerConverter

from server import schema
from server.components import channels_of


class WriterLock:
    """Writers of one database file take turns here before asking SQLite for its write lock.

    SQLite's busy handler polls: a writer that finds the lock taken sleeps 1, 2, 5, 10, 15,
    20 ... ms before it looks again, so with several gunicorn workers writing, much of the
    time goes to sleeping past the moment the lock was freed (single-rating POSTs ran at
    two thirds of the rate, with a p99 five times as long). Here a thread lock inside the
    process and flock() between processes hand the turn on as soon as the last writer lets
    go. A writer that finds the file locked waits in a blocking flock() (the kernel wakes it
    when the holder unlocks), made by a helper thread so that the wait can end at the busy
    timeout; an earlier version polled every quarter of a millisecond, which cost more CPU
    than the rating's own work. The lock file stays open between turns (LOCK_UN ends one).

    It never waits longer than the busy timeout: past that (a stuck process holding the
    file, say) the writer goes on without its turn and SQLite's own locking decides, as it
    always does. SQLite guards correctness either way; this only makes waiting cheaper.
    """

    def __init__(self, path, timeout):
        self.path = f"{path}-writer.lock"
        self.timeout = timeout
        self._thread_lock = threading.RLock()
        self._depth = 0
        self._fd = None
        self._held = False
        self._waiter = None
        self._local = threading.local()

    def __enter__(self):
        entries = self._local.__dict__.setdefault("entries", [])
        deadline = time.monotonic() + self.timeout
        turn = self._thread_lock.acquire(timeout=self.timeout)
        entries.append(turn)
        if turn:
            self._depth += 1
            if self._depth == 1:
                self._take_file(deadline)
        return self

    def __exit__(self, *exc):
        if self._local.entries.pop():
            if self._depth == 1:
                self._release_file()
            self._depth -= 1
            self._thread_lock.release()
        return False

    def _take_file(self, deadline):
        if self._fd is None:
            try:
                self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            except OSError:  # no lock file (disk full, read-only folder): SQLite's busy handler alone
                return
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            self._held = True
            return
        except BlockingIOError:
            pass
        except OSError:
            self._forget_file()
            return
        if self._waiter is None:
            self._waiter = _FileWaiter()
        granted = self._waiter.wait(self._fd, deadline - time.monotonic())
        if granted is None:  # past the deadline: the helper keeps the file and closes it once it gets it
            self._fd = None
        else:
            self._held = granted

    def _release_file(self):
        if self._held:
            self._held = False
            try:
                fcntl.flock(self._fd, fcntl.LOCK_UN)
            except OSError:
                self._forget_file()

    def _forget_file(self):
        if self._fd is not None:
            os.close(self._fd)  # closing the file drops its flock too
            self._fd = None


class _FileWaiter:
    """A daemon thread that waits in a blocking flock() for the writer whose turn is next.

    wait() answers True when the lock is taken, False when flock failed (go on without the
    turn), None at the timeout: then the request is abandoned and, should the flock succeed
    later, the helper closes that file, which frees the lock again at once.
    """

    def __init__(self):
        self._requests = queue.SimpleQueue()
        threading.Thread(target=self._run, name="writer-lock-wait", daemon=True).start()

    def wait(self, fd, timeout):
        request = _LockRequest(fd)
        self._requests.put(request)
        if request.done.acquire(timeout=max(0.0, timeout)):
            return request.granted
        with request.guard:
            if request.finished:
                return request.granted
            request.abandoned = True
        return None

    def _run(self):
        while True:
            request = self._requests.get()
            try:
                fcntl.flock(request.fd, fcntl.LOCK_EX)
                granted = True
            except OSError:
                granted = False
            with request.guard:
                if request.abandoned:
                    os.close(request.fd)
                else:
                    request.granted, request.finished = granted, True
                    request.done.release()


class _LockRequest:
    """One wait handed to the helper. `done` is a lock taken at birth and released by the
    helper: waiting on it is one futex in C, where an Event is a Condition in Python, run
    twice per contended commit by threads that then fight for the GIL."""
    __slots__ = ("fd", "done", "guard", "granted", "finished", "abandoned")

    def __init__(self, fd):
        self.fd, self.done, self.guard = fd, threading.Lock(), threading.Lock()
        self.done.acquire()
        self.granted, self.finished, self.abandoned = False, False, False


_writer_locks = {}
_writer_locks_guard = threading.Lock()


def writer_lock(path, timeout=5.0):
    """This process's WriterLock for the database at `path` (None for an in-memory one)."""
    path = str(path)
    if path == ":memory:" or path.startswith("file:") or not path:
        return None
    key = (os.getpid(), os.path.abspath(path))  # a forked child never shares its parent's lock
    with _writer_locks_guard:
        lock = _writer_locks.get(key)
        if lock is None:
            lock = _writer_locks[key] = WriterLock(key[1], timeout)
        return lock


# SQLite copies the WAL into the database file (a checkpoint, ending in an fsync) inside the
# commit that takes the WAL past `wal_autocheckpoint` pages, 1,000 by default: about one web
# tap in a hundred waited 5-15 ms for it while holding the writers' turn, and every writer
# queued behind it. A server's background job checkpoints instead (checkpoint_wal, every
# CHECKPOINT_SECONDS), so commits only append to the WAL; connections keep a far higher
# threshold (40 MB of pages) for when no job runs: a command, or an app a test drives.
WAL_AUTOCHECKPOINT_PAGES = 10_000
CHECKPOINT_SECONDS = 0.5


def checkpoint_wal(db):
    """Copy the WAL's committed pages into the database file without waiting for anyone
    (SQLite's PASSIVE checkpoint: readers and writers go on); (busy, frames, frames copied)."""
    return tuple(db.conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone())


def connect(path, busy_timeout_ms=5000, synchronous="FULL"):
    """Open the SQLite file with the pragmas every connection needs."""
    conn = sqlite3.connect(str(path), timeout=busy_timeout_ms / 1000, check_same_thread=False)
    db = sqlite_utils.Database(conn, execute_plugins=False)
    db.writer_lock = writer_lock(path, busy_timeout_ms / 1000)
    conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
    conn.execute("PRAGMA foreign_keys = ON")
    if synchronous.upper() not in {"OFF", "NORMAL", "FULL", "EXTRA"}:
        raise ValueError(f"SQLITE_SYNCHRONOUS must be OFF, NORMAL, FULL or EXTRA, not {synchronous!r}")
    conn.execute(f"PRAGMA synchronous = {synchronous.upper()}")
    conn.execute(f"PRAGMA wal_autocheckpoint = {WAL_AUTOCHECKPOINT_PAGES}")
    return db


def connect_app(app):
    return connect(app.config["DATABASE"], app.config["BUSY_TIMEOUT_MS"], app.config["SQLITE_SYNCHRONOUS"])


def get_db():
    """This thread's connection, opened once and kept.

    Opening and closing a connection per request costs ~10 ms here: when the last
    connection to a WAL database closes, SQLite checkpoints and deletes the WAL, and the
    next write has to create and sync it again. So each worker thread keeps its own.
    """
    if "db" not in g:
        local = current_app.extensions["db_local"]
        if getattr(local, "db", None) is None:
            local.db = connect_app(current_app)
        g.db = local.db
    return g.db


def end_request(_error=None):
    """Never leave a transaction open on a kept connection (a view that raised mid-write)."""
    db = g.pop("db", None)
    if db is not None and db.conn.in_transaction:
        db.conn.rollback()


@contextlib.contextmanager
def write_transaction(db):
    """A transaction that takes the write lock up front.

    sqlite-utils' atomic() starts a deferred transaction; two writers that both read
    first then deadlock on the upgrade and one fails at once with "database is locked",
    busy timeout or not. BEGIN IMMEDIATE waits for the lock instead.
    """
    if db.conn.in_transaction:
        with db.atomic():
            yield db
        return
    with db_writer_lock(db):
        db.conn.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            db.conn.rollback()
            raise
        db.conn.execute("COMMIT")


MARKERS = ("database_id", "offices_version", "kiosks_version")
# meta's change markers as columns of a caller's own query, in MARKERS' order (markers_from
# makes them change_markers' dict): a request that reads anyway reads them with it.
MARKER_COLUMNS = ", ".join(f"(SELECT value FROM meta WHERE key = '{key}')" for key in MARKERS)


def change_markers(db):
    """meta's change markers in one read: {"database_id", "offices_version", "kiosks_version"}.

    Each process keeps what they guard in memory (the office tree, kiosk token lookups) and
    compares these on every use; one query serves both on the request path."""
    return markers_from(db.conn.execute(f"SELECT {MARKER_COLUMNS}").fetchone())


def markers_from(values):
    """The markers dict from MARKER_COLUMNS' values (a marker not set yet is left out)."""
    return {key: value for key, value in zip(MARKERS, values, strict=True) if value is not None}


def db_writer_lock(db):
    """The WriterLock of a connection made by connect(), or a no-op for any other."""
    return getattr(db, "writer_lock", None) or contextlib.nullcontext()


def migrate_app(app):
    db = connect_app(app)
    try:
        migrate(db, app.extensions["components"])
    finally:
        db.close()


def migrate(db, components=None):
    """Apply every pending migration (the core's, each component's, the core's adopted ones) under one write
    lock, so concurrent starts are safe. `components` defaults to the server's list."""
    if components is None:
        from server.components import load
        components = load()
    db.conn.execute("PRAGMA journal_mode = WAL")
    with write_transaction(db):
        for migrations in schema.migration_sets(components):
            migrations.apply(db)
        # The channels ratings may be stored under (schema m009's triggers check them).
        # Only ever added: ratings of a channel stay valid if a later build leaves it out.
        db.conn.executemany("INSERT OR IGNORE INTO rating_channels (channel) VALUES (?)",
                            [(channel,) for channel in channels_of(components)])


@click.command("init-db")
@with_appcontext
def init_db_command():
    """Create the database or bring its schema up to date; safe to re-run.

    Example: flask --app server init-db
    """
    migrate(get_db(), current_app.extensions["components"])
    click.echo(f"Database ready at {current_app.config['DATABASE']}")


# The largest id SQLite can store: a bigger one in a URL cannot name a row.
MAX_ROWID = 2**63 - 1


class RowIdConverter(IntegerConverter):
    """`<int:...>` in every route: an id past SQLite's integers is 404, not an OverflowError."""

    def __init__(self, map, fixed_digits=0, min=None, max=MAX_ROWID, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def row_id(text):
    """A query parameter as a row id, or None when it cannot be one (not a number, or too big)."""
    if text is None or not text.isascii() or not text.isdigit() or len(text) > 19 or int(text) > MAX_ROWID:
        return None
    return int(text)


def init_app(app):
    # Before any blueprint adds its routes: they pick the converter up when they are added.
    app.url_map.converters["int"] = RowIdConverter
    app.extensions["db_local"] = threading.local()
    app.teardown_appcontext(end_request)
    app.cli.add_command(init_db_command)
