"""Twilio's webhooks: incoming messages (answered with TwiML) and delivery status reports.

Both are form-encoded and signed: `X-Twilio-Signature` must be Twilio's signature of
PUBLIC_BASE_URL + the path (+ query) and the form fields, or the request gets 403 and
changes nothing. Neither body is ever logged.
"""

from flask import Blueprint, Response, abort, current_app, request
from werkzeug.datastructures import ImmutableMultiDict

from server import forms
from server.db import get_db, row_id
from server.timeutil import utcnow
from sms import gateway

bp = Blueprint("sms_twilio", __name__, url_prefix="/sms/twilio")
_TWIML = "text/xml; charset=utf-8"  # what mimetype="text/xml" makes, without working it out per message


class _Fields(ImmutableMultiDict):
    """The form's fields; `getall` is what Twilio's RequestValidator asks a dict for first
    (without it, it raises and catches AttributeError for every field before getlist)."""

    def getall(self, key):
        return self.getlist(key)


def _form():
    """The request's form fields, a urlencoded body read in one read (server.forms), held
    where Twilio's validator looks for them first."""
    forms.read_urlencoded(request, _Fields)
    return request.form


def _signed_form():
    """The request's form fields, or 403 unless Twilio signed them."""
    signature = request.headers.get("X-Twilio-Signature", "")
    query = request.query_string.decode("latin-1")
    form = _form()
    if not gateway.valid_signature(current_app.config, request.path, query, form, signature):
        abort(403, "missing or invalid X-Twilio-Signature")
    return form


@bp.post("/inbound")
def inbound():
    form = _signed_form()
    message_sid = form.get("MessageSid") or form.get("SmsSid")
    sender = form.get("From")
    if not message_sid or not sender:
        abort(400, "MessageSid and From are required")
    channel = current_app.extensions["sms"]
    reply = channel.receive(get_db(), message_sid, sender, form.get("Body", ""), utcnow(),
                            run=current_app.extensions["group_commit"].run)
    return Response(gateway.twiml(reply), content_type=_TWIML)


@bp.post("/status")
def status():
    form = _signed_form()
    message_id = row_id(request.args.get("m"))
    if request.args.get("m") is not None and message_id is None:
        abort(404, "m: no such message")  # an id SQLite cannot even hold
    message_sid = form.get("MessageSid") or form.get("SmsSid")
    if not message_sid and message_id is None:
        abort(400, "MessageSid is required")
    error_code = row_id(form.get("ErrorCode") or None)
    if form.get("ErrorCode") and error_code is None:
        abort(400, "ErrorCode: must be a Twilio error code (a whole number)")
    channel = current_app.extensions["sms"]
    channel.status_report(get_db(), message_id, message_sid, form.get("MessageStatus") or form.get("SmsStatus"),
                          error_code, utcnow())
    return Response(status=204)
