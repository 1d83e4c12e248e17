"""GET /api/v1/stats: satisfaction by office and period, as a supervisor reads it."""

import datetime as dt
import itertools

import pytest

from server import create_app, stats
from server.db import get_db
from server.offices import load_tree
from tests.support import DEMO_END, add_kiosk, add_user, auth, pin_clock, rating

CHANNELS = ("kiosk", "sms")  # the default server's


def post(client, token, items):
    response = client.post("/api/v1/ratings", json={"ratings": items}, headers=auth(token))
    assert {r["status"] for r in response.json["results"]} == {"accepted"}


def get(client, token, **params):
    return client.get("/api/v1/stats", query_string=params, headers=auth(token))


def spaced(day, scores, hour=2):
    """Items on a local day, a minute apart, one per score."""
    start = dt.datetime.combine(day, dt.time(hour), tzinfo=dt.UTC)
    return [rating(score, created_at=start + dt.timedelta(minutes=i)) for i, score in enumerate(scores)]


def test_figures_follow_decision_766_and_csat(client, province, kiosk, admin_token):
    _, token = kiosk
    post(client, token, spaced(dt.date(2026, 3, 5), [4, 4, 4, 3, 3, 2, 1, 1, 4, 2]))
    rows = get(client, admin_token, period="month", **{"from": "2026-03-01", "to": "2026-03-31"}).json["rows"]
    assert rows == [{
        "office": "P", "office_name": "Tỉnh Thử", "part": "subtree", "period": "2026-03",
        "period_start": "2026-03-01", "partial": False, "responses": 10, "counts": {"1": 2, "2": 2, "3": 2, "4": 4},
        "satisfaction_rate": 0.8, "satisfaction_ci95": [0.4902, 0.9433], "csat": 0.6, "mean_score": 2.8,
    }]


@pytest.mark.parametrize("period, labels", [
    ("day", [("2025-12-29", "2025-12-29"), ("2026-01-04", "2026-01-04"), ("2026-03-31", "2026-03-31"),
             ("2026-04-01", "2026-04-01")]),
    ("week", [("2026-W01", "2025-12-29"), ("2026-W14", "2026-03-30")]),
    ("month", [("2025-12", "2025-12-01"), ("2026-01", "2026-01-01"), ("2026-03", "2026-03-01"),
               ("2026-04", "2026-04-01")]),
    ("quarter", [("2025-Q4", "2025-10-01"), ("2026-Q1", "2026-01-01"), ("2026-Q2", "2026-04-01")]),
    ("year", [("2025", "2025-01-01"), ("2026", "2026-01-01")]),
])
def test_periods_are_labelled_in_local_time_and_in_order(client, province, kiosk, admin_token, period, labels):
    _, token = kiosk
    for day in ("2025-12-29", "2026-01-04", "2026-03-31", "2026-04-01"):
        post(client, token, spaced(dt.date.fromisoformat(day), [4]))
    rows = get(client, admin_token, period=period, **{"from": "2025-12-01", "to": "2026-04-30"}).json["rows"]
    assert [(r["period"], r["period_start"]) for r in rows] == labels


def test_periods_cut_by_the_range_or_not_over_are_marked_partial(client, province, kiosk, admin_token, monkeypatch):
    _, token = kiosk
    # Half a minute into December in Vietnam (still 30 November by the UTC clock): a rating given
    # now is this month's, and this month is not over. On the machine's clock the test failed in
    # the first minute of every local month (its rating of a minute ago was last month's).
    now = pin_clock(monkeypatch, dt.datetime(2026, 11, 30, 17, 0, 30, tzinfo=dt.UTC))
    for day in ("2026-03-20", "2026-04-10", "2026-05-31"):
        post(client, token, spaced(dt.date.fromisoformat(day), [4]))
    post(client, token, [rating(4, created_at=now - dt.timedelta(seconds=20))])
    rows = get(client, admin_token, period="month", **{"from": "2026-03-15", "to": "2026-05-20"}).json["rows"]
    assert [(r["period"], r["partial"]) for r in rows] == [("2026-03", True), ("2026-04", False)]
    rows = get(client, admin_token, period="month", **{"from": "2026-03-01", "to": "2026-05-31"}).json["rows"]
    assert [r["partial"] for r in rows] == [False, False, False]
    this_month = get(client, admin_token, period="month", **{"from": "2026-12-01"}).json["rows"]
    assert [(r["period"], r["partial"], r["responses"]) for r in this_month] == [("2026-12", True, 1)]


def test_only_to_given_reports_the_latest_periods_up_to_it():
    query = stats.parse_query({"period": "month", "to": "2025-03-15"}, dt.date(2026, 11, 28), channels=CHANNELS)
    assert (query.start, query.end) == (dt.date(2024, 4, 1), dt.date(2025, 3, 15))
    query = stats.parse_query({"period": "month", "from": "2026-06-01"}, dt.date(2026, 11, 28), channels=CHANNELS)
    assert (query.start, query.end) == (dt.date(2026, 6, 1), dt.date(2026, 11, 28))


def test_no_row_for_a_period_without_ratings(client, province, kiosk, admin_token):
    _, token = kiosk
    post(client, token, spaced(dt.date(2026, 1, 10), [4]) + spaced(dt.date(2026, 3, 10), [3]))
    rows = get(client, admin_token, period="month", **{"from": "2026-01-01", "to": "2026-03-31"}).json["rows"]
    assert [r["period"] for r in rows] == ["2026-01", "2026-03"]


