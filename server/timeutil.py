"""Timestamps as stored: UTC, fixed width, so text order is time order (pure)."""

import datetime as dt


def utcnow():
    return dt.datetime.now(dt.UTC)


def local_today(timezone):
    """Today where the offices are (the TIMEZONE setting), whatever zone the server's clock is in:
    from 17:00 UTC, Vietnam is already on the next day."""
    return utcnow().astimezone(timezone).date()


def to_stored(moment):
    """`2026-03-05T02:30:00.123Z` for any aware datetime."""
    # isoformat() is C and ends in "+00:00" for UTC; strftime costs ten times as much
    return moment.astimezone(dt.UTC).isoformat(timespec="milliseconds")[:-6] + "Z"


def to_stored_precise(moment):
    """`2026-03-05T02:30:00.123456Z`: a rating's created_at, at the precision a kiosk can send,
    so the misuse rule compares true gaps (a millisecond cut turns 2.9998 s into 3 s)."""
    return moment.astimezone(dt.UTC).isoformat(timespec="microseconds")[:-6] + "Z"


def from_stored(text):
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def now_stored():
    return to_stored(utcnow())


def parse_client_time(text):
    """An ISO 8601 timestamp with an offset, or ValueError saying what is wrong."""
    if not isinstance(text, str) or not text.strip():
        raise ValueError("must be an ISO 8601 timestamp with an offset, e.g. 2026-03-05T09:30:00+07:00")
    try:
        moment = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"is not a valid ISO 8601 timestamp: {text[:40]!r}") from None
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("needs a UTC offset, e.g. +07:00 or Z")
    # Year 1 or 9999 with an offset cannot even be turned into UTC (OverflowError).
    if not 2000 <= moment.year <= 2100:
        raise ValueError("must be between the years 2000 and 2100")
    return moment
