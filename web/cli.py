"""`flask --app server counter link|poster|rotate`: a counter's public rating address."""

import click
from flask import current_app
from flask.cli import AppGroup

from server import audit, offices
from server.cli import friendly_errors
from server.db import get_db, write_transaction
from server.timeutil import utcnow
from web import storage
from web.pages import counter_url
from web.poster import SIZES, poster_pdf
from web.texts import WEB_TEXTS

counter_cli = AppGroup("counter", help="A counter's public rating page: its address and QR poster.")


def counter_code(office_code, label, rotate=False):
    """(office row, counter id, code in use) for OFFICE / LABEL; the counter is created if new."""
    db = get_db()
    with write_transaction(db):
        office = offices.office_by_code(db, office_code.strip().upper())
        if office["merged_into"] is not None:
            raise offices.OfficeError(f"office {office['code']} was merged on {office['merged_at']}; "
                                      "use its successor")
        counter_id = offices.ensure_counter(db, office["id"], label)
        if rotate:
            code = storage.rotate_counter_code(db, counter_id, utcnow())
            audit.record(db, audit.cli_actor(), "counter.rotate_code", f"counter:{counter_id}",
                         audit.cli_details(office=office["code"], counter=label), office["id"])
        else:
            code = storage.ensure_counter_code(db, counter_id, utcnow())
    return office, counter_id, code


@counter_cli.command("link")
@click.argument("office")
@click.option("--counter", required=True, help="Counter label, created if new.")
@friendly_errors
def counter_link(office, counter):
    """Print the counter's public rating address (alone on the last line).

    Example: flask --app server counter link GN --counter "Quầy 1"
    """
    office_row, _, code = counter_code(office, counter)
    click.echo(f"Rating page of {office_row['code']} / {counter.strip()}:")
    click.echo(counter_url(current_app.config, code))


@counter_cli.command("poster")
@click.argument("office")
@click.option("--counter", required=True, help="Counter label, created if new.")
@click.option("--out", required=True, type=click.Path(dir_okay=False, writable=True), help="The PDF to write.")
@click.option("--size", type=click.Choice(sorted(SIZES)), default="A4", show_default=True, help="Paper size.")
@friendly_errors
def counter_poster(office, counter, out, size):
    """Write the counter's QR poster as a PDF.

    Example: flask --app server counter poster GN --counter "Quầy 1" --out quay1.pdf --size A5
    """
    office_row, _, code = counter_code(office, counter)
    url = counter_url(current_app.config, code)
    texts = WEB_TEXTS["vi"]
    with open(out, "wb") as file:
        file.write(poster_pdf(url, office_row["name"], counter.strip(), texts["poster_instruction"],
                              texts["poster_or"], size))
    click.echo(f"Poster for {office_row['code']} / {counter.strip()} written to {out}")
    click.echo(url)


@counter_cli.command("rotate")
@click.argument("office")
@click.option("--counter", required=True, help="Counter label.")
@friendly_errors
def counter_rotate(office, counter):
    """Give the counter a new code; posters with the old one then say it is no longer in use.

    Example: flask --app server counter rotate GN --counter "Quầy 1"
    """
    office_row, _, code = counter_code(office, counter, rotate=True)
    click.echo(f"New rating address of {office_row['code']} / {counter.strip()} (print a new poster):")
    click.echo(counter_url(current_app.config, code))
