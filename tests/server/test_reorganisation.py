"""The office tree over time: changes recorded after their date move the ratings they cover.

The two scenarios of the independent oracle (a merger and a re-parenting, both recorded
late, with ratings before and after at old and new offices), under both structures and
with breakdown=children; and every kind of change keeps the rollups equal to a scan.
"""

import datetime as dt
import itertools

import pytest

from server import reorganisation, stats, timeutil
from server.db import get_db
from server.offices import load_tree
from soak.verify import rollup_differences
from tests.support import add_kiosk, add_offices, add_user, auth, pin_clock, rating

# P → D1 → {C1, C2}, and P → {HB → C4, HC → C3}
TREE = [("P", "Tỉnh Thử", None, "province"), ("D1", "Huyện Một", "P", "district"),
        ("C1", "Xã Một", "D1", "commune"), ("C2", "Xã Hai", "D1", "commune"),
        ("HB", "Huyện B", "P", "district"), ("HC", "Huyện C", "P", "district"),
        ("C3", "Xã Ba", "HC", "commune"), ("C4", "Xã Bốn", "HB", "commune")]


@pytest.fixture
def tree_app(app):
    return add_offices(app, TREE)


@pytest.fixture
def admin(tree_app):
    return add_user(tree_app)


def at(day, minute=0):
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(2, minute), tzinfo=dt.UTC)  # 09:00 local


def post(client, token, day, scores):
    items = [rating(score, created_at=at(day, i)) for i, score in enumerate(scores)]
    results = client.post("/api/v1/ratings", json={"ratings": items}, headers=auth(token)).json["results"]
    assert {r["status"] for r in results} == {"accepted"}


def stats_rows(client, token, **params):
    response = client.get("/api/v1/stats", query_string={"period": "month", "from": "2026-01-01",
                                                         "to": "2026-06-30", **params}, headers=auth(token))
    assert response.status_code == 200, response.json
    return response.json


def table(rows):
    return [(r["office"], r["part"], r["period"], r["responses"]) for r in rows]


def invoke(app, *args):
    result = app.test_cli_runner().invoke(args=list(args))
    assert result.exit_code == 0, result.output
    return result.output


def agrees_with_a_scan(app, database):
    """Rollups equal a scan of the ratings, and every report from them equals one from a scan."""
    assert rollup_differences(database) == dict.fromkeys(rollup_differences(database), 0)
    with app.app_context():
        db, scale = get_db(), app.extensions["scale"]
        tree = load_tree(db)
        for structure, breakdown, office in itertools.product(["current", "historical"], ["none", "children"],
                                                              [None, "P", "D1", "HB", "HC", "C1"]):
            query = stats.parse_query({"period": "month", "from": "2026-01-01", "to": "2026-06-30",
                                       "structure": structure, "breakdown": breakdown,
                                       **({"office": office} if office else {})}, dt.date(2026, 7, 1),
                                      channels=app.extensions["channels"])
            fast = stats.satisfaction_rows(db, tree, scale, query, {"office_id": None})
            assert fast == stats.satisfaction_by_scan(db, tree, scale, query, {"office_id": None})


def test_a_merger_recorded_late_moves_the_ratings_already_stored(client, tree_app, admin, database):
    _, at_c1 = add_kiosk(tree_app, "C1", "Quầy 1")
    _, at_c2 = add_kiosk(tree_app, "C2", "Quầy 1")
    post(client, at_c1, "2026-03-10", [4, 3])          # before the date: C1's for good
    post(client, at_c2, "2026-03-11", [4])
    post(client, at_c1, "2026-05-10", [1])             # after the date, before it was recorded
    post(client, at_c1, "2026-05-11", [4])
    post(client, at_c2, "2026-05-12", [3])
    output = invoke(tree_app, "office", "merge", "C1", "C2", "--effective", "2026-04-01")
    assert "moved 2 ratings of 1 offices" in output
    post(client, at_c1, "2026-06-02", [4])             # C1's kiosk keeps posting: now C2's

    historical = stats_rows(client, admin, office="D1", structure="historical", breakdown="children")
    assert table(historical["rows"]) == [
        ("C1", "subtree", "2026-03", 2),
        ("C2", "subtree", "2026-03", 1), ("C2", "subtree", "2026-05", 3), ("C2", "subtree", "2026-06", 1)]
    current = stats_rows(client, admin, office="D1", structure="current", breakdown="children")
    assert table(current["rows"]) == [
        ("C2", "subtree", "2026-03", 3), ("C2", "subtree", "2026-05", 3), ("C2", "subtree", "2026-06", 1)]
    old = stats_rows(client, admin, office="C1", structure="historical")
    assert table(old["rows"]) == [("C1", "subtree", "2026-03", 2)]
    for structure in ("current", "historical"):
        whole = stats_rows(client, admin, office="D1", structure=structure, period="quarter")
        assert [r["responses"] for r in whole["rows"]] == [3, 4]
    agrees_with_a_scan(tree_app, database)


