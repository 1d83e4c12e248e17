"""Quiet hours: no invitation goes out between, say, 21:00 and 07:00 local time (pure)."""

import datetime as dt
import re


class QuietHoursError(ValueError):
    """The SMS_QUIET_HOURS setting is not HH:MM-HH:MM or empty."""


def parse(setting):
    """(start, end) local times from "21:00-07:00", or None when quiet hours are off ("")."""
    if setting is None or not str(setting).strip():
        return None
    match = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*", str(setting))
    if not match:
        raise QuietHoursError(f"SMS_QUIET_HOURS must look like 21:00-07:00 (or be empty), not {setting!r}")
    try:
        start = dt.time(int(match.group(1)), int(match.group(2)))
        end = dt.time(int(match.group(3)), int(match.group(4)))
    except ValueError:
        raise QuietHoursError(f"SMS_QUIET_HOURS has an impossible time: {setting!r}") from None
    if start == end:
        raise QuietHoursError("SMS_QUIET_HOURS start and end are the same; leave it empty to turn quiet hours off")
    return start, end


def is_quiet(local, quiet):
    if quiet is None:
        return False
    start, end = quiet
    clock = local.time()
    if start < end:
        return start <= clock < end
    return clock >= start or clock < end  # the quiet period runs over midnight


def next_allowed(moment, quiet, timezone):
    """`moment` itself, or the end of the quiet period it falls in (an aware datetime)."""
    local = moment.astimezone(timezone)
    if not is_quiet(local, quiet):
        return moment
    end = quiet[1]
    day = local.date() if local.time() < end else local.date() + dt.timedelta(days=1)
    return dt.datetime.combine(day, end, tzinfo=timezone).astimezone(moment.tzinfo or dt.UTC)
