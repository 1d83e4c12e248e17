"""GET /api/v1/ratings and GET /api/v1/alerts as a machine reads them: scoped by the token's user,
no personal data, filters, cursor paging, CSV; figures that add up to GET /api/v1/stats."""

import csv
import io
import json

import pytest

from server import accounts
from server.db import get_db
from tests.support import auth as bearer

RANGE = {"from": "2026-07-01", "to": "2026-09-30"}


@pytest.fixture
def token_of(demo_app):
    def make(username):
        with demo_app.app_context():
            db = get_db()
            user_id = db.execute("SELECT id FROM users WHERE username = ?", [username]).fetchone()[0]
            _, token = accounts.create_token(db, user_id)
            db.conn.commit()
            return token
    return make


@pytest.fixture
def api(demo_app, token_of):
    def call(username, path, **params):
        return demo_app.test_client().get(path, query_string=params, headers=bearer(token_of(username)))
    return call


def every_page(api, username, **params):
    items, after, pages = [], None, 0
    while True:
        response = api(username, "/api/v1/ratings", **params, **({"after": after} if after else {}))
        assert response.status_code == 200, response.text
        items += response.json["ratings"]
        pages += 1
        after = response.json["next"]
        if after is None:
            return items, pages
        assert response.headers["Link"].endswith('rel="next"') and f"after={after}" in response.headers["Link"]


def test_every_rating_of_an_office_once_adding_up_to_the_stats(api):
    items, pages = every_page(api, "tinh", office="LDG-NGN", limit=200, **RANGE)
    assert pages > 1 and len({item["id"] for item in items}) == len(items)
    stats = api("tinh", "/api/v1/stats", office="LDG-NGN", period="quarter", **RANGE).json["rows"]
    assert len(items) == sum(row["responses"] for row in stats)
    counts = {}
    for item in items:
        counts[str(item["score"])] = counts.get(str(item["score"]), 0) + 1
    assert counts == {k: v for k, v in stats[0]["counts"].items() if v}
    assert {item["office"] for item in items} <= {"LDG-NGN", "GN-NT"}  # the ward and the one merged into it
    assert all("2026-07-01" <= item["local_day"] <= "2026-09-30" and not item["misuse"] for item in items)


def test_no_personal_data_and_comments_only_for_roles_that_read_them(api):
    listed = api("tinh", "/api/v1/ratings", office="LDG-NGN", limit=5000, **RANGE).json["ratings"]
    assert listed and all(set(item) >= {"id", "score", "channel", "reasons"} for item in listed)
    assert not any({"phone", "reference", "comment", "kiosk_id"} & set(item) for item in listed)
    with_text = api("tinh", "/api/v1/ratings", office="LDG-NGN", include="comment", limit=5000,
                    **RANGE).json["ratings"]
    assert any(item["comment"] for item in with_text) and len(with_text) == len(listed)
    refused = api("xem", "/api/v1/ratings", include="comment", **RANGE)
    assert refused.status_code == 403 and refused.json["error"].startswith("include")
    assert api("xem", "/api/v1/ratings", **RANGE).status_code == 200  # a viewer gets the ratings without them


def test_the_ratings_keep_to_the_users_scope(api):
    assert api("giangia", "/api/v1/ratings", office="LDG-QKH").status_code == 403
    mine = api("giangia", "/api/v1/ratings", limit=5000, **RANGE).json["ratings"]
    assert mine and all(item["office"].startswith("LDG-NGN") for item in mine)


@pytest.mark.parametrize("params, name", [({"limit": "5001"}, "limit"), ({"limit": "0"}, "limit"),
                                          ({"after": "-1"}, "after"), ({"misuse": "yes"}, "misuse"),
                                          ({"format": "xml"}, "format"), ({"include": "phone"}, "include"),
                                          ({"from": "2026-10-01", "to": "2026-09-01"}, "from"),
                                          ({"channel": "fax"}, "channel")])
def test_bad_parameters_are_named(api, params, name):
    response = api("tinh", "/api/v1/ratings", **params)
    assert response.status_code == 400 and response.json["error"].startswith(name + ":")


