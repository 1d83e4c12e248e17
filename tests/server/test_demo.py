"""The demo province is real-looking, deterministic, and obeys the same rules as the API."""

import datetime as dt
import hashlib
import json
import zoneinfo

from server import create_app
from server.db import get_db
from tests.support import DEMO_END, DEMO_RATINGS, DEMO_SEED, auth, flask_cli, pin_clock

LOCAL = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")


def query(path, sql, params=()):
    app = create_app({"DATABASE": str(path)})
    with app.app_context():
        return get_db().execute(sql, params).fetchall()


def fingerprint(path):
    rows = query(path, """SELECT client_id, office_id, counter_id, staff_id, score, reasons, comment, created_at, misuse
                          FROM ratings ORDER BY client_id""")
    return hashlib.sha256(json.dumps(rows).encode()).hexdigest()


def test_the_same_seed_gives_the_same_province(demo_database, tmp_path):
    again = tmp_path / "again.db"
    flask_cli(again, "seed-demo", "--ratings", str(DEMO_RATINGS), "--seed", str(DEMO_SEED), "--end",
              DEMO_END.isoformat())
    assert fingerprint(again) == fingerprint(demo_database)
    other = tmp_path / "other.db"
    flask_cli(other, "seed-demo", "--ratings", "2000", "--seed", "99", "--end", DEMO_END.isoformat())
    assert query(other, "SELECT COUNT(*) FROM ratings") == [(2000,)]


def test_until_july_2025_the_old_dak_nong_with_its_centre_eight_districts_and_communes(demo_database):
    rows = query(demo_database, """SELECT o.code, o.kind, o.name, p.code FROM offices o
                                   LEFT JOIN offices p ON p.id = o.parent_id WHERE o.code NOT LIKE 'LDG%'""")
    kinds = {}
    for _, kind, _, _ in rows:
        kinds[kind] = kinds.get(kind, 0) + 1
    assert kinds["province"] == 1 and kinds["centre"] == 1 and kinds["district"] == 8
    assert kinds["commune"] >= 12 and kinds["ward"] == 3 and kinds["township"] >= 5
    for _, kind, name, _ in rows:  # typed as their names say
        for word, expected in (("phường", "ward"), ("thị trấn", "township"), ("UBND xã", "commune")):
            if word in name:
                assert kind == expected, name
    names = {row[2] for row in rows}
    for district in ("Gia Nghĩa", "Cư Jút", "Đắk Glong", "Đắk Mil", "Đắk R'Lấp", "Đắk Song", "Krông Nô", "Tuy Đức"):
        assert any(district in name for name in names), district
    assert query(demo_database, "SELECT active_to, merged_into IS NULL FROM offices WHERE code = 'DM'") == [
        ("2025-06-30", 1)]  # closed, no successor


def test_from_july_2025_the_new_lam_dong_with_new_communes_and_wards_formed_by_mergers(demo_database):
    merged = query(demo_database, """SELECT o.code, m.code, o.merged_at FROM offices o JOIN offices m
                                     ON m.id = o.merged_into ORDER BY o.code""")
    assert {day for _, _, day in merged} == {"2025-07-01"}
    assert ("DNO", "LDG", "2025-07-01") in merged
    into = {new for _, new, _ in merged if new != "LDG"}
    assert len(into) >= 15
    new_units = query(demo_database, """SELECT o.code, o.kind, o.name, p.code, o.active_from FROM offices o
                                        JOIN offices p ON p.id = o.parent_id WHERE o.code LIKE 'LDG-%'""")
    for code, kind, name, parent, opened in new_units:
        assert parent == "LDG" and opened == "2025-07-01", code
        assert name.startswith("Trung tâm Phục vụ hành chính công"), name
        if code != "LDG-TTHCC":
            assert (kind == "ward") == ("phường" in name) and code in into, code
    # the old provincial centre carries on under Lâm Đồng's as its branch
    branch = query(demo_database, """SELECT o.name, p.code FROM offices o JOIN offices p ON p.id = o.parent_id
                                     WHERE o.code = 'DNO-TTHCC'""")
    assert branch == [("Trung tâm Phục vụ hành chính công tỉnh Lâm Đồng – Khu vực 3 (Gia Nghĩa)", "LDG-TTHCC")]


