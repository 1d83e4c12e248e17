"""`flask --app server dossiers ...`: integration tokens for the dossier system, integrity marks."""

import click
from flask import current_app
from flask.cli import with_appcontext

from server import accounts
from server.db import get_db, write_transaction
from server.timeutil import now_stored


@click.group("dossiers")
def dossiers_cli():
    """The dossier system's link: integration tokens and integrity marks."""


@dossiers_cli.command("integration-token")
@click.argument("username")
@with_appcontext
def integration_token(username):
    """Print a new integration token for USERNAME (a supervisor scoped to the offices whose
    dossiers the system sends, or an admin); POST /api/v1/dossiers/events takes it.

    Example: flask --app server dossiers integration-token motcua-gianghia
    """
    db = get_db()
    row = db.execute("SELECT id, role, disabled FROM users WHERE username = ?", [username]).fetchone()
    if row is None or row[2]:
        raise click.ClickException(f"no enabled user {username!r}; add one with flask user add")
    if row[1] == "viewer":
        raise click.ClickException("a viewer cannot send dossier events: use a supervisor scoped to the offices")
    with write_transaction(db):
        token_id, token = accounts.create_token(db, row[0])
        db["dossier_integrations"].insert({"token_id": token_id, "created_at": now_stored()})
    click.echo(f"Integration token for {username} (shown once):")
    click.echo(token)


@dossiers_cli.command("integrity-check")
@click.option("--days", default=2, show_default=True, help="How many local days back to mark again.")
@with_appcontext
def integrity_check(days):
    """Mark kiosk ratings matched/unmatched against dossier events, outside hours and bursts.

    Example: flask --app server dossiers integrity-check --days 7
    """
    from dossiers import integrity
    counts = integrity.mark_recent(current_app, get_db(), days)
    click.echo(f"{counts['marked']:,} ratings marked, {counts['suspect']:,} suspect")