def test_children_of_a_district_merged_late_count_under_its_successor_after_the_date(
        client, tree_app, admin, database):
    _, at_c3 = add_kiosk(tree_app, "C3", "Quầy 1")
    _, at_hc = add_kiosk(tree_app, "HC", "Quầy 1")
    _, at_c4 = add_kiosk(tree_app, "C4", "Quầy 1")
    post(client, at_c3, "2026-03-02", [4, 4])
    post(client, at_hc, "2026-03-03", [3])
    post(client, at_c3, "2026-05-04", [2])
    post(client, at_hc, "2026-05-05", [1, 4])
    post(client, at_c4, "2026-05-06", [4])
    output = invoke(tree_app, "office", "merge", "HC", "HB", "--effective", "2026-04-01")
    assert "moved 2 ratings of 1 offices" in output

    historical = stats_rows(client, admin, structure="historical", breakdown="children", office="P", period="quarter")
    assert table(historical["rows"]) == [
        ("HB", "subtree", "2026-Q2", 4), ("HC", "subtree", "2026-Q1", 3)]
    under_hb = stats_rows(client, admin, structure="historical", breakdown="children", office="HB")
    assert table(under_hb["rows"]) == [
        ("C3", "subtree", "2026-05", 1), ("C4", "subtree", "2026-05", 1), ("HB", "office_only", "2026-05", 2)]
    under_hc = stats_rows(client, admin, structure="historical", breakdown="children", office="HC")
    assert table(under_hc["rows"]) == [("C3", "subtree", "2026-03", 2), ("HC", "office_only", "2026-03", 1)]
    current = stats_rows(client, admin, structure="current", breakdown="children", office="HB", period="quarter")
    assert table(current["rows"]) == [
        ("C3", "subtree", "2026-Q1", 2), ("C3", "subtree", "2026-Q2", 1), ("C4", "subtree", "2026-Q2", 1),
        ("HB", "office_only", "2026-Q1", 1), ("HB", "office_only", "2026-Q2", 2)]
    agrees_with_a_scan(tree_app, database)


def test_a_re_parenting_recorded_late_counts_the_commune_under_its_new_parent_from_the_date(
        client, tree_app, admin, database):
    _, at_c3 = add_kiosk(tree_app, "C3", "Quầy 1")
    post(client, at_c3, "2026-03-02", [4])
    post(client, at_c3, "2026-05-04", [2, 3])
    output = invoke(tree_app, "office", "move", "C3", "--parent", "HB", "--effective", "2026-04-01")
    assert "moved 0 ratings" in output  # the ratings stay at C3; only its parent changed
    post(client, at_c3, "2026-06-04", [4])

    for structure, expected in [("historical", [("HB", "subtree", "2026-Q2", 3), ("HC", "subtree", "2026-Q1", 1)]),
                                ("current", [("HB", "subtree", "2026-Q1", 1), ("HB", "subtree", "2026-Q2", 3)])]:
        rows = stats_rows(client, admin, structure=structure, breakdown="children", office="P", period="quarter")
        assert table(rows["rows"]) == expected, structure
    under_hc = stats_rows(client, admin, structure="historical", breakdown="children", office="HC")
    assert table(under_hc["rows"]) == [("C3", "subtree", "2026-03", 1)]
    assert "C3 moved from under HC to under HB" in invoke(tree_app, "office", "history", "C3")
    agrees_with_a_scan(tree_app, database)


def test_an_old_office_under_current_names_its_successor(client, tree_app, admin):
    _, at_c1 = add_kiosk(tree_app, "C1", "Quầy 1")
    post(client, at_c1, "2026-03-10", [4])
    invoke(tree_app, "office", "merge", "C1", "C2", "--effective", "2026-04-01")
    answer = stats_rows(client, admin, office="C1", structure="current")
    assert answer["rows"] == [] and answer["successor"] == "C2"
    assert "merged into C2 on 2026-04-01" in answer["message"]
    assert "successor" not in stats_rows(client, admin, office="C1", structure="historical")

    scoped = add_user(tree_app, "cu", "supervisor", "C1")
    mine = stats_rows(client, scoped, structure="current")
    assert mine["rows"] == [] and mine["successor"] == "C2" and "ask an admin" in mine["message"]
    assert table(stats_rows(client, scoped, structure="historical")["rows"]) == [("C1", "subtree", "2026-03", 1)]
    response = client.get("/api/v1/stats", query_string={"office": "C2"}, headers=auth(scoped))
    assert response.status_code == 403  # the successor's subtree only once an admin re-scopes them


