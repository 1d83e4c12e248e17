"""Secrets: passwords hashed with argon2, tokens stored as SHA-256 of a random value.

Tokens carry 256 random bits, so a fast hash is enough to make a stolen database useless
for calling the API, and checking one costs microseconds on every kiosk request; argon2's
deliberate slowness is for guessable secrets, which only passwords are.
"""

import hashlib
import secrets
import threading

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()

KIOSK_PREFIX = "kt_"
USER_PREFIX = "ut_"


def hash_password(password):
    return _hasher.hash(password)


def check_password(password_hash, password):
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def new_token(prefix):
    return prefix + secrets.token_urlsafe(32)


def token_hash(token):
    return hashlib.sha256(token.encode()).hexdigest()


def bearer_token(request):
    """The token of an `Authorization: Bearer ...` header, or None."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def kiosk_for_token(db, token, markers=None):
    """The active kiosk row a token belongs to, or None (unknown or revoked).

    Looked up once per process and kept while meta's `kiosks_version` stays the same: every
    change that can alter the answer (revoking, re-pairing or moving a kiosk, relabelling its
    counter or changing its officer) sets a new value in the same transaction (core
    migration m011's triggers), and the value is read on every call, so a revoked token is
    refused at the next request in every process. Only found kiosks are kept: unknown
    tokens cost a lookup each time and cannot fill the memory. `markers`: what
    server.db.change_markers(db) just read, when the caller has it.
    """
    if not token or not token.startswith(KIOSK_PREFIX):
        return None
    meta = markers if markers is not None else _change_markers(db)
    version = (meta.get("database_id"), meta.get("kiosks_version"))
    hashed = token_hash(token)
    with _kiosks_lock:
        if _kiosks["version"] != version:
            _kiosks["version"], _kiosks["rows"] = version, {}
        found = _kiosks["rows"].get(hashed)
    if found is not None:
        return dict(found)
    rows = db.execute(
        """SELECT k.id, k.office_id, k.counter_id, c.label AS counter_label, c.staff_id
           FROM kiosks k JOIN counters c ON c.id = k.counter_id
           WHERE k.token_hash = ? AND k.revoked_at IS NULL""",
        [hashed],
    ).fetchall()
    if not rows:
        return None
    found = dict(zip(("id", "office_id", "counter_id", "counter_label", "staff_id"), rows[0], strict=True))
    with _kiosks_lock:
        # Kept only if nothing changed since the version was read (the row was read after it).
        if _kiosks["version"] == version and len(_kiosks["rows"]) < MAX_KEPT_KIOSKS:
            _kiosks["rows"][hashed] = found
    return dict(found)


MAX_KEPT_KIOSKS = 100_000
_kiosks = {"version": None, "rows": {}}
_kiosks_lock = threading.Lock()


def _change_markers(db):
    from server.db import change_markers  # server.db loads Flask; this module stays light
    return change_markers(db)


def user_for_token(db, token):
    """The enabled user an API token belongs to, or None; records the token's last use."""
    if not token or not token.startswith(USER_PREFIX):
        return None
    rows = db.execute(
        """SELECT u.id, u.username, u.role, u.office_id, t.id
           FROM api_tokens t JOIN users u ON u.id = t.user_id
           WHERE t.token_hash = ? AND t.revoked_at IS NULL AND u.disabled = 0""",
        [token_hash(token)],
    ).fetchall()
    if not rows:
        return None
    user_id, username, role, office_id, token_id = rows[0]
    return {"id": user_id, "username": username, "role": role, "office_id": office_id, "token_id": token_id}


# Citizens' free-text comments can name people: supervisors and admins read them, viewers
# (read-only accounts, machines) get the figures and the ratings without them.
COMMENT_ROLES = ("admin", "supervisor")


def may_read_comments(user):
    return user is not None and user.get("role") in COMMENT_ROLES
