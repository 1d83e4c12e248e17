"""Helpers the SMS tests share: an app for the channel, Twilio-signed webhook posts, replies."""

import uuid
import xml.etree.ElementTree as ElementTree

from twilio.request_validator import RequestValidator

from server import create_app
from sms import gateway

PHONE = "0912 345 678"
E164 = "+84912345678"


def make_app(database, **settings):
    config = {"DATABASE": str(database), "SQLITE_SYNCHRONOUS": "NORMAL", "TESTING": True,
              "PUBLIC_BASE_URL": "https://sms.example.gov.vn", "SMS_QUIET_HOURS": ""}
    return create_app({**config, **settings})


def signed_post(client, app, path, params, signature=None, query=""):
    """POST form fields as Twilio does, signed with the token the app checks."""
    url = gateway.public_url(app.config, path) + (f"?{query}" if query else "")
    if signature is None:
        signature = RequestValidator(gateway.signing_token(app.config)).compute_signature(url, params)
    headers = {"X-Twilio-Signature": signature} if signature else {}
    return client.post(path + (f"?{query}" if query else ""), data=params, headers=headers)


def inbound(client, app, body, sender=E164, sid=None):
    """A citizen's SMS arriving through the inbound webhook; returns the response."""
    params = {"MessageSid": sid or "SM" + uuid.uuid4().hex, "AccountSid": "AC" + "0" * 32, "From": sender,
              "To": "+15005550006", "Body": body, "NumMedia": "0", "NumSegments": "1"}
    return signed_post(client, app, "/sms/twilio/inbound", params)


def reply_text(response):
    messages = [m.text for m in ElementTree.fromstring(response.data).iter("Message")]
    return messages[0] if messages else None