def test_a_closed_office_refuses_its_kiosks_after_the_date(client, tree_app, admin):
    _, at_c4 = add_kiosk(tree_app, "C4", "Quầy 1")
    post(client, at_c4, "2026-03-10", [4])
    today = timeutil.local_today(tree_app.extensions["timezone"])  # the date the server closes offices by
    invoke(tree_app, "office", "close", "C4", "--effective", (today + dt.timedelta(days=3)).isoformat())
    assert client.get("/api/v1/kiosk/config", headers=auth(at_c4)).status_code == 200  # not yet
    with tree_app.app_context():
        get_db().execute("UPDATE offices SET active_to = ? WHERE code = 'C4'",
                         [(today - dt.timedelta(days=2)).isoformat()])  # as if the date had passed
        get_db().execute("UPDATE meta SET value = value + 1 WHERE key = 'offices_version'")
        get_db().conn.commit()
    response = client.post("/api/v1/ratings", json={"ratings": [rating(4)]}, headers=auth(at_c4))
    assert response.status_code == 403
    assert response.json["error"].startswith(f"office C4 closed on {(today - dt.timedelta(days=1)).isoformat()}")
    assert "flask kiosk move" in response.json["error"]
    assert client.get("/api/v1/kiosk/config", headers=auth(at_c4)).status_code == 403
    # what it gave before stays counted
    assert table(stats_rows(client, admin, office="C4")["rows"]) == [("C4", "subtree", "2026-03", 1)]
    assert "C4 closed" in invoke(tree_app, "office", "history", "C4")


def test_closing_late_keeps_the_ratings_given_after_the_date_and_says_so(client, tree_app, admin, database):
    _, at_c4 = add_kiosk(tree_app, "C4", "Quầy 1")
    post(client, at_c4, "2026-05-10", [4, 1])
    output = invoke(tree_app, "office", "close", "C4", "--effective", "2026-05-01")
    assert "2 ratings stored for days after it stay under C4" in output
    assert table(stats_rows(client, admin, office="C4")["rows"]) == [("C4", "subtree", "2026-05", 2)]
    for structure in ("current", "historical"):  # still counted in its district, both ways
        rows = stats_rows(client, admin, office="HB", structure=structure, breakdown="children")
        assert table(rows["rows"]) == [("C4", "subtree", "2026-05", 2)], structure
    agrees_with_a_scan(tree_app, database)


def test_a_kiosk_carried_to_another_office_late_takes_its_ratings_from_the_date(client, tree_app, admin, database):
    kiosk_id, token = add_kiosk(tree_app, "HC", "Quầy 1")
    post(client, token, "2026-03-02", [4])
    post(client, token, "2026-05-04", [3, 1])
    output = invoke(tree_app, "kiosk", "move", str(kiosk_id), "--office", "C3", "--counter", "Quầy 7",
                    "--effective", "2026-04-01")
    assert "moved 2 ratings of 1 offices" in output
    post(client, token, "2026-06-01", [4])
    with tree_app.app_context():
        rows = get_db().execute("""SELECT r.local_day, o.code, c.label FROM ratings r
                                   JOIN offices o ON o.id = r.office_id
                                   JOIN counters c ON c.id = r.counter_id ORDER BY r.created_at""").fetchall()
    assert rows == [("2026-03-02", "HC", "Quầy 1"), ("2026-05-04", "C3", "Quầy 7"), ("2026-05-04", "C3", "Quầy 7"),
                    ("2026-06-01", "C3", "Quầy 7")]
    config = client.get("/api/v1/kiosk/config", headers=auth(token)).json
    assert (config["office"]["code"], config["counter"]["label"]) == ("C3", "Quầy 7")
    assert f"kiosk {kiosk_id} moved from HC / Quầy 1 to C3 / Quầy 7" in invoke(tree_app, "office", "history", "HC")
    agrees_with_a_scan(tree_app, database)