def test_children_breakdown_adds_up_to_the_total(client, province, admin_token):
    _, at_district = add_kiosk(province, "D", "Quầy 1")
    _, at_commune = add_kiosk(province, "C", "Quầy A")
    _, at_other = add_kiosk(province, "E", "Quầy B")
    day = dt.date(2026, 5, 4)
    post(client, at_district, spaced(day, [4, 1, 3]))
    post(client, at_commune, spaced(day, [2, 2]))
    post(client, at_other, spaced(day, [4]))
    window = {"from": "2026-05-01", "to": "2026-05-31", "period": "month"}
    total = get(client, admin_token, office="D", **window).json["rows"]
    parts = get(client, admin_token, office="D", breakdown="children", **window).json["rows"]
    assert [(r["office"], r["part"], r["responses"]) for r in parts] == [("C", "subtree", 2), ("D", "office_only", 3)]
    assert total[0]["responses"] == sum(r["responses"] for r in parts) == 5
    for score in "1234":
        assert total[0]["counts"][score] == sum(r["counts"][score] for r in parts)
    province_parts = get(client, admin_token, breakdown="children", **window).json["rows"]
    assert [(r["office"], r["responses"]) for r in province_parts] == [("D", 5), ("E", 1)]


def test_channel_filter(client, province, kiosk, admin_token):
    _, token = kiosk
    post(client, token, spaced(dt.date(2026, 5, 4), [4, 4]))
    window = {"from": "2026-05-01", "to": "2026-05-31"}
    assert get(client, admin_token, channel="kiosk", **window).json["rows"][0]["responses"] == 2
    assert get(client, admin_token, channel="sms", **window).json["rows"] == []


def test_merged_office_counts_under_its_successor_or_as_it_was(client, province, runner, admin_token):
    _, old_kiosk = add_kiosk(province, "C", "Quầy A")
    assert runner.invoke(args=["office", "add", "N", "Xã Mới", "--parent", "E"]).exit_code == 0
    assert runner.invoke(args=["office", "merge", "C", "N", "--effective", "2026-07-01"]).exit_code == 0
    post(client, old_kiosk, spaced(dt.date(2026, 6, 30), [4, 4]))  # before the merger: C's
    post(client, old_kiosk, spaced(dt.date(2026, 7, 1), [1]))  # after: the same kiosk now rates N
    window = {"from": "2026-06-01", "to": "2026-07-31", "period": "year", "breakdown": "children"}
    current = get(client, admin_token, structure="current", **window).json["rows"]
    historical = get(client, admin_token, structure="historical", **window).json["rows"]
    assert [(r["office"], r["responses"]) for r in current] == [("E", 3)]
    assert [(r["office"], r["responses"]) for r in historical] == [("D", 2), ("E", 1)]
    by_commune = get(client, admin_token, office="D", structure="historical", **window).json["rows"]
    assert [(r["office"], r["responses"]) for r in by_commune] == [("C", 2)]


def test_a_scoped_user_sees_only_their_subtree(client, province, kiosk):
    _, token = kiosk
    post(client, token, spaced(dt.date(2026, 5, 4), [4]))
    supervisor = add_user(province, "district", "supervisor", "D")
    assert get(client, supervisor, office="E").status_code == 403
    assert get(client, supervisor, office="P").status_code == 403
    assert get(client, supervisor, office="C").status_code == 200
    default = get(client, supervisor, **{"from": "2026-05-01", "to": "2026-05-31"}).json["rows"]
    assert [r["office"] for r in default] == ["D"]


def test_stats_need_a_user_token(client, kiosk):
    _, kiosk_token = kiosk
    assert client.get("/api/v1/stats").status_code == 401
    assert get(client, kiosk_token).status_code == 401


@pytest.mark.parametrize("params, name", [
    ({"period": "fortnight"}, "period"),
    ({"from": "2026-02-30"}, "from"),
    ({"to": "31/12/2026"}, "to"),
    ({"from": "2026-05-02", "to": "2026-05-01"}, "from"),
    ({"channel": "email"}, "channel"),
    ({"breakdown": "all"}, "breakdown"),
    ({"include_misuse": "yes"}, "include_misuse"),
    ({"structure": "future"}, "structure"),
    ({"office": "NOPE"}, "office"),
    ({"period": "day", "from": "2000-01-01", "to": "2026-01-01"}, "period"),
])
def test_bad_parameters_get_400_naming_the_parameter(client, admin_token, params, name):
    response = get(client, admin_token, **params)
    assert response.status_code == 400
    assert response.json["error"].startswith(f"{name}:")


def test_rollup_agrees_with_a_scan_of_the_ratings_on_the_demo(demo_database):
    """Oracle: every report combination from the rollup equals a GROUP BY over ratings."""
    app = create_app({"DATABASE": str(demo_database)})
    with app.app_context():
        db = get_db()
        tree = load_tree(db)
        scale = app.extensions["scale"]
        admin = {"office_id": None}
        combos = itertools.product(["day", "week", "month", "quarter", "year"], ["all", "kiosk", "sms"],
                                   ["none", "children"], ["0", "1"], ["current", "historical"],
                                   # both cross the reorganisation of 1 July 2025, one on ragged month edges
                                   [("2025-05-01", DEMO_END.isoformat()), ("2025-06-17", "2026-09-12")])
        checked = 0
        for period, channel, breakdown, misuse, structure, (start, end) in combos:
            args = {"period": period, "channel": channel, "breakdown": breakdown, "include_misuse": misuse,
                    "structure": structure, "from": start, "to": end}
            if breakdown == "children":  # a district closed on the day, and the new province
                args["office"] = "DM" if checked % 2 else "LDG"
            query = stats.parse_query(args, DEMO_END, channels=CHANNELS)
            fast = stats.satisfaction_rows(db, tree, scale, query, admin)
            assert fast == stats.satisfaction_by_scan(db, tree, scale, query, admin)
            assert fast, args
            checked += len(fast)
    assert checked > 1000