def test_kiosks_move_with_their_buildings_and_no_rating_lands_on_a_closed_office(demo_database):
    after = query(demo_database, """SELECT o.code, o.kind, COUNT(*) FROM ratings r JOIN offices o ON o.id = r.office_id
                                    WHERE r.local_day >= '2025-07-01' GROUP BY o.code""")
    assert {kind for _, kind, _ in after} == {"centre", "commune", "ward"}
    assert all(code.startswith("LDG") or code == "DNO-TTHCC" for code, _, _ in after)
    before = query(demo_database, """SELECT DISTINCT o.code FROM ratings r JOIN offices o ON o.id = r.office_id
                                     WHERE r.local_day < '2025-07-01'""")
    assert not [code for (code,) in before if code.startswith("LDG")]
    moved = query(demo_database, """SELECT r.kiosk_id, GROUP_CONCAT(DISTINCT o.code) FROM ratings r
                                    JOIN offices o ON o.id = r.office_id JOIN kiosks k ON k.id = r.kiosk_id
                                    WHERE k.id IN (SELECT kiosk_id FROM office_changes WHERE change = 'kiosk_move')
                                    GROUP BY r.kiosk_id""")
    assert len(moved) == 24  # three kiosks in each of the eight district shops
    for _, codes in moved:  # the district shop until June, the new commune or ward from July
        assert sorted(code.startswith("LDG-") for code in codes.split(",")) == [False, True], codes


def test_demo_users_are_scoped_to_todays_offices_and_one_to_a_merged_one(demo_database):
    users = dict(query(demo_database, """SELECT u.username, o.code || ':' || (o.merged_into IS NOT NULL)
                                         FROM users u JOIN offices o ON o.id = u.office_id"""))
    assert users == {"tinh": "LDG:0", "giangia": "LDG-NGN:0", "xem": "LDG-DMI:0", "dnocu": "DNO:1"}


def test_the_same_two_years_both_ways(demo_copy):
    app = create_app({"DATABASE": str(demo_copy)})
    token = app.test_cli_runner().invoke(args=["user", "token", "admin"]).output.strip().splitlines()[-1]
    client = app.test_client()

    def rows(**params):
        answer = client.get("/api/v1/stats", query_string={"period": "year", "from": "2024-11-01",
                                                           "to": DEMO_END.isoformat(), **params}, headers=auth(token))
        return answer.json["rows"]
    historical = rows(structure="historical")
    current = rows(structure="current")
    assert {r["office"] for r in historical} == {"DNO", "LDG"}
    assert {r["office"] for r in current} == {"LDG"}
    assert sum(r["responses"] for r in historical) == sum(r["responses"] for r in current) > DEMO_RATINGS * 0.9
    first_half = rows(structure="historical", breakdown="children", office="DNO", **{"to": "2025-06-30"})
    assert {r["office"] for r in first_half if r["part"] == "subtree"} == {
        "DNO-TTHCC", "GN", "CJ", "DG", "DM", "DR", "DSO", "KN", "TD"}
    now = rows(structure="current", breakdown="children", office="LDG", **{"from": "2025-07-01"})
    assert {r["office"] for r in now if r["part"] == "subtree"} == {
        "LDG-TTHCC", *{code for (code,) in query(demo_copy, "SELECT code FROM offices WHERE code LIKE 'LDG-%'")}}
    old = client.get("/api/v1/stats", query_string={"office": "DM-TT"}, headers=auth(token)).json
    assert old["successor"] == "LDG-DMI" and old["rows"] == []


