"""Periods cut in local time, as tables."""

import datetime as dt

import pytest

from server import periods


@pytest.mark.parametrize("day, expected", [
    ("2026-03-05", {"day": "2026-03-05", "week": "2026-W10", "month": "2026-03", "quarter": "2026-Q1", "year": "2026"}),
    ("2025-12-29", {"day": "2025-12-29", "week": "2026-W01", "month": "2025-12", "quarter": "2025-Q4", "year": "2025"}),
    ("2027-01-01", {"day": "2027-01-01", "week": "2026-W53", "month": "2027-01", "quarter": "2027-Q1", "year": "2027"}),
    ("2026-09-30", {"day": "2026-09-30", "week": "2026-W40", "month": "2026-09", "quarter": "2026-Q3", "year": "2026"}),
])
def test_labels(day, expected):
    assert periods.labels(dt.date.fromisoformat(day)) == expected


@pytest.mark.parametrize("period, label, first_day", [
    ("day", "2026-03-05", "2026-03-05"), ("week", "2026-W10", "2026-03-02"), ("week", "2026-W01", "2025-12-29"),
    ("month", "2026-03", "2026-03-01"), ("quarter", "2026-Q3", "2026-07-01"), ("year", "2026", "2026-01-01"),
])
def test_start_of_label_is_the_start_of_the_period(period, label, first_day):
    start = periods.start_of_label(period, label)
    assert start.isoformat() == first_day
    assert periods.labels(start)[period] == label
    assert periods.start(period, start + dt.timedelta(days=1 if period != "day" else 0)) == start


@pytest.mark.parametrize("period, today, expected_start", [
    ("day", "2026-03-05", "2026-02-04"), ("week", "2026-03-05", "2025-12-15"),
    ("month", "2026-03-05", "2025-04-01"), ("quarter", "2026-03-05", "2024-04-01"),
    ("year", "2026-03-05", "2022-01-01"),
])
def test_default_range_covers_the_latest_periods(period, today, expected_start):
    start, end = periods.default_range(period, dt.date.fromisoformat(today))
    assert (start.isoformat(), end.isoformat()) == (expected_start, today)


@pytest.mark.parametrize("start, end, expected", [
    ("2026-01-01", "2026-03-31", ("2026-01-01", "2026-03-31")),
    ("2026-01-02", "2026-03-31", ("2026-02-01", "2026-03-31")),
    ("2026-01-01", "2026-03-30", ("2026-01-01", "2026-02-28")),
    ("2026-01-15", "2026-02-10", (None, None)),
    ("2026-02-01", "2026-02-28", ("2026-02-01", "2026-02-28")),
    ("2025-12-31", "2026-01-31", ("2026-01-01", "2026-01-31")),
])
def test_whole_months_inside_a_range(start, end, expected):
    from server.stats import _whole_months
    first, last = _whole_months(dt.date.fromisoformat(start), dt.date.fromisoformat(end))
    assert (first and first.isoformat(), last and last.isoformat()) == expected
