"""Reporting periods cut in local time (pure).

Labels: day `2026-03-05`, week `2026-W10` (ISO weeks, starting Monday), month `2026-03`,
quarter `2026-Q1`, year `2026`.
"""

import datetime as dt

PERIODS = ("day", "week", "month", "quarter", "year")
# Reports take dates in this range: ratings start in 2020, and a range, its previous range
# and its edge months must stay inside what datetime.date can hold (year 1 to 9999).
EARLIEST = dt.date(2000, 1, 1)
LATEST = dt.date(2099, 12, 31)


def outside_calendar(day):
    """A message when a report date is outside EARLIEST..LATEST, else None."""
    if EARLIEST <= day <= LATEST:
        return None
    return f"must be between {EARLIEST.isoformat()} and {LATEST.isoformat()}"


def labels(day):
    """All period labels of one local date, keyed by period name."""
    iso_year, iso_week, _ = day.isocalendar()
    return {
        "day": day.isoformat(),
        "week": f"{iso_year}-W{iso_week:02d}",
        "month": f"{day.year}-{day.month:02d}",
        "quarter": f"{day.year}-Q{(day.month - 1) // 3 + 1}",
        "year": f"{day.year}",
    }


def start(period, day):
    """The first local date of the period that contains `day`."""
    if period == "day":
        return day
    if period == "week":
        return day - dt.timedelta(days=day.weekday())
    if period == "month":
        return day.replace(day=1)
    if period == "quarter":
        return dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    if period == "year":
        return dt.date(day.year, 1, 1)
    raise ValueError(f"unknown period {period!r}")


def start_of_label(period, label):
    """The first local date of a period given its label."""
    if period == "day":
        return dt.date.fromisoformat(label)
    if period == "week":
        year, week = label.split("-W")
        return dt.date.fromisocalendar(int(year), int(week), 1)
    if period == "month":
        return dt.date.fromisoformat(label + "-01")
    if period == "quarter":
        year, quarter = label.split("-Q")
        return dt.date(int(year), 3 * (int(quarter) - 1) + 1, 1)
    if period == "year":
        return dt.date(int(label), 1, 1)
    raise ValueError(f"unknown period {period!r}")


def shift(period, day, count):
    """The start of the period `count` periods after (or before) the one holding `day`."""
    first = start(period, day)
    if period == "day":
        return first + dt.timedelta(days=count)
    if period == "week":
        return first + dt.timedelta(weeks=count)
    months = {"month": 1, "quarter": 3, "year": 12}[period] * count
    index = first.year * 12 + first.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


DEFAULT_SPAN = {"day": 30, "week": 12, "month": 12, "quarter": 8, "year": 5}


def default_range(period, today):
    """The range a report covers when none is asked for: the latest periods up to today."""
    return shift(period, today, 1 - DEFAULT_SPAN[period]), today
