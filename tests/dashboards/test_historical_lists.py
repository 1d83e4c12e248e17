"""Reasons, officer and counter rankings and comments follow the structure asked for, on the
same days as the figures: under structure=historical an office counts under the parent it had
on each rating's local day, not under every parent it ever had. Checked against a scan of the
raw ratings (the oracle), for a re-parenting recorded after its date."""

import datetime as dt
import json

import pytest

from dashboards import queries
from dashboards.filters import Filters
from server.db import get_db
from server.offices import load_tree
from tests.support import add_kiosk, add_offices, auth, rating

TREE = [("P", "Tỉnh Thử", None, "province"), ("HB", "Huyện B", "P", "district"),
        ("HC", "Huyện C", "P", "district"), ("C3", "Xã Ba", "HC", "commune"), ("C4", "Xã Bốn", "HB", "commune")]
STAFF = [("CB3", "Lê Văn Ba", "C3", "Quầy 1"), ("CB4", "Phạm Thị Bốn", "C4", "Quầy 1")]
ADMIN = {"id": 0, "username": "admin", "role": "admin", "office_id": None}


def at(day, minute):
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(2, minute), tzinfo=dt.UTC)


@pytest.fixture
def site(app):
    add_offices(app, TREE, STAFF)
    tokens = {code: add_kiosk(app, code, "Quầy 1")[1] for code in ("C3", "C4")}
    plan = [("C3", "2026-03-02", 1, ["waiting_time"], "tháng ba chờ lâu", "CB3"),
            ("C3", "2026-03-03", 4, [], "tháng ba tốt", "CB3"),
            ("C4", "2026-03-04", 2, ["fees"], "xã bốn tháng ba", "CB4"),
            ("C3", "2026-05-04", 1, ["staff_attitude"], "tháng năm thái độ", "CB3"),
            ("C3", "2026-05-05", 2, ["facilities", "waiting_time"], None, "CB3")]
    client = app.test_client()
    for number, (code, day, score, reasons, comment, staff) in enumerate(plan):
        item = rating(score, created_at=at(day, number), reasons=reasons, staff=staff,
                      **({"comment": comment} if comment else {}))
        answer = client.post("/api/v1/ratings", json={"ratings": [item]}, headers=auth(tokens[code]))
        assert answer.json["results"][0]["status"] == "accepted"
    # recorded late, as reorganisations are: C3 under HB from 1 April
    result = app.test_cli_runner().invoke(args=["office", "move", "C3", "--parent", "HB", "--effective", "2026-04-01"])
    assert result.exit_code == 0, result.output
    return app


def oracle(db, tree, base, structure):
    """Reasons, staff counts and comment ids of the ratings counting under `base`, by a scan."""
    reasons, staff, comments = {}, {}, []
    for rating_id, office_id, day, score, given, comment, counter_id, staff_id in db.execute(
            """SELECT id, office_id, local_day, score, reasons, comment, counter_id, staff_id
               FROM ratings WHERE misuse = 0 ORDER BY local_day DESC, created_at DESC"""):
        if base not in tree.lineage(office_id, structure, day if structure == "historical" else None):
            continue
        for code in json.loads(given or "[]"):
            reasons[code] = reasons.get(code, 0) + 1
        key = (counter_id, staff_id or 0)
        staff.setdefault(key, {})[score] = staff.setdefault(key, {}).get(score, 0) + 1
        if given or comment:
            comments.append(rating_id)
    return sorted(reasons.items(), key=lambda item: (-item[1], item[0])), staff, comments


@pytest.mark.parametrize("structure", ["historical", "current"])
@pytest.mark.parametrize("code", ["P", "HB", "HC", "C3"])
def test_reasons_rankings_and_comments_follow_the_structure_on_each_day(site, structure, code):
    filters = Filters(office=code, preset="custom", start=dt.date(2026, 3, 1), end=dt.date(2026, 5, 31),
                      period="month", channel="all", include_misuse=False, structure=structure)
    with site.app_context():
        db = get_db()
        tree = load_tree(db)
        ids = queries.subtree_ids(tree, ADMIN, filters)
        expected_reasons, expected_staff, expected_comments = oracle(db, tree, tree.by_code[code].id, structure)
        assert queries.reasons(db, ids, filters) == expected_reasons
        assert queries.staff_counts(db, ids, filters) == expected_staff
        found, _ = queries.comments(db, ids, filters)
        assert [item["id"] for item in found] == expected_comments


def test_the_old_district_shows_only_what_was_said_while_the_commune_was_under_it(site):
    client = site.test_client()
    from tests.dashboards.support import log_in
    from tests.support import add_user
    add_user(site, "tinh", "supervisor", "P")
    log_in(client, "tinh", "correct-horse")
    args = "structure=historical&preset=custom&from=2026-03-01&to=2026-05-31"
    page = client.get(f"/dashboard/comments?office=HC&{args}").get_data(as_text=True)
    assert "tháng ba chờ lâu" in page and "tháng năm thái độ" not in page
    page = client.get(f"/dashboard/comments?office=HB&{args}").get_data(as_text=True)
    assert "tháng năm thái độ" in page and "tháng ba chờ lâu" not in page
