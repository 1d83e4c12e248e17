"""The command line, as Flask commands: `flask --app server office|kiosk|user|staff ...`."""

import datetime as dt
import functools

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from server import accounts, audit, demo, offices
from server.db import get_db, write_transaction


def friendly_errors(command):
    """Turn the domain's errors into one clear line and a non-zero exit."""
    @functools.wraps(command)
    def wrapped(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except accounts.AccountError as problem:
            raise click.ClickException(f"{OPTIONS.get(problem.field, problem.field)}: {problem}") from None
        except (offices.OfficeError, ValueError) as problem:
            raise click.ClickException(str(problem)) from None
    return wrapped


# The option or argument of `user add` that each account rule is about.
OPTIONS = {"username": "NAME", "role": "--role", "office": "--office", "password": "--password"}


def _date(_ctx, _param, value):
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date as YYYY-MM-DD") from None


office_cli = AppGroup("office", help="Manage offices (one-stop shops and centres).")


@office_cli.command("add")
@click.argument("code")
@click.argument("name")
@click.option("--parent", help="Code of the parent office.")
@click.option("--kind", type=click.Choice(offices.KINDS), default="commune", show_default=True)
@friendly_errors
def office_add(code, name, parent, kind):
    """Add an office.

    Example: flask --app server office add GN-NT "UBND phường Nghĩa Trung" --parent GN --kind ward
    """
    db = get_db()
    with write_transaction(db):
        office_id = offices.add_office(db, code, name, parent, kind, dt.date.today().isoformat())
        audit.record(db, audit.cli_actor(), "office.add", f"office:{code.upper()}",
                     audit.cli_details(name=name, parent=parent.upper() if parent else None, kind=kind), office_id)
    click.echo(f"Added office {code.upper()}")


@office_cli.command("merge")
@click.argument("old")
@click.argument("new")
@click.option("--effective", required=True, callback=_date, help="First local date (YYYY-MM-DD) of the merger.")
@friendly_errors
def office_merge(old, new, effective):
    """Merge OLD into NEW from a date: later ratings of OLD count for NEW.

    Reports with structure=current count all of OLD's ratings under NEW; with
    structure=historical they stay under OLD.

    Example: flask --app server office merge DM-DL DM-TT --effective 2025-07-01
    """
    db = get_db()
    with write_transaction(db):
        offices.merge_office(db, old, new, effective)
        audit.record(db, audit.cli_actor(), "office.merge", f"office:{old.upper()}",
                     audit.cli_details(into=new.upper(), effective=effective.isoformat()),
                     offices.office_by_code(db, old.upper())["id"])
    click.echo(f"Merged {old.upper()} into {new.upper()} from {effective.isoformat()}")


@office_cli.command("list")
def office_list():
    """List offices with their parent and any merger.

    Example: flask --app server office list
    """
    for row in offices.list_offices(get_db()):
        merged = f"  merged into {row['merged_into']} on {row['merged_at']}" if row["merged_into"] else ""
        click.echo(f"{row['code']:<12} {row['kind']:<9} {row['parent'] or '-':<12} {row['name']}{merged}")


staff_cli = AppGroup("staff", help="Manage counter officers.")


@staff_cli.command("add")
@click.argument("code")
@click.argument("name")
@click.option("--office", required=True, help="Code of the officer's office.")
@click.option("--counter", help="Put the officer on duty at this counter of the office.")
@friendly_errors
def staff_add(code, name, office, counter):
    """Add an officer, optionally on duty at a counter.

    Example: flask --app server staff add CB001 "Nguyễn Văn An" --office GN --counter "Quầy 1"
    """
    db = get_db()
    with write_transaction(db):
        offices.add_staff(db, code, name, office, counter)
        audit.record(db, audit.cli_actor(), "staff.add", f"staff:{code}",
                     audit.cli_details(name=name, office=office.upper(), counter=counter),
                     offices.office_by_code(db, office.upper())["id"])
    click.echo(f"Added officer {code}")


kiosk_cli = AppGroup("kiosk", help="Manage counter kiosks and their tokens.")


@kiosk_cli.command("add")
@click.argument("office")
@click.option("--counter", required=True, help="Counter label, created if new.")
@click.option("--pairing-code", is_flag=True,
              help="Print a short one-time code (valid 24 hours) instead of the token; "
                   "the kiosk exchanges it with: python -m kiosk --server URL --pair CODE")
@friendly_errors
def kiosk_add(office, counter, pairing_code):
    """Add a kiosk at a counter and print its token, or a pairing code (last line, shown once).

    Example: flask --app server kiosk add GN --counter "Quầy 1" --pairing-code
    """
    db = get_db()
    with write_transaction(db):
        kiosk_id, token, code = offices.add_kiosk(db, office, counter, with_pairing_code=pairing_code)
        audit.record(db, audit.cli_actor(), "kiosk.add", f"kiosk:{kiosk_id}",
                     audit.cli_details(office=office.upper(), counter=counter, with_pairing_code=pairing_code),
                     offices.office_by_code(db, office.upper())["id"])
    if pairing_code:
        click.echo(f"Kiosk {kiosk_id} added at {office.upper()} / {counter}. "
                   "Its pairing code (one use, valid 24 hours):")
        click.echo(code)
        return
    click.echo(f"Kiosk {kiosk_id} added at {office.upper()} / {counter}. Its token (shown once):")
    click.echo(token)


@kiosk_cli.command("revoke")
@click.argument("kiosk_id", type=int)
@friendly_errors
def kiosk_revoke(kiosk_id):
    """Revoke a kiosk's token: its next request gets 401.

    Example: flask --app server kiosk revoke 3
    """
    db = get_db()
    with write_transaction(db):
        offices.revoke_kiosk(db, kiosk_id)
        audit.record(db, audit.cli_actor(), "kiosk.revoke", f"kiosk:{kiosk_id}", audit.cli_details(),
                     db.execute("SELECT office_id FROM kiosks WHERE id = ?", [kiosk_id]).fetchone()[0])
    click.echo(f"Kiosk {kiosk_id} revoked")


@kiosk_cli.command("list")
def kiosk_list():
    """List kiosks with their office, counter and last heartbeat.

    Example: flask --app server kiosk list
    """
    for row in offices.list_kiosks(get_db()):
        state = f"revoked {row['revoked_at']}" if row["revoked_at"] else f"last seen {row['last_seen_at'] or 'never'}"
        click.echo(f"{row['id']:>4}  {row['office']:<12} {row['counter']:<16} {state}")


user_cli = AppGroup("user", help="Manage dashboard and API users.")


@user_cli.command("add")
@click.argument("name")
@click.option("--role", required=True, type=click.Choice(accounts.ROLES))
@click.option("--office", help="Code of the office whose subtree the user may see (required unless admin).")
@click.option("--password", required=True, help="At least 8 characters.")
@friendly_errors
def user_add(name, role, office, password):
    """Add a user with a role and an office scope.

    Example: flask --app server user add nguyen.an --role supervisor --office GN --password 'S3cret-pass'
    """
    db = get_db()
    with write_transaction(db):
        office_id = offices.office_by_code(db, office.upper())["id"] if office else None
        accounts.add_user(db, name, role, office_id, password)
        audit.record(db, audit.cli_actor(), "user.add", f"user:{name}",
                     audit.cli_details(role=role, office=office.upper() if office else None), office_id)
    click.echo(f"Added {role} {name}")


@user_cli.command("token")
@click.argument("name")
@friendly_errors
def user_token(name):
    """Create an API token for a user and print it (last line, shown once).

    Example: flask --app server user token nguyen.an
    """
    db = get_db()
    with write_transaction(db):
        user = accounts.user(db, username=name, active_only=True)
        if user is None:
            raise click.ClickException(f"no active user named {name}")
        token_id, token = accounts.create_token(db, user["id"])
        audit.record(db, audit.cli_actor(), "token.create", f"user:{name}", audit.cli_details(token_id=token_id),
                     user["office_id"])
    click.echo(f"API token for {name} (shown once):")
    click.echo(token)


@click.command("seed-demo")
@click.option("--days", default=365, show_default=True, help="Days of history, ending today.")
@click.option("--ratings", type=int, default=None, help="Number of ratings (default: the DEMO_RATINGS setting).")
@click.option("--seed", default=2025, show_default=True, help="Random seed: the same seed gives the same data.")
@click.option("--end", callback=_date, help="Last day of ratings, YYYY-MM-DD (default: yesterday).")
@click.option("--if-empty", is_flag=True, help="Do nothing if the database already has offices.")
@with_appcontext
@friendly_errors
def seed_demo(days, ratings, seed, end, if_empty):
    """Fill an empty database with the Đắk Nông demo province.

    Example: flask --app server seed-demo --days 365 --ratings 100000 --seed 7
    """
    db = get_db()
    if list(db.query("SELECT 1 FROM offices LIMIT 1")):
        if if_empty:
            click.echo("Database already has offices; demo not seeded.")
            return
        raise click.ClickException("the database already has offices; seed the demo into a new database")
    count = ratings if ratings is not None else current_app.config["DEMO_RATINGS"]
    if days < 1 or count < 0:
        raise click.ClickException("--days must be at least 1 and --ratings not negative")
    summary = demo.seed(db, current_app.extensions["ingest"], days=days, ratings=count, seed=seed, end=end,
                        progress=click.echo)
    click.echo(summary)
    for component in current_app.extensions["components"]:
        extra = component.call("demo", current_app, db, seed, end)
        if extra:
            click.echo(extra)


def init_app(app):
    for command in (office_cli, staff_cli, kiosk_cli, user_cli, seed_demo):
        app.cli.add_command(command)
    from server import maintenance_cli
    maintenance_cli.init_app(app)
