"""Commands for the data's life: `backup`, `restore`, `purge` (retention) and `audit`."""

import json
import os
import time
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from server import audit, maintenance, retention
from server.db import connect_app, get_db, migrate, write_transaction
from server.timeutil import from_stored, utcnow


def _local_now():
    return utcnow().astimezone(current_app.extensions["timezone"])


def _size(path):
    return f"{os.path.getsize(path) / 1e6:,.1f} MB"


@click.command("backup")
@click.argument("path", type=click.Path())  # a str: a trailing "/" says "a folder"
@click.option("--keep", type=click.IntRange(min=1),
              help="Then delete all but the newest N dated backups (satisfaction-*.db) in that folder.")
@with_appcontext
def backup_command(path, keep):
    """Copy the database to PATH while the server keeps running, and check the copy.

    PATH is a file, or a folder (one that exists, or any path ending in /) that gets a
    dated file satisfaction-YYYY-MM-DD-HHMMSS.db (local time). The copy is one
    consistent snapshot (SQLite's online backup) and is kept only if it passes
    PRAGMA integrity_check.

    Example: flask --app server backup /var/backups/satisfaction --keep 14
    """
    started = time.monotonic()
    try:
        copy = maintenance.backup(current_app.config["DATABASE"], path, _local_now(),
                                  current_app.config["BUSY_TIMEOUT_MS"])
        pruned = maintenance.prune(copy.parent, keep) if keep else []
    except (maintenance.MaintenanceError, OSError) as problem:
        raise click.ClickException(str(problem)) from None
    click.echo(f"Backed up to {copy} ({_size(copy)}, integrity ok) in {time.monotonic() - started:.1f} s")
    for old in pruned:
        click.echo(f"Deleted old backup {old.name}")


@click.command("restore")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--no-safety-copy", is_flag=True,
              help="Do not keep the database being replaced (by default it is backed up beside itself first).")
@with_appcontext
def restore_command(path, no_safety_copy):
    """Put the backup at PATH in place of the database. Stop the server first.

    The backup must pass PRAGMA integrity_check. A database that another process has open
    (a running server) is refused. The database being replaced is first copied to
    satisfaction-before-restore-YYYY-MM-DD-HHMMSS.db beside it, unless --no-safety-copy.
    Start the server afterwards: it applies any newer migrations.

    Example: flask --app server restore /var/backups/satisfaction/satisfaction-2026-11-27-023000.db
    """
    target = Path(current_app.config["DATABASE"])
    try:
        maintenance.check_backup(path)
        maintenance.claim_for_restore(target).close()
        safety = None
        if not no_safety_copy and maintenance.holds_data(target):
            name = maintenance.dated_name(_local_now()).replace("satisfaction-", "satisfaction-before-restore-")
            safety = maintenance.backup(target, target.parent / name, _local_now())
            click.echo(f"The database being replaced is kept as {safety}")
        maintenance.restore(path, target, current_app.config["BUSY_TIMEOUT_MS"])
    except (maintenance.MaintenanceError, OSError) as problem:
        raise click.ClickException(str(problem)) from None
    db = connect_app(current_app)
    try:
        migrate(db, current_app.extensions["components"])
        with write_transaction(db):
            audit.record(db, audit.cli_actor(), "database.restore", f"backup:{Path(path).name}",
                         audit.cli_details(safety_copy=safety.name if safety else None))
    finally:
        db.close()
    click.echo(f"Restored {target} from {path} (integrity ok); start the server")


@click.command("purge")
@with_appcontext
def purge_command():
    """Erase personal data past its retention time; ratings and figures stay.

    Free-text comments older than COMMENT_RETENTION_DAYS, SMS phone numbers past
    SMS_NUMBER_RETENTION_HOURS and number hashes past the frequency-cap window, old SMS
    reply records and conversations, failed-login records past the lockout. Prints what
    it removed; safe to run at any time (systemd runs it daily).

    Example: flask --app server purge
    """
    db = get_db()
    try:
        removed = retention.purge_everything(current_app, db, utcnow())
    except ValueError as problem:
        raise click.ClickException(str(problem)) from None
    with write_transaction(db):
        audit.record(db, audit.cli_actor(), "retention.purge", None,
                     audit.cli_details(**{key: count for key, _, count in removed}))
    for _, what, count in removed:
        click.echo(f"{count:>9,}  {what}")


@click.command("audit")
@click.option("--limit", type=click.IntRange(min=1), default=50, show_default=True, help="How many entries.")
@click.option("--action", help="Only this action, e.g. kiosk.revoke.")
@click.option("--actor", help="Only this actor, e.g. admin or cli:root.")
@with_appcontext
def audit_command(limit, action, actor):
    """Print the audit log of admin actions, newest first.

    Example: flask --app server audit --limit 20 --action office.merge
    """
    timezone = current_app.extensions["timezone"]
    for entry in audit.entries(get_db(), action=action, actor=actor, limit=limit):
        at = from_stored(entry["at"]).astimezone(timezone)
        details = json.dumps(entry["details"], ensure_ascii=False) if entry["details"] else ""
        click.echo(f"{at:%Y-%m-%d %H:%M:%S}  {entry['actor']:<16} {entry['action']:<17} "
                   f"{entry['target'] or '-':<20} {details}".rstrip())


def init_app(app):
    for command in (backup_command, restore_command, purge_command, audit_command):
        app.cli.add_command(command)
