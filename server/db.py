"""The database connection: one per request, cached on `g`, closed on teardown."""

import contextlib
import sqlite3
import threading

import click
import sqlite_utils
from flask import current_app, g
from flask.cli import with_appcontext

from server import schema


def connect(path, busy_timeout_ms=5000, synchronous="FULL"):
    """Open the SQLite file with the pragmas every connection needs."""
    conn = sqlite3.connect(str(path), timeout=busy_timeout_ms / 1000, check_same_thread=False)
    db = sqlite_utils.Database(conn, execute_plugins=False)
    conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
    conn.execute("PRAGMA foreign_keys = ON")
    if synchronous.upper() not in {"OFF", "NORMAL", "FULL", "EXTRA"}:
        raise ValueError(f"SQLITE_SYNCHRONOUS must be OFF, NORMAL, FULL or EXTRA, not {synchronous!r}")
    conn.execute(f"PRAGMA synchronous = {synchronous.upper()}")
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
    db.conn.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        db.conn.rollback()
        raise
    db.conn.execute("COMMIT")


def migrate_app(app):
    db = connect_app(app)
    try:
        migrate(db)
    finally:
        db.close()


def migrate(db):
    """Apply every pending migration under one write lock, so concurrent starts are safe."""
    db.conn.execute("PRAGMA journal_mode = WAL")
    with write_transaction(db):
        for migrations in schema.migration_sets():
            migrations.apply(db)


@click.command("init-db")
@with_appcontext
def init_db_command():
    """Create the database or bring its schema up to date; safe to re-run.

    Example: flask --app server init-db
    """
    migrate(get_db())
    click.echo(f"Database ready at {current_app.config['DATABASE']}")


def init_app(app):
    app.extensions["db_local"] = threading.local()
    app.teardown_appcontext(end_request)
    app.cli.add_command(init_db_command)
