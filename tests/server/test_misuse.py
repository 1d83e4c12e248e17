"""The misuse rule: taps faster than a person can rate are kept, flagged and not counted."""

import datetime as dt

from server.db import get_db
from tests.support import add_kiosk, auth, rating

BASE = dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.UTC)  # 09:00 local, a Monday


def post(client, token, items):
    return client.post("/api/v1/ratings", json={"ratings": items}, headers=auth(token)).json["results"]


def flags(app):
    with app.app_context():
        return [row[0] for row in get_db().execute("SELECT misuse FROM ratings ORDER BY created_at, client_id")]


def month_responses(client, token, include_misuse):
    rows = client.get(f"/api/v1/stats?period=month&from=2026-03-01&to=2026-03-31&include_misuse={include_misuse}",
                      headers=auth(token)).json["rows"]
    return rows[0]["responses"] if rows else 0


def at(seconds):
    return BASE + dt.timedelta(seconds=seconds)


def test_a_burst_counts_its_first_tap_only(client, kiosk, province, admin_token):
    _, token = kiosk
    post(client, token, [rating(4, created_at=at(s)) for s in (0, 1, 1.5, 2.5, 30)])
    assert flags(province) == [0, 1, 1, 1, 0]
    assert month_responses(client, admin_token, 0) == 2
    assert month_responses(client, admin_token, 1) == 5


def test_three_seconds_apart_is_a_person(client, kiosk, province):
    _, token = kiosk
    post(client, token, [rating(4, created_at=at(s)) for s in (0, 3, 6)])
    assert flags(province) == [0, 0, 0]


def test_a_late_rating_flags_the_stored_one_it_crowds(client, kiosk, province, admin_token):
    _, token = kiosk
    post(client, token, [rating(4, created_at=at(10))])
    assert month_responses(client, admin_token, 0) == 1
    post(client, token, [rating(1, created_at=at(9))])  # arrives later, happened just before
    assert flags(province) == [0, 1]
    assert month_responses(client, admin_token, 0) == 1
    assert month_responses(client, admin_token, 1) == 2
    with province.app_context():
        counts = get_db().execute("SELECT misuse, n, n1, n4 FROM rollup_daily ORDER BY misuse").fetchall()
    assert counts == [(0, 1, 1, 0), (1, 1, 0, 1)]


def test_arrival_order_does_not_change_the_flags(client, province):
    times = [0, 2, 10, 11, 40, 41.5, 43]
    items = [rating(1 + i % 4, created_at=at(s)) for i, s in enumerate(times)]
    _, first = add_kiosk(province, counter="Quầy 1")
    post(client, first, items)
    in_order = flags(province)
    with province.app_context():
        db = get_db()
        db.execute("DELETE FROM ratings")
        db.execute("DELETE FROM rollup_daily")
        db.conn.commit()
    for item in reversed(items):
        post(client, first, [item])
    assert flags(province) == in_order == [0, 1, 0, 1, 0, 1, 1]


def test_two_kiosks_rating_at_once_are_both_people(client, province):
    _, one = add_kiosk(province, counter="Quầy 1")
    _, two = add_kiosk(province, counter="Quầy 2")
    post(client, one, [rating(4, created_at=at(0))])
    post(client, two, [rating(4, created_at=at(0.5))])
    assert flags(province) == [0, 0]


def test_a_rating_the_kiosk_flagged_is_kept_as_misuse(client, kiosk, province):
    _, token = kiosk
    post(client, token, [rating(4, created_at=at(0), misuse=True)])
    assert flags(province) == [1]


def test_a_gap_just_under_three_seconds_is_compared_at_the_precision_sent(client, kiosk, province):
    """2.9998 s was cut to 3.000 s when created_at kept only milliseconds."""
    _, token = kiosk
    post(client, token, [rating(4, created_at=BASE.replace(microsecond=900)),
                         rating(4, created_at=(BASE + dt.timedelta(seconds=3, microseconds=700)))])
    assert flags(province) == [0, 1]


def test_taps_under_a_millisecond_apart_are_ordered_by_time_not_by_id(client, kiosk, province):
    _, token = kiosk
    first = rating(4, created_at=BASE + dt.timedelta(microseconds=100))
    second = rating(1, created_at=BASE + dt.timedelta(microseconds=900))  # 0.8 ms later
    first["id"], second["id"] = "ffffffff-0000-4000-8000-000000000000", "00000000-0000-4000-8000-000000000000"
    post(client, token, [second, first])
    with province.app_context():
        rows = get_db().execute("SELECT score, misuse FROM ratings ORDER BY created_at").fetchall()
    assert rows == [(4, 0), (1, 1)]  # the earlier tap counts, though its id sorts last
