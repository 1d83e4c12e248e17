"""Fair rankings, the URL's filters and period labels (pure)."""

import datetime as dt

import pytest

from dashboards.filters import parse_filters
from dashboards.labels import period_name
from dashboards.ranking import rank
from server.figures import wilson_interval
from server.params import ParamError

TODAY = dt.date(2026, 11, 28)
CHANNELS = ("kiosk", "sms")  # the default server's


def item(name, satisfied, total):
    return {"name": name, "responses": total, "satisfaction_rate": satisfied / total,
            "satisfaction_ci95": wilson_interval(satisfied, total)}


def test_a_handful_of_perfect_votes_does_not_top_the_ranking():
    ranked, apart = rank([item("small", 31, 31), item("big", 2910, 3000), item("tiny", 5, 5)], min_n=30,
                         overall_rate=0.95)
    assert [i["name"] for i in ranked] == ["big", "small"]
    assert [i["name"] for i in apart] == ["tiny"]
    assert ranked[0]["versus"] == "above" and ranked[1]["versus"] == "level"


def test_one_more_vote_does_not_reorder_offices_with_many_ratings():
    before = rank([item("A", 960, 1000), item("B", 955, 1000)], 30)[0]
    after = rank([item("A", 960, 1000), item("B", 956, 1001)], 30)[0]
    assert [i["name"] for i in before] == [i["name"] for i in after] == ["A", "B"]


def test_the_minimum_n_is_a_setting():
    assert rank([item("A", 20, 20)], min_n=10)[0] and not rank([item("A", 20, 20)], min_n=30)[0]


@pytest.mark.parametrize("preset, start, end, previous", [
    ("this_month", "2026-11-01", "2026-11-28", ("2026-10-01", "2026-10-28")),
    ("last_month", "2026-10-01", "2026-10-31", ("2026-09-01", "2026-09-30")),
    ("this_quarter", "2026-10-01", "2026-11-28", ("2026-07-01", "2026-08-28")),
    ("last_quarter", "2026-07-01", "2026-09-30", ("2026-04-01", "2026-06-30")),
    ("this_year", "2026-01-01", "2026-11-28", ("2025-01-01", "2025-11-28")),
    ("last_year", "2025-01-01", "2025-12-31", ("2024-01-01", "2024-12-31")),
    ("last_12_months", "2025-11-01", "2026-10-31", ("2024-11-01", "2025-10-31")),
])
def test_presets_and_the_period_they_are_compared_with(preset, start, end, previous):
    filters = parse_filters({"preset": preset}, TODAY, channels=CHANNELS)
    assert (filters.start.isoformat(), filters.end.isoformat()) == (start, end)
    before = filters.previous()
    assert (before.start.isoformat(), before.end.isoformat()) == previous


def test_a_custom_range_of_whole_months_compares_with_the_months_before():
    filters = parse_filters({"from": "2026-04-01", "to": "2026-06-30"}, TODAY, channels=CHANNELS)
    assert filters.preset == "custom" and filters.period == "month"
    assert (filters.previous().start, filters.previous().end) == (dt.date(2026, 1, 1), dt.date(2026, 3, 31))


def test_filters_become_the_apis_parameters():
    filters = parse_filters({"preset": "last_month", "office": "gn", "channel": "sms", "include_misuse": "1"}, TODAY,
                            channels=CHANNELS)
    assert filters.stats_args(breakdown="children") == {
        "period": "day", "from": "2026-10-01", "to": "2026-10-31", "channel": "sms", "include_misuse": "1",
        "structure": "current", "office": "GN", "breakdown": "children"}


@pytest.mark.parametrize("args, param", [({"preset": "yesterday"}, "preset"), ({"from": "2026-13-01"}, "from"),
                                         ({"from": "2026-05-01", "to": "2026-04-01"}, "from"),
                                         ({"period": "year"}, "period")])
def test_bad_filters_name_their_parameter(args, param):
    with pytest.raises(ParamError) as problem:
        parse_filters(args, TODAY, channels=CHANNELS)
    assert problem.value.param == param


@pytest.mark.parametrize("period, label, vi, en", [
    ("day", "2026-03-05", "05/03/2026", "5 Mar 2026"),
    ("week", "2026-W10", "Tuần 10/2026", "Week 10, 2026"),
    ("month", "2026-03", "03/2026", "Mar 2026"),
    ("quarter", "2026-Q1", "Quý 1/2026", "Q1 2026"),
    ("year", "2026", "2026", "2026"),
])
def test_period_labels_read_as_people_write_them(period, label, vi, en):
    assert period_name(period, label, "vi") == vi and period_name(period, label, "en") == en
