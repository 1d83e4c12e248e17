"""A merger recorded late moves the ratings already stored (issue 17); their cases go with them,
so the office that took over works them as its own and the old office keeps only its own."""

import datetime as dt

from tests.support import add_kiosk, add_offices, add_user, auth, rating

TREE = [("P", "Tỉnh Thử", None, "province"), ("D1", "Huyện Một", "P", "district"),
        ("C1", "Xã Một", "D1", "commune"), ("C2", "Xã Hai", "D1", "commune")]


def case_offices(client, token, **params):
    answer = client.get("/api/v1/cases", query_string=params, headers=auth(token))
    assert answer.status_code == 200, answer.json
    return sorted((c["office"], c["rating"]["comment"]) for c in answer.json["cases"])


def test_a_merger_recorded_late_carries_the_cases_of_the_ratings_it_moves(app, client):
    add_offices(app, TREE)
    admin = add_user(app)
    at_c2 = add_user(app, "xahai", "supervisor", "C2")
    at_c1 = add_user(app, "xamot", "supervisor", "C1")
    kiosk = add_kiosk(app, "C1", "Quầy 1")[1]
    now = dt.datetime.now(dt.UTC)
    before, after = now - dt.timedelta(days=20), now - dt.timedelta(days=2)
    items = [rating(1, before, comment="Chờ quá lâu"), rating(1, after, comment="Phải đi lại ba lần")]
    answer = client.post("/api/v1/ratings", json={"ratings": items}, headers=auth(kiosk))
    assert [r["status"] for r in answer.json["results"]] == ["accepted"] * 2
    assert case_offices(client, admin) == [("C1", "Chờ quá lâu"), ("C1", "Phải đi lại ba lần")]

    effective = (now - dt.timedelta(days=10)).astimezone(app.extensions["timezone"]).date().isoformat()
    result = app.test_cli_runner().invoke(args=["office", "merge", "C1", "C2", "--effective", effective])
    assert result.exit_code == 0 and "moved 1 ratings" in result.output, result.output

    # The rating given after the merger's date is C2's now, and so is its case.
    assert case_offices(client, admin) == [("C1", "Chờ quá lâu"), ("C2", "Phải đi lại ba lần")]
    # C2's supervisor works the moved case as C2's (and sees C1's old one, C1 being merged into C2).
    assert case_offices(client, at_c2, office="C2") == [("C1", "Chờ quá lâu"), ("C2", "Phải đi lại ba lần")]
    # The rating from before the date stays C1's, with its case.
    assert case_offices(client, at_c1) == [("C1", "Chờ quá lâu")]
