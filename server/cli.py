"""The command line, as Flask commands: `flask --app server office|kiosk|user|staff ...`."""

import datetime as dt
import functools

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from server import accounts, audit, demo, offices, reorganisation
from server.db import get_db, write_transaction
from server.timeutil import local_today


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
@click.option("--effective", callback=_date, help="First local date (YYYY-MM-DD) the office works (default today).")
@friendly_errors
def office_add(code, name, parent, kind, effective):
    """Add an office.

    Example: flask --app server office add GN-NT "UBND phường Nghĩa Trung" --parent GN --kind ward
    """
    db = get_db()
    opened = (effective or local_today(current_app.extensions["timezone"])).isoformat()
    with write_transaction(db):
        office_id = offices.add_office(db, code, name, parent, kind, opened)
        audit.record(db, audit.cli_actor(), "office.add", f"office:{code.upper()}",
                     audit.cli_details(name=name, parent=parent.upper() if parent else None, kind=kind,
                                       effective=opened), office_id)
    click.echo(f"Added office {code.upper()}")


def _change(action, code, details, record):
    """Record one reorganisation with its audit entry, then move the stored ratings it covers."""
    db = get_db()
    with write_transaction(db):
        result = record(db)
        audit.record(db, audit.cli_actor(), action, f"office:{code.upper()}", audit.cli_details(**details),
                     offices.office_by_code(db, code.upper())["id"])
    report = reorganisation.reattribute(db)
    return result, report


def _effective_option(command):
    return click.option("--effective", required=True, callback=_date,
                        help="First local date (YYYY-MM-DD) of the change; may be in the past.")(command)


@office_cli.command("merge")
@click.argument("old")
@click.argument("new")
@_effective_option
@friendly_errors
def office_merge(old, new, effective):
    """Merge OLD into NEW from a date: ratings of OLD from that day count for NEW.

    Ratings already stored for OLD from that day on (a merger recorded late) are moved to
    NEW with their rollups. Reports with structure=current count all of OLD's ratings under
    NEW; with structure=historical those before the date stay under OLD.

    Example: flask --app server office merge DM-DL DM-TT --effective 2025-07-01
    """
    _, report = _change("office.merge", old,
                        {"into": new.upper(), "effective": effective.isoformat()},
                        lambda db: reorganisation.merge(db, old, new, effective, audit.cli_actor()))
    click.echo(f"Merged {old.upper()} into {new.upper()} from {effective.isoformat()}; {report}")


@office_cli.command("move")
@click.argument("code")
@click.option("--parent", required=True, help="Code of the new parent office.")
@_effective_option
@friendly_errors
def office_move(code, parent, effective):
    """Put an office under another parent from a date (as communes went under the province
    when the districts were abolished); historical reports keep the old parent before it.

    Example: flask --app server office move DM-DSK --parent LDG --effective 2025-07-01
    """
    _, report = _change("office.move", code,
                        {"parent": parent.upper(), "effective": effective.isoformat()},
                        lambda db: reorganisation.move(db, code, parent, effective, audit.cli_actor()))
    click.echo(f"Moved {code.upper()} under {parent.upper()} from {effective.isoformat()}; {report}")


@office_cli.command("rename")
@click.argument("code")
@click.argument("name")
@_effective_option
@friendly_errors
def office_rename(code, name, effective):
    """Rename an office from a date; historical reports of earlier periods keep the old name.

    Example: flask --app server office rename DM-TT "UBND thị trấn Đắk Mil" --effective 2025-07-01
    """
    _change("office.rename", code, {"name": name, "effective": effective.isoformat()},
            lambda db: reorganisation.rename(db, code, name, effective, audit.cli_actor()))
    click.echo(f"Renamed {code.upper()} to {name} from {effective.isoformat()}")


