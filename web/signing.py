"""What the web pages sign, made once per process: itsdangerous serializers, and the forms'
CSRF token.

**Serializers.** itsdangerous builds a new signer for every `dumps` and `loads`, derives
its key (a hash of salt and secret) on every signature, and tries zlib on every payload.
`serializer()` keeps one per (secret, salt, kind) whose signer is made once and derives its
key once, and leaves out the zlib step: these payloads (a link's nonce, the rated cookie, a
follow-up token) are a few dozen bytes, which deflate does not shorten, and setting it up
was two thirds of signing the rated cookie (about 22 of 34 µs). The tokens are then byte
for byte what itsdangerous makes (where deflate would have won, say a cookie naming many
counters, only longer), and either side reads the other's (itsdangerous' loads takes
compressed and plain payloads alike), so links and cookies already out stay valid.

**CSRF.** A phone that is shown a form gets a random value in the `web_csrf` cookie
(HttpOnly, SameSite=Lax, only for /r/ or /l/), and the form carries an HMAC of that value
with the server's secret (the `csrf_token` field). A POST is taken only when the two match.
Another site can make a phone send a form, but can neither read nor set the cookie, so it
cannot know the token: the check flask-wtf makes against the Flask session's value (the
dashboards' forms), without the session. These pages keep nothing else in the session, and
opening and re-signing Flask's session cookie was about a sixth of a web POST's Python calls.
"""

import functools
import hashlib
import hmac
import re
import secrets

from itsdangerous import (
    BadData,
    BadSignature,
    Serializer,
    Signer,
    TimestampSigner,
    URLSafeSerializer,
    URLSafeTimedSerializer,
)
from itsdangerous.encoding import base64_decode, base64_encode
from itsdangerous.signer import HMACAlgorithm

CSRF_COOKIE = "web_csrf"
_CSRF_VALUE = re.compile(r"[A-Za-z0-9_-]{32}")


class _HMACSHA1(HMACAlgorithm):
    """itsdangerous' default signature (HMAC-SHA1) in one call to OpenSSL, not Python's HMAC object."""

    def get_signature(self, key, value):
        return hmac.digest(key, value, "sha1")


class _KeyOnce:
    """A signer that derives its key once per secret, not for every signature."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if kwargs.get("digest_method") is None and kwargs.get("algorithm") is None:
            self.algorithm = _HMACSHA1()

    def derive_key(self, secret_key=None):
        derived = self.__dict__.setdefault("_derived", {})
        key = derived.get(secret_key)
        if key is None:
            key = derived[secret_key] = super().derive_key(secret_key)
        return key


class _Signer(_KeyOnce, Signer):
    pass


class _TimestampSigner(_KeyOnce, TimestampSigner):
    pass


def _canonical(token):
    """Whether each base64 part of a token is spelled as base64_encode writes it. Decoders
    ignore the unused low bits of a part's last character, so three other spellings of that
    character read as the same signature: a changed character would not always fail it."""
    try:
        raw = token.encode("ascii") if isinstance(token, str) else bytes(token)
        return all(base64_encode(base64_decode(part)) == part for part in raw.split(b".") if part)
    except (BadData, UnicodeError, TypeError):
        return False


class _SignerOnce:
    """A serializer that makes its signer once (signers keep no state between calls), writes
    its URL-safe payload without trying zlib on it, and reads only tokens spelled as it
    writes them (_canonical)."""

    def loads(self, s, *args, **kwargs):
        if not _canonical(s):
            raise BadSignature("not a spelling of a token this server writes")
        return super().loads(s, *args, **kwargs)

    def dump_payload(self, obj):
        return base64_encode(Serializer.dump_payload(self, obj))

    def make_signer(self, salt=None):
        if salt is not None:
            return super().make_signer(salt)
        made = self.__dict__.get("_signer")
        if made is None:
            made = self.__dict__["_signer"] = super().make_signer()
        return made


class _Serializer(_SignerOnce, URLSafeSerializer):
    default_signer = _Signer


class _TimedSerializer(_SignerOnce, URLSafeTimedSerializer):
    default_signer = _TimestampSigner


@functools.lru_cache(maxsize=16)
def serializer(secret_key, salt, timed=True):
    """itsdangerous' URL-safe (timed) serializer for this secret and salt, made once."""
    return (_TimedSerializer if timed else _Serializer)(secret_key, salt=salt)


@functools.lru_cache(maxsize=4)
def _csrf_key(secret_key):
    return hashlib.sha256(f"web-csrf:{secret_key}".encode()).digest()


def csrf_value(cookie):
    """The browser's CSRF value from its cookie, or None when it has none (or a malformed one)."""
    return cookie if cookie and _CSRF_VALUE.fullmatch(cookie) else None


def new_csrf_value():
    return secrets.token_urlsafe(24)  # 32 characters


def csrf_token(secret_key, value):
    """The form's token for the browser's CSRF value."""
    return hmac.digest(_csrf_key(secret_key), value.encode(), "sha256").hex()  # one call into OpenSSL


def csrf_valid(secret_key, cookie, token):
    """Whether a form's token belongs to the CSRF cookie the browser sent with it."""
    value = csrf_value(cookie)
    if value is None or not token or not isinstance(token, str):
        return False
    return hmac.compare_digest(csrf_token(secret_key, value), token)
