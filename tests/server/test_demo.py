"""The demo province is real-looking, deterministic, and obeys the same rules as the API."""

import datetime as dt
import hashlib
import json
import zoneinfo

from server import create_app
from server.db import get_db
from tests.support import DEMO_END, DEMO_RATINGS, DEMO_SEED, auth, flask_cli

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


def test_the_province_has_its_centre_eight_districts_and_communes(demo_database):
    kinds = dict(query(demo_database, "SELECT kind, COUNT(*) FROM offices GROUP BY kind"))
    assert kinds["province"] == 1 and kinds["centre"] == 1 and kinds["district"] == 8
    assert kinds["commune"] >= 16
    names = {row[0] for row in query(demo_database, "SELECT name FROM offices")}
    for district in ("Gia Nghĩa", "Cư Jút", "Đắk Glong", "Đắk Mil", "Đắk R'Lấp", "Đắk Song", "Krông Nô", "Tuy Đức"):
        assert any(district in name for name in names), district
    assert query(demo_database, "SELECT COUNT(*) FROM offices WHERE merged_into IS NOT NULL") == [(2,)]


def test_ratings_come_in_office_hours_on_working_days(demo_database):
    times = query(demo_database, "SELECT created_at FROM ratings WHERE channel = 'kiosk'")
    local = [dt.datetime.fromisoformat(t.replace("Z", "+00:00")).astimezone(LOCAL) for (t,) in times]
    assert len(local) > DEMO_RATINGS * 0.85
    assert not [t for t in local if t.weekday() == 6]
    weekday_share = sum(t.weekday() < 5 for t in local) / len(local)
    assert weekday_share > 0.95
    assert all(dt.time(7, 30) <= t.time() <= dt.time(17, 30) for t in local)


def test_offices_differ_and_one_district_has_a_bad_month(demo_database):
    app = create_app({"DATABASE": str(demo_database)})
    token = app.test_cli_runner().invoke(args=["user", "token", "admin"]).output.strip().splitlines()[-1]
    client = app.test_client()
    window = {"from": "2025-11-01", "to": DEMO_END.isoformat()}
    rows = client.get("/api/v1/stats", query_string={"period": "year", "breakdown": "children", "from": "2026-01-01",
                                                     "to": DEMO_END.isoformat()}, headers=auth(token)).json["rows"]
    rates = {row["office"]: row["satisfaction_rate"] for row in rows}
    assert rates["GN"] - rates["TD"] > 0.06
    months = client.get("/api/v1/stats", query_string={"period": "month", "office": "DSO", **window},
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