def test_filters_channel_and_misuse(api):
    sms = api("tinh", "/api/v1/ratings", channel="sms", limit=5000, **RANGE).json["ratings"]
    assert sms and {item["channel"] for item in sms} == {"sms"}
    flagged = api("admin", "/api/v1/ratings", misuse="only", office="LDG-NGN", limit=5000, **RANGE).json["ratings"]
    assert all(item["misuse"] for item in flagged)
    everything = api("admin", "/api/v1/ratings", misuse="include", office="LDG-NGN", limit=5000,
                     **RANGE).json["ratings"]
    kept = api("admin", "/api/v1/ratings", office="LDG-NGN", limit=5000, **RANGE).json["ratings"]
    assert len(everything) < 5000 and len(everything) == len(kept) + len(flagged)


def test_csv_holds_the_same_ratings(api):
    rows = list(csv.DictReader(io.StringIO(api("tinh", "/api/v1/ratings", office="LDG-NGN", format="csv", limit=5000,
                                               **RANGE).get_data(as_text=True))))
    listed = api("tinh", "/api/v1/ratings", office="LDG-NGN", limit=5000, **RANGE).json["ratings"]
    assert [(r["id"], int(r["score"]), r["reasons"]) for r in rows] == [
        (item["id"], item["score"], "|".join(item["reasons"])) for item in listed]


def add_alerts(demo_app):
    with demo_app.app_context():
        db = get_db()
        offices = dict(db.execute("SELECT code, id FROM offices WHERE code IN ('LDG-NGN', 'LDG-QKH')").fetchall())
        user = db.execute("SELECT id FROM users WHERE username = 'tinh'").fetchone()[0]
        details = json.dumps({"ratings": 5, "dissatisfied": 4, "share": 0.8, "minutes": 15})
        ids = []
        for code, acknowledged in (("LDG-NGN", False), ("LDG-NGN", True), ("LDG-QKH", False)):
            ids.append(db["alerts"].insert({
                "rule": "window", "office_id": offices[code], "subject": f"office:{offices[code]}",
                "raised_at": "2026-10-30T02:40:00.000Z", "details": details,
                "delivery": json.dumps([{"user": "giangia", "channel": "sms", "status": "sent"}]),
                "acknowledged_at": "2026-10-30T03:00:00.000Z" if acknowledged else None,
                "acknowledged_by": user if acknowledged else None,
                "ack_comment": "Đã xử lý" if acknowledged else None}).last_pk)
        db.conn.commit()
        return ids


def test_alerts_with_their_acknowledgements_in_scope_and_paged(demo_app, api):
    ids = add_alerts(demo_app)
    everything = api("tinh", "/api/v1/alerts").json["alerts"]
    assert [a["id"] for a in everything][-3:] == ids
    done = api("tinh", "/api/v1/alerts", status="acknowledged").json["alerts"]
    # The demo acknowledged one alert of its own; this test's is the other.
    [ours] = [a for a in done if a["id"] == ids[1]]
    assert all(a["acknowledgement"] is not None for a in done) and ours["acknowledgement"] == {
        "at": "2026-10-30T03:00:00.000Z", "by": "tinh", "comment": "Đã xử lý"}
    assert ids[1] not in [a["id"] for a in api("tinh", "/api/v1/alerts", status="open").json["alerts"]]
    assert everything[-1]["deliveries"] == [{"user": "giangia", "channel": "sms", "status": "sent", "error": None}]
    mine = api("giangia", "/api/v1/alerts").json["alerts"]
    assert ids[2] not in [a["id"] for a in mine] and {a["office"] for a in mine} <= {"LDG-NGN"} | {
        a["office"] for a in mine if a["office"].startswith("LDG-NGN")}
    assert api("giangia", "/api/v1/alerts", office="LDG-QKH").status_code == 403
    first = api("tinh", "/api/v1/alerts", limit=1)
    assert len(first.json["alerts"]) == 1 and first.json["next"] is not None
    rest = api("tinh", "/api/v1/alerts", after=first.json["next"]).json["alerts"]
    assert [a["id"] for a in first.json["alerts"] + rest] == [a["id"] for a in everything]
    by_day = api("tinh", "/api/v1/alerts", **{"from": "2026-10-30", "to": "2026-10-30"}).json["alerts"]
    assert set(ids) <= {a["id"] for a in by_day}
    assert api("tinh", "/api/v1/alerts", **{"from": "2026-10-31"}).json["alerts"] == [
        a for a in everything if a["raised_at"] >= "2026-10-30T17:00:00.000Z"]
    assert api("tinh", "/api/v1/alerts", status="closed").status_code == 400
