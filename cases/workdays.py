"""Working days in local time: weekends, Vietnam's public holidays (lunar ones included, from
the `holidays` library) and the province's own days off are not working days.

Pure: no Flask, no SQLite.
"""

import datetime as dt
import functools

import holidays


class WorkCalendar:
    """Working days of one deployment: Vietnam's holidays plus `days_off` (ISO dates)."""

    def __init__(self, days_off=()):
        self.days_off = frozenset(dt.date.fromisoformat(day) for day in days_off)

    @functools.lru_cache(maxsize=64)  # noqa: B019 (one calendar per app, a few years each)
    def _holidays(self, year):
        return frozenset(holidays.Vietnam(years=year))

    def warm(self, *years):
        """Build the holiday tables now (about a second per year): not inside a write transaction."""
        for year in years:
            self._holidays(year)

    def is_working(self, day):
        return day.weekday() < 5 and day not in self._holidays(day.year) and day not in self.days_off

    def add(self, day, working_days):
        """The `working_days`-th working day after `day` (`day` itself never counts)."""
        found = 0
        while found < working_days:
            day += dt.timedelta(days=1)
            if self.is_working(day):
                found += 1
        return day

    def between(self, start, end):
        """Working days after `start` up to and including `end`: 0 when answered the same day."""
        if end <= start:
            return 0
        count, day = 0, start
        while day < end:
            day += dt.timedelta(days=1)
            count += self.is_working(day)
        return count


def parse_days_off(value):
    """The CASE_DAYS_OFF setting: a list of ISO dates (or a comma-separated string of them)."""
    if value in (None, ""):
        return ()
    if isinstance(value, str):
        value = [part.strip() for part in value.split(",") if part.strip()]
    if not isinstance(value, list):
        raise ValueError("CASE_DAYS_OFF must be a list of dates such as [\"2027-02-03\"]")
    for day in value:
        try:
            dt.date.fromisoformat(day)
        except (TypeError, ValueError):
            raise ValueError(f"CASE_DAYS_OFF: {day!r} is not a date (YYYY-MM-DD)") from None
    return tuple(value)