def test_ratings_come_in_office_hours_on_working_days(demo_database):
    times = query(demo_database, "SELECT created_at FROM ratings WHERE channel = 'kiosk'")
    local = [dt.datetime.fromisoformat(t.replace("Z", "+00:00")).astimezone(LOCAL) for (t,) in times]
    assert len(local) > DEMO_RATINGS * 0.85
    assert not [t for t in local if t.weekday() == 6]
    weekday_share = sum(t.weekday() < 5 for t in local) / len(local)
    assert weekday_share > 0.95
    assert all(dt.time(7, 30) <= t.time() <= dt.time(17, 30) for t in local)


def test_offices_differ_and_one_commune_has_a_bad_month(demo_copy):
    app = create_app({"DATABASE": str(demo_copy)})
    token = app.test_cli_runner().invoke(args=["user", "token", "admin"]).output.strip().splitlines()[-1]
    client = app.test_client()
    window = {"from": "2025-11-01", "to": DEMO_END.isoformat()}
    rows = client.get("/api/v1/stats", query_string={"period": "year", "breakdown": "children", "from": "2026-01-01",
                                                     "to": DEMO_END.isoformat()}, headers=auth(token)).json["rows"]
    rates = {row["office"]: row["satisfaction_rate"] for row in rows}
    assert rates["LDG-NGN"] - rates["LDG-TDU"] > 0.06
    months = client.get("/api/v1/stats", query_string={"period": "month", "office": "LDG-DAN", **window},
                        headers=auth(token)).json["rows"]
    worst = min(months, key=lambda row: row["satisfaction_rate"])
    others = [row["satisfaction_rate"] for row in months if row is not worst and row["responses"] > 50]
    assert worst["period"] == "2026-06"
    assert worst["satisfaction_rate"] < min(others) - 0.1


def test_poor_ratings_carry_reasons_and_some_comments(demo_database):
    poor = query(demo_database, "SELECT COUNT(*), COUNT(reasons), COUNT(comment) FROM ratings WHERE score = 1")[0]
    assert poor[1] / poor[0] > 0.6
    assert poor[2] > 0
    assert query(demo_database, "SELECT COUNT(*) FROM ratings WHERE score = 4 AND reasons IS NOT NULL") == [(0,)]


def test_misuse_in_the_demo_follows_the_api_rule(demo_database):
    rows = query(demo_database, """SELECT kiosk_id, created_at, misuse FROM ratings WHERE kiosk_id IS NOT NULL
                                   ORDER BY kiosk_id, created_at, client_id""")
    flagged, previous = 0, None
    for kiosk_id, created_at, misuse in rows:
        moment = dt.datetime.fromisoformat(created_at.replace("Z", "+00:00"))
        expected = previous is not None and previous[0] == kiosk_id and (moment - previous[1]).total_seconds() < 3
        assert misuse == int(expected), (kiosk_id, created_at)
        flagged += misuse
        previous = (kiosk_id, moment)
    assert 0 < flagged < len(rows) * 0.05


def test_a_demo_without_an_end_ends_on_yesterday_in_vietnam(app, monkeypatch):
    # 17:05 UTC on 31 December is 00:05 on 1 January at the offices: `make run`'s demo (no --end)
    # ends on 31 December, its SMS history too; each part counted its own yesterday from the
    # machine's clock or the server's, whichever it read.
    pin_clock(monkeypatch, dt.datetime(2026, 12, 31, 17, 5, tzinfo=dt.UTC))
    result = app.test_cli_runner().invoke(args=["seed-demo", "--ratings", "600", "--days", "30", "--seed", "3"])
    assert result.exit_code == 0, result.output
    assert "to 2026-12-31 for" in result.output
    with app.app_context():
        db = get_db()
        last_rating = db.execute("SELECT MAX(local_day) FROM ratings").fetchone()[0]
        sms_days = db.execute("SELECT MIN(local_day), MAX(local_day) FROM sms_invitations").fetchone()
    assert last_rating == "2026-12-31"
    assert sms_days[0] >= "2026-12-04" and sms_days[1] == "2026-12-31"  # its 28 days, ending yesterday