@office_cli.command("close")
@click.argument("code")
@_effective_option
@friendly_errors
def office_close(code, effective):
    """Close an office without a successor from a date: its kiosks are refused (403) from then on.

    Example: flask --app server office close DM --effective 2025-07-01
    """
    later, _ = _change("office.close", code, {"effective": effective.isoformat()},
                       lambda db: reorganisation.close(db, code, effective, audit.cli_actor()))
    click.echo(f"Closed {code.upper()} from {effective.isoformat()}"
               + (f"; {later:,} ratings stored for days after it stay under {code.upper()}" if later else ""))


@office_cli.command("history")
@click.argument("code")
@friendly_errors
def office_history(code):
    """Print an office's changes by effective date, with when they were recorded.

    Example: flask --app server office history DM
    """
    for entry in reorganisation.history(get_db(), code):
        late = "  (recorded late)" if entry["late"] else ""
        moved = f"; moved {entry['moved']:,} ratings" if entry["moved"] else ""
        pending = "; re-attribution pending" if entry["pending"] else ""
        by = f" by {entry['recorded_by']}" if entry["recorded_by"] else ""
        click.echo(f"{entry['effective']}  {entry['change']:<10} {entry['text']}{moved}{pending}"
                   f"  [recorded {entry['recorded_at'][:10]}{by}]{late}")


@office_cli.command("reattribute")
@friendly_errors
def office_reattribute():
    """Finish moving stored ratings for changes whose run was interrupted.

    Example: flask --app server office reattribute
    """
    click.echo(str(reorganisation.reattribute(get_db())).capitalize())


@office_cli.command("list")
def office_list():
    """List offices with their parent and any merger or closing.

    Example: flask --app server office list
    """
    for row in offices.list_offices(get_db()):
        merged = f"  merged into {row['merged_into']} on {row['merged_at']}" if row["merged_into"] else ""
        closed = f"  closed after {row['active_to']}" if row["active_to"] and not row["merged_into"] else ""
        click.echo(f"{row['code']:<12} {row['kind']:<9} {row['parent'] or '-':<12} {row['name']}{merged}{closed}")


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


@kiosk_cli.command("move")
@click.argument("kiosk_id", type=int)
@click.option("--office", required=True, help="Code of the office the kiosk now stands in.")
@click.option("--counter", required=True, help="Counter label there, created if new.")
@_effective_option
@friendly_errors
def kiosk_move(kiosk_id, office, counter, effective):
    """Carry a kiosk to a counter of another office from a date (its token stays valid).

    Ratings it gave from that day on are re-attributed to the new office and counter.

    Example: flask --app server kiosk move 12 --office LDG-DMIL --counter "Quầy 1" --effective 2025-07-01
    """
    db = get_db()
    with write_transaction(db):
        reorganisation.move_kiosk(db, kiosk_id, office, counter, effective, audit.cli_actor())
        audit.record(db, audit.cli_actor(), "kiosk.move", f"kiosk:{kiosk_id}",
                     audit.cli_details(office=office.upper(), counter=counter, effective=effective.isoformat()),
                     offices.office_by_code(db, office.upper())["id"])
    report = reorganisation.reattribute(db)
    click.echo(f"Kiosk {kiosk_id} at {office.upper()} / {counter} from {effective.isoformat()}; {report}")


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
@click.option("--days", default=730, show_default=True, help="Days of history, ending on --end.")
@click.option("--ratings", type=int, default=None, help="Number of ratings (default: the DEMO_RATINGS setting).")
@click.option("--seed", default=2025, show_default=True, help="Random seed: the same seed gives the same data.")
@click.option("--end", callback=_date, help="Last day of ratings, YYYY-MM-DD (default: yesterday).")
@click.option("--if-empty", is_flag=True, help="Do nothing if the database already has offices.")
@with_appcontext
@friendly_errors
def seed_demo(days, ratings, seed, end, if_empty):
    """Fill an empty database with the demo: Đắk Nông until 30 June 2025, the new Lâm Đồng after.

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
