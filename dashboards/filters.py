"""What a dashboard view shows, read from the URL so a view can be shared (pure).

Filters: office (code), preset (a named date range) or custom from/to, period (the trend's
step), channel, include_misuse and structure. `stats_args` turns them into the parameters
of GET /api/v1/stats, so every figure on a page is the one the API gives.
"""

import datetime as dt
from dataclasses import dataclass, replace

from server import params, periods
from server.params import ParamError

# Presets are whole calendar periods (the "this" ones up to today): "last_12_months" is the
# twelve full months before this one, so no month is dropped and none is counted half.
PRESETS = ("last_12_months", "this_month", "last_month", "this_quarter", "last_quarter", "this_year", "last_year",
           "custom")
TREND_PERIODS = ("day", "week", "month", "quarter")
DEFAULT_PERIOD = {"this_month": "day", "last_month": "day", "this_quarter": "week", "last_quarter": "week",
                  "this_year": "month", "last_year": "month", "last_12_months": "month"}
# A trend by day is read over weeks, not years: past this many days a view steps by week
# (and says so), which also keeps every page's answer fast on a province's year of data.
MAX_DAYS_BY_DAY = 92


@dataclass(frozen=True)
class Filters:
    office: str | None
    preset: str
    start: dt.date
    end: dt.date
    period: str
    channel: str
    include_misuse: bool
    structure: str
    coarsened: bool = False

    def stats_args(self, **overrides):
        """Parameters for server.stats.parse_query (the API's own parameter names)."""
        args = {"period": self.period, "from": self.start.isoformat(), "to": self.end.isoformat(),
                "channel": self.channel, "include_misuse": "1" if self.include_misuse else "0",
                "structure": self.structure}
        if self.office:
            args["office"] = self.office
        args.update({k: v for k, v in overrides.items() if v is not None})
        return args

    def url_args(self, **overrides):
        """The filters as URL parameters (for links that keep the view)."""
        args = {"preset": self.preset, "period": self.period, "channel": self.channel,
                "structure": self.structure}
        if self.preset == "custom":
            args.update({"from": self.start.isoformat(), "to": self.end.isoformat()})
        if self.include_misuse:
            args["include_misuse"] = "1"
        if self.office:
            args["office"] = self.office
        args.update(overrides)
        return {k: v for k, v in args.items() if v is not None}

    def previous(self):
        """The same view over the range just before: the previous calendar unit for a
        calendar preset or a range of whole months, else a range of the same length."""
        start, end = previous_range(self.preset, self.start, self.end)
        return replace(self, start=start, end=end)


PRESET_UNITS = {"this_month": "month", "last_month": "month", "this_quarter": "quarter", "last_quarter": "quarter",
                "this_year": "year", "last_year": "year"}


def preset_range(preset, today):
    """(first, last) local date of a named range: a whole period, or this one up to today."""
    if preset == "last_12_months":
        this_month = periods.start("month", today)
        return periods.shift("month", today, -12), this_month - dt.timedelta(days=1)
    unit = PRESET_UNITS.get(preset)
    if unit is None:
        raise ValueError(preset)
    if preset.startswith("this_"):
        return periods.start(unit, today), today
    first = periods.shift(unit, today, -1)
    return first, periods.start(unit, today) - dt.timedelta(days=1)


def previous_range(preset, start, end):
    """Like with like: the previous unit of a calendar preset over the same number of days
    (this month so far against the same days of last month), else the same span before."""
    unit = PRESET_UNITS.get(preset)
    if unit is not None:
        first = periods.shift(unit, start, -1)
        if preset.startswith("last_"):
            return first, start - dt.timedelta(days=1)
        return first, min(first + (end - start), start - dt.timedelta(days=1))
    after = end + dt.timedelta(days=1)
    if start.day == 1 and after.day == 1:
        # Whole months (a quarter, a year): the same number of calendar months before.
        months = (after.year - start.year) * 12 + after.month - start.month
        return periods.shift("month", start, -months), start - dt.timedelta(days=1)
    length = end - start
    return start - length - dt.timedelta(days=1), start - dt.timedelta(days=1)


def parse_filters(args, today, default_office=None, *, channels):
    """Filters from URL parameters (`channels`: the server's), or ParamError naming the bad one."""
    has_custom = bool(args.get("from") or args.get("to"))
    preset = params.choice(args, "preset", PRESETS, "custom" if has_custom else "last_12_months")
    if preset == "custom":
        start, end = params.date(args, "from"), params.date(args, "to")
        if start is None and end is None:
            start, end = preset_range("last_12_months", today)
        start = start or periods.shift("month", end, -11)
        end = end or today
        if start > end:
            raise ParamError("from", "must not be after to", "order", args.get("from"))
    else:
        start, end = preset_range(preset, today)
    period = params.period(args, TREND_PERIODS, DEFAULT_PERIOD.get(preset, "month"))
    coarsened = period == "day" and (end - start).days + 1 > MAX_DAYS_BY_DAY
    office = (args.get("office") or default_office or "").strip().upper() or None
    return Filters(
        office=office, preset=preset, start=start, end=end, period="week" if coarsened else period,
        coarsened=coarsened,
        channel=params.channel(args, channels),
        include_misuse=params.flag(args, "include_misuse"),
        structure=params.structure(args),
    )