def test_a_renamed_office_keeps_its_old_name_in_historical_reports(client, tree_app, admin, database):
    _, at_c2 = add_kiosk(tree_app, "C2", "Quầy 1")
    post(client, at_c2, "2026-03-02", [4])
    post(client, at_c2, "2026-05-02", [4])
    invoke(tree_app, "office", "rename", "C2", "Phường Hai", "--effective", "2026-04-01")
    historical = stats_rows(client, admin, office="C2", structure="historical")["rows"]
    assert [(r["period"], r["office_name"]) for r in historical] == [("2026-03", "Xã Hai"), ("2026-05", "Phường Hai")]
    current = stats_rows(client, admin, office="C2", structure="current")["rows"]
    assert {r["office_name"] for r in current} == {"Phường Hai"}
    agrees_with_a_scan(tree_app, database)


def test_an_interrupted_re_attribution_is_consistent_after_each_batch_and_resumes(client, tree_app, admin, database):
    _, at_c1 = add_kiosk(tree_app, "C1", "Quầy 1")
    kiosk_id, at_hc = add_kiosk(tree_app, "HC", "Quầy 1")
    post(client, at_c1, "2026-05-10", [1, 2, 3, 4, 4])
    post(client, at_hc, "2026-05-11", [4, 3, 2])
    with tree_app.app_context():
        db = get_db()
        from server.db import write_transaction
        with write_transaction(db):
            reorganisation.merge(db, "C1", "C2", dt.date(2026, 4, 1), "test")
            reorganisation.move_kiosk(db, kiosk_id, "C4", "Quầy 2", dt.date(2026, 5, 1), "test")
        report = reorganisation.reattribute(db, batch=2, max_batches=2)  # then the process dies
        assert (report.moved, report.pending) == (4, 2)
        assert "2 changes still pending" in str(report)
    agrees_with_a_scan(tree_app, database)  # every batch left ratings and rollups in step
    assert "moved 4 ratings of 2 offices" in invoke(tree_app, "office", "reattribute").lower()
    rows = stats_rows(client, admin, structure="historical", breakdown="children", office="P", period="quarter")
    assert table(rows["rows"]) == [("D1", "subtree", "2026-Q2", 5), ("HB", "subtree", "2026-Q2", 3)]
    with tree_app.app_context():
        assert get_db().execute("SELECT COUNT(*) FROM office_changes WHERE pending = 1").fetchone() == (0,)
    agrees_with_a_scan(tree_app, database)


def test_changes_are_audited_and_refused_clearly(tree_app):
    invoke(tree_app, "office", "merge", "C1", "C2", "--effective", "2026-04-01")
    invoke(tree_app, "office", "move", "C3", "--parent", "HB", "--effective", "2026-04-01")
    with tree_app.app_context():
        actions = [row[0] for row in get_db().execute("SELECT action FROM audit_log ORDER BY id")]
    assert actions == ["office.merge", "office.move"]
    for args, message in [
        (["office", "merge", "C1", "C2", "--effective", "2026-05-01"], "already merged on 2026-04-01"),
        (["office", "move", "HB", "--parent", "C4", "--effective", "2026-05-01"], "would make a loop"),
        (["office", "move", "C1", "--parent", "P", "--effective", "2026-05-01"], "merged on 2026-04-01"),
        (["office", "rename", "C2", " ", "--effective", "2026-05-01"], "name: must not be empty"),
        (["kiosk", "move", "99", "--office", "C2", "--counter", "Q", "--effective", "2026-05-01"],
         "no kiosk with id 99"),
        (["office", "merge", "C3", "C4", "--effective", "2026-13-01"], "is not a date"),
    ]:
        result = tree_app.test_cli_runner().invoke(args=args)
        assert result.exit_code != 0 and message in result.output, (args, result.output)
    with tree_app.app_context():
        assert get_db().execute("SELECT COUNT(*) FROM audit_log").fetchone() == (2,)


def test_an_office_added_without_a_date_opens_on_the_day_it_is_in_vietnam(tree_app, monkeypatch):
    # 23:30 UTC on 31 December is 06:30 on 1 January at the office: its first day is the 1st,
    # not the server clock's date (the new commune's January report would miss its first day)
    pin_clock(monkeypatch, dt.datetime(2026, 12, 31, 23, 30, tzinfo=dt.UTC))
    invoke(tree_app, "office", "add", "C5", "Xã Năm", "--parent", "D1")
    with tree_app.app_context():
        [opened] = [row["active_from"] for row in get_db().query("SELECT active_from FROM offices WHERE code = 'C5'")]
    assert opened == "2027-01-01"
