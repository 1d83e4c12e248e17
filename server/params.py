"""Query parameters, read by one set of rules for the API's stats and the dashboards' filters.

A missing or empty parameter takes its default; any other value must be valid, or
ParamError(param, message) names the parameter ("channel: must be one of all, kiosk, sms"),
answered 400. The channels are the server's (`app.extensions["channels"]`: the core's kiosk
and whatever its components bring), passed in by the caller, so this module stays pure.
"""

import datetime as dt
import re

from server import periods
from server.hierarchy import STRUCTURES

ALL_CHANNELS = "all"
DATE_PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2}$")
FLAGS = {"1": True, "true": True, "on": True, "0": False, "false": False, "off": False}


class ParamError(ValueError):
    """`kind` says which rule failed (choice, date_format, not_a_date, calendar, flag, order,
    ...) and `value` what was given, so a page can say it in the reader's language; the API
    answers the English `param: message`."""

    def __init__(self, param, message, kind=None, value=None):
        super().__init__(f"{param}: {message}")
        self.param, self.kind, self.value = param, kind, value


def choice(args, name, choices, default):
    value = args.get(name) or default
    if value not in choices:
        raise ParamError(name, f"must be one of {', '.join(choices)}", "choice", value)
    return value


def date(args, name):
    """A local date as YYYY-MM-DD inside the calendar, or None when not given."""
    value = args.get(name)
    if not value:
        return None
    if not DATE_PATTERN.match(value):
        raise ParamError(name, "must be a date as YYYY-MM-DD", "date_format", value)
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise ParamError(name, f"{value} is not a real date", "not_a_date", value) from None
    if problem := periods.outside_calendar(day):
        raise ParamError(name, problem, "calendar", value)
    return day


def flag(args, name):
    value = (args.get(name) or "0").lower()
    if value not in FLAGS:
        raise ParamError(name, "must be 0 or 1", "flag", value)
    return FLAGS[value]


def channel(args, channels):
    """"all" or one of the server's channels."""
    return choice(args, "channel", (ALL_CHANNELS, *channels), ALL_CHANNELS)


def structure(args):
    return choice(args, "structure", STRUCTURES, "current")


def period(args, choices, default):
    return choice(args, "period", choices, default)
