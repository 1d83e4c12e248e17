"""`flask --app server sms ...`: send what is due (cron), read the outbox, play the citizen."""

import uuid
import xml.etree.ElementTree as ElementTree

import click
import requests
from flask import current_app
from flask.cli import AppGroup

from server.db import get_db
from sms import gateway, phones, storage
from sms.sender import Sender

sms_cli = AppGroup("sms", help="The SMS channel: sending, the outbox, a simulated citizen.")


@sms_cli.command("send-due")
@click.option("--limit", default=1000, show_default=True, help="Most messages to send in this run.")
def send_due(limit):
    """Send every message that is due, at the configured rate, then erase expired numbers.

    Safe to run from cron next to the server: only one sender sends at a time.

    Example: flask --app server sms send-due
    """
    counts = Sender(current_app.extensions["sms"]).send_due(get_db(), limit=limit)
    if counts.pop("busy", None):
        click.echo("Another sender is sending right now; nothing done.")
        return
    click.echo(", ".join(f"{name} {count}" for name, count in counts.items()))


@sms_cli.command("outbox")
@click.option("--limit", default=20, show_default=True, help="How many of the latest messages to show.")
@click.option("--all", "everything", is_flag=True, help="Also messages that went through Twilio.")
def outbox(limit, everything):
    """Show the latest outgoing messages kept in the outbox (no Twilio account configured).

    Numbers are shown masked.

    Example: flask --app server sms outbox --limit 5
    """
    rows = storage.outbox(get_db(), limit, everything)
    if not rows:
        click.echo("The outbox is empty.")
    for row in rows:
        error = f"  error {row['error_code'] or ''} {row['error_message'] or ''}".rstrip() if row["error_message"] \
            else ""
        click.echo(f"#{row['id']}  {row['created_at']}  {row['purpose']}  to {phones.masked(row['phone'])}  "
                   f"{row['status']}  {row['segments']} segment(s) {row['encoding']}{error}")
        click.echo(f"    {row['body']}")


@sms_cli.command("simulate")
@click.option("--from", "sender", required=True, help="The citizen's phone number.")
@click.option("--url", help="Where the server listens (default: the PUBLIC_BASE_URL setting).")
@click.argument("text")
def simulate(sender, url, text):
    """Send TEXT to the running server as Twilio would (signed webhook) and print the reply.

    Example: flask --app server sms simulate --from "0912 345 678" "4"
    """
    config = current_app.config
    try:
        number = phones.normalise(sender)
    except phones.PhoneError as problem:
        raise click.ClickException(f"--from {problem}") from None
    path = "/sms/twilio/inbound"
    params = {"MessageSid": "SM" + uuid.uuid4().hex, "AccountSid": config["TWILIO_ACCOUNT_SID"] or "AC" + "0" * 32,
              "From": number, "To": config["TWILIO_FROM"] or "+15005550006", "Body": text, "NumMedia": "0",
              "NumSegments": "1", "SmsStatus": "received", "ApiVersion": "2010-04-01"}
    params["SmsMessageSid"] = params["SmsSid"] = params["MessageSid"]
    target = (url or config["PUBLIC_BASE_URL"]).rstrip("/") + path
    headers = {"X-Twilio-Signature": gateway.sign(config, path, params)}
    try:
        response = requests.post(target, data=params, headers=headers, timeout=30)
    except requests.RequestException as problem:
        raise click.ClickException(f"cannot reach the server at {target}: {type(problem).__name__}") from None
    if response.status_code != 200:
        raise click.ClickException(f"the server answered {response.status_code}: {response.text[:200]}")
    replies = [element.text or "" for element in ElementTree.fromstring(response.text).iter("Message")]
    click.echo("\n".join(replies) if replies else "(no reply)")
