"""What keeps a public poster honest without knowing who rated.

- The address: only a keyed hash (HMAC with the server's secret and today's UTC date, so
  even the hash of one address changes every day), kept at most a day (web.storage).
- The browser: a signed cookie saying when it last rated each counter (no identifier).
"""

import functools
import hashlib
import hmac
import time

from itsdangerous import BadSignature
from werkzeug.http import http_date

from web.signing import serializer

COOKIE = "rated"
SALT = "web-rated"


def address_key(secret_key, address, now):
    message = f"{now:%Y-%m-%d}|{address or '-'}".encode()
    return hmac.digest(_address_secret(secret_key), message, hashlib.sha256).hex()[:32]


def address_keys(secret_key, address, now, window):
    """The address's keys its taps of the last `window` were counted under: today's, and
    yesterday's too when the window reaches back past 00:00 UTC (07:00 in Vietnam, when the
    offices open: without it, one address could send twice its limit in that minute)."""
    key = address_key(secret_key, address, now)
    if (now - window).date() == now.date():
        return [key]
    return [key, address_key(secret_key, address, now - window)]


@functools.lru_cache(maxsize=4)
def _address_secret(secret_key):
    return f"web-address:{secret_key}".encode()


def rated_counters(secret_key, cookie, minutes):
    """{counter id: (epoch seconds, client id)} of ratings this browser sent in the last `minutes`."""
    if not cookie:
        return {}
    try:
        value = serializer(secret_key, SALT).loads(cookie, max_age=int(minutes * 60))
    except (BadSignature, ValueError, TypeError):
        return {}
    if not isinstance(value, dict):
        return {}
    cutoff = time.time() - minutes * 60
    return {key: tuple(item) for key, item in value.items()
            if isinstance(item, list) and len(item) == 2 and isinstance(item[0], int | float) and item[0] >= cutoff}


def with_rating(secret_key, rated, counter_id, client_id):
    rated = {**rated, str(counter_id): (int(time.time()), client_id)}
    return serializer(secret_key, SALT).dumps({key: list(item) for key, item in rated.items()})


_EXPIRES = {}


def expires_in(seconds):
    """The cookie's Expires date, `seconds` from now, as werkzeug writes it from max_age;
    formatted once a second, not on every tap (it was a fifth of setting the cookie)."""
    now = int(time.time())
    found = _EXPIRES.get(seconds)
    if found is None or found[0] != now:
        found = _EXPIRES[seconds] = (now, http_date(now + seconds))
    return found[1]
