"""`flask --app server sms ...`: send what is due (cron), read the outbox, play the citizen."""

import re
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


RECEIPTS = ("delivered", "undelivered", "none")
UNREACHABLE_HANDSET = 30003  # Twilio's error for an undelivered text


@sms_cli.command("simulate")
@click.option("--from", "sender", required=True, help="The citizen's phone number.")
@click.option("--url", help="Where the server listens (default: the PUBLIC_BASE_URL setting).")
@click.option("--receipt", type=click.Choice(RECEIPTS), default="delivered", show_default=True,
              help="First post Twilio's status reports (queued, sent, then this) for outbox texts to that number.")
@click.argument("text")
def simulate(sender, url, receipt, text):
    """Play Twilio for the running server: report the outbox texts to a number delivered,
    then send TEXT from it (a signed webhook) and print the reply.

    Example: flask --app server sms simulate --from "0912 345 678" "4"
    """
    config = current_app.config
    try:
        number = phones.normalise(sender)
    except phones.PhoneError as problem:
        raise click.ClickException(f"--from {problem}") from None
    base = (url or config["PUBLIC_BASE_URL"]).rstrip("/")
    account = config["TWILIO_ACCOUNT_SID"] or "AC" + "0" * 32
    our_number = config["TWILIO_FROM"] or "+15005550006"
    if receipt != "none":
        reported = 0
        for message in storage.awaiting_receipt(get_db(), number):
            sid = message["twilio_sid"] or "SM" + uuid.uuid4().hex
            for status in ("queued", "sent", receipt):
                params = {"MessageSid": sid, "SmsSid": sid, "MessageStatus": status, "SmsStatus": status,
                          "AccountSid": account, "From": our_number, "To": number, "ApiVersion": "2010-04-01"}
                if status == "undelivered":
                    params["ErrorCode"] = str(UNREACHABLE_HANDSET)
                _post(config, base, "/sms/twilio/status", params, query=f"m={message['id']}")
            reported += 1
        if reported:
            click.echo(f"({reported} outbox text(s) to this number reported {receipt})", err=True)
    params = {"MessageSid": "SM" + uuid.uuid4().hex, "AccountSid": account, "From": number, "To": our_number,
              "Body": text, "NumMedia": "0", "NumSegments": "1", "SmsStatus": "received", "ApiVersion": "2010-04-01"}
    params["SmsMessageSid"] = params["SmsSid"] = params["MessageSid"]
    response = _post(config, base, "/sms/twilio/inbound", params)
    replies = [element.text or "" for element in ElementTree.fromstring(response.text).iter("Message")]
    click.echo("\n".join(replies) if replies else "(no reply)")


def _post(config, base, path, params, query=""):
    """POST form fields to the server signed as Twilio signs them; a failure as one line."""
    path_and_query = path + (f"?{query}" if query else "")
    headers = {"X-Twilio-Signature": gateway.sign(config, path_and_query, params)}
    target = base + path_and_query
    try:
        response = requests.post(target, data=params, headers=headers, timeout=30)
    except requests.RequestException as problem:
        raise click.ClickException(f"cannot reach the server at {target}: {type(problem).__name__}") from None
    if response.status_code == 403:
        raise click.ClickException(
            f"the server refused the signature (403): it was signed for {gateway.public_url(config, path)}, "
            "the server checks its own SATISFACTION_PUBLIC_BASE_URL; set SATISFACTION_PUBLIC_BASE_URL here to "
            "the server's (make run PORT=5101 serves http://127.0.0.1:5101)")
    if response.status_code not in (200, 204):
        raise click.ClickException(f"the server answered {response.status_code}: {_one_line(response.text)}")
    return response


def _one_line(text):
    """An error page as one short line: its text without tags."""
    plain = " ".join(re.sub(r"<[^>]+>", " ", text or "").split())
    return plain[:160] or "(empty)"
