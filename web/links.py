"""Rating links for one dossier: made for a dossier system or an SMS invitation.

The URL is the public address + /l/ + a random nonce signed with the server's secret
(itsdangerous): unguessable, and a changed character fails the signature. What the link
is for (office, counter, officer, service, dossier reference) and whether it was used is
kept in `web_links` (web.storage), never in the URL.
"""

import datetime as dt
import secrets

from itsdangerous import BadSignature

from server import scope
from server.offices import load_tree, officer_serves
from server.ratings import MAX_CODE, is_text
from server.timeutil import to_stored
from web import signing, storage

MAX_HOURS = 720
SALT = "web-rating-link"


class LinkError(ValueError):
    def __init__(self, status, message):
        super().__init__(message)
        self.status = status


def signer(secret_key):
    return signing.serializer(secret_key, SALT, timed=False)


def nonce_of(secret_key, token):
    """The nonce a link token signs, or None when the token was changed (any character,
    web.signing) or cut."""
    try:
        nonce = signer(secret_key).loads(token)
    except (BadSignature, UnicodeDecodeError, ValueError):
        return None
    return nonce if isinstance(nonce, str) else None


def link_url(base_url, secret_key, nonce):
    return f"{base_url.rstrip('/')}/l/{signer(secret_key).dumps(nonce)}"


def _text(fields, name, limit=MAX_CODE):
    value = fields.get(name)
    if value is None:
        return None
    if not is_text(value) or not value.strip() or len(value) > limit or "\x00" in value:
        raise LinkError(400, f"{name}: must be a non-empty string of at most {limit} characters")
    return value.strip()


def create_link(db, config, user, fields, now):
    """A link for one rating: (url, expires_at), or LinkError naming the bad field.

    Scoped like invitations: viewers may not, and the office must be in the user's scope.
    Call inside a write transaction.
    """
    office_code = _text(fields, "office", 32)
    if office_code is None:
        raise LinkError(400, "office: is required (an office code)")
    tree = load_tree(db)
    office = tree.by_code.get(office_code.upper())
    if office is None:
        raise LinkError(400, f"office: unknown office code {office_code[:40]!r}")
    if user["role"] == "viewer":
        raise LinkError(403, "viewers cannot make rating links")
    if not scope.may_see(tree, user, office.id):
        raise LinkError(403, f"office {office.code} is outside your scope")
    office = tree.by_id[tree.successor(office.id)]
    counter_id = None
    if (label := _text(fields, "counter")) is not None:
        row = db.execute("SELECT id FROM counters WHERE office_id = ? AND label = ?", [office.id, label]).fetchone()
        if row is None:
            raise LinkError(400, f"counter: office {office.code} has no counter {label[:40]!r}")
        counter_id = row[0]
    staff = _text(fields, "staff")
    if staff is not None:
        row = db.execute("SELECT office_id FROM staff WHERE code = ?", [staff]).fetchone()
        if row is None or not officer_serves(tree, row[0], office.id):
            raise LinkError(400, f"staff: no officer {staff[:40]!r} at office {office.code}")
    hours = fields.get("expires_in_hours", config["WEB_LINK_HOURS"])
    if not isinstance(hours, int | float) or isinstance(hours, bool) or not 0 < hours <= MAX_HOURS:
        raise LinkError(400, f"expires_in_hours: must be a number of hours above 0, at most {MAX_HOURS}")
    expires_at = now + dt.timedelta(hours=hours)
    nonce = secrets.token_urlsafe(16)
    storage.insert_link(db, {
        "nonce": nonce, "office_id": office.id, "counter_id": counter_id, "staff_code": staff,
        "service": _text(fields, "service"), "reference": _text(fields, "reference"), "created_by": user["id"],
        "created_at": to_stored(now), "expires_at": to_stored(expires_at),
    })
    return link_url(config["WEB_BASE_URL"], config["SECRET_KEY"], nonce), to_stored(expires_at)
