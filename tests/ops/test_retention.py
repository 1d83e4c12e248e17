"""`flask purge`: personal data goes after its retention time (Decree 13/2023); figures stay."""

import contextlib
import datetime as dt
import json
import sqlite3
import time
import zoneinfo

from dashboards import accounts
from server import create_app, retention
from server.db import get_db, write_transaction
from server.timeutil import local_today, utcnow
from sms.sender import Sender
from tests.sms.support import E164, PHONE, inbound, make_app, reply_text
from tests.support import add_user, auth, flask_cli

ROLLUPS = ["rollup_daily", "rollup_monthly", "rollup_staff", "rollup_staff_monthly", "rollup_reasons",
           "rollup_reasons_monthly", "calendar"]
CUTOFF = dt.date(2026, 5, 1)  # inside the demo year (2025-11-01 .. 2026-10-31)


def rows(path, sql, params=()):
    with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as connection:
        return connection.execute(sql, params).fetchall()


def figures(client, token):
    """Every figure a supervisor reads, by month and by day, per office and its children."""
    answers = []
    for period, start in (("month", "2025-11-01"), ("day", "2026-04-01")):
        for breakdown in ("none", "children"):
            response = client.get("/api/v1/stats", headers=auth(token), query_string={
                "period": period, "from": start, "to": "2026-10-31", "breakdown": breakdown, "include_misuse": 1})
            assert response.status_code == 200
            answers.append(response.json)
    return answers


def days_until_cutoff():
    """Counted from today in Vietnam, as `flask purge` counts: the server's clock may be on UTC,
    a day behind from 17:00 UTC (the CI run that caught it started at 17:02)."""
    return (local_today(zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")) - CUTOFF).days


def purge_up_to_cutoff(database):
    """`flask purge` with the retention that puts its cut at CUTOFF. The process counts the
    days from its own today: in the last minute of a local day the test waits for the next
    one first, so both count from the same day."""
    local = utcnow().astimezone(zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh"))
    left = (dt.datetime.combine(local.date() + dt.timedelta(days=1), dt.time(), local.tzinfo) - local).total_seconds()
    if left < 60:
        time.sleep(left + 1)
    return flask_cli(database, "purge", COMMENT_RETENTION_DAYS=days_until_cutoff())


def test_comments_past_retention_are_erased_and_not_one_figure_moves(demo_copy):
    app = create_app({"DATABASE": str(demo_copy), "SQLITE_SYNCHRONOUS": "NORMAL", "TESTING": True})
    token = add_user(app, "retention-admin")
    client = app.test_client()
    old = "SELECT COUNT(*) FROM ratings WHERE comment IS NOT NULL AND local_day < ?"
    recent = "SELECT id, comment FROM ratings WHERE comment IS NOT NULL AND local_day >= ? ORDER BY id"
    [(due,)] = rows(demo_copy, old, [CUTOFF.isoformat()])
    kept = rows(demo_copy, recent, [CUTOFF.isoformat()])
    assert due > 20 and len(kept) > 20
    before = figures(client, token), {table: rows(demo_copy, f"SELECT * FROM {table} ORDER BY 1, 2, 3, 4")
                                      for table in ROLLUPS}
    ratings = "SELECT id, client_id, office_id, score, reasons, misuse, created_at, local_day FROM ratings ORDER BY id"
    ratings_before = rows(demo_copy, ratings)

    result = purge_up_to_cutoff(demo_copy)

    assert f"{due:>9,}  comments given before {CUTOFF.isoformat()}" in result.stdout
    assert rows(demo_copy, old, [CUTOFF.isoformat()]) == [(0,)]
    assert rows(demo_copy, recent, [CUTOFF.isoformat()]) == kept
    assert rows(demo_copy, ratings) == ratings_before
    after = figures(client, token), {table: rows(demo_copy, f"SELECT * FROM {table} ORDER BY 1, 2, 3, 4")
                                     for table in ROLLUPS}
    assert after == before
    again = purge_up_to_cutoff(demo_copy)
    assert f"{0:>9,}  comments given before" in again.stdout


def test_the_comment_purge_walks_the_comments_index_not_ten_million_ratings(demo_copy):
    plan = rows(demo_copy, "EXPLAIN QUERY PLAN " + retention.due_sql("comment"), ["2026-05-01", 2000])
    assert any("ratings_comment_by_day" in detail for *_, detail in plan), plan


def test_purge_erases_sms_numbers_and_stale_login_failures_and_says_how_many(database):
    app = make_app(database, SMS_NUMBER_RETENTION_HOURS=0)
    from tests.sms.test_webhooks import setup_offices
    setup_offices(app)
    client = app.test_client()
    response = client.post("/api/v1/invitations", json={"phone": PHONE, "office": "D"},
                           headers=auth(add_user(app)))
    assert response.status_code == 202
    now = dt.datetime.now(dt.UTC)
    with app.app_context():
        db = get_db()
        assert Sender(app.extensions["sms"]).send_due(db)["sent"] == 1
        with write_transaction(db):
            accounts.record_failure(db, "old.typo", "192.0.2.1", now - dt.timedelta(hours=2), 5, 15, 10)
            accounts.record_failure(db, "just.now", "192.0.2.1", now - dt.timedelta(minutes=1), 5, 15, 10)
    assert rows(database, "SELECT phone FROM sms_messages") == [(E164,)]

    result = flask_cli(database, "purge", SMS_NUMBER_RETENTION_HOURS=0)

    assert "        1  SMS phone numbers kept past 0 hours" in result.stdout
    assert "        2  failed-login records past the lockout time" in result.stdout  # per name and per address
    [(phone, phone_hash)] = rows(database, "SELECT phone, phone_hash FROM sms_messages")
    assert phone is None and phone_hash  # the frequency cap still knows the number, by its hash only
    assert rows(database, "SELECT key FROM login_failures ORDER BY key") == [("user:just.now",),
                                                                            ("user:just.now|from:192.0.2.1",)]
    assert E164 not in json.dumps(rows(database, "SELECT * FROM audit_log"), ensure_ascii=False)


def test_each_purge_leaves_one_audit_entry_with_the_counts(demo_copy):
    purge_up_to_cutoff(demo_copy)
    [(actor, details)] = rows(demo_copy, "SELECT actor, details FROM audit_log WHERE action = 'retention.purge'")
    assert actor.startswith("cli:")
    counts = json.loads(details)
    assert counts["comments"] > 20 and counts["sms_numbers"] == 0 and "login_failures" in counts


def test_a_retention_of_zero_days_is_refused_and_nothing_is_erased(demo_copy):
    before = rows(demo_copy, "SELECT COUNT(comment) FROM ratings")
    result = flask_cli(demo_copy, "purge", COMMENT_RETENTION_DAYS=0, check=False)
    assert result.returncode != 0 and "COMMENT_RETENTION_DAYS must be at least 1" in result.stderr
    assert rows(demo_copy, "SELECT COUNT(comment) FROM ratings") == before


def test_dossier_references_past_retention_are_erased_from_ratings_and_invitations(database):
    app = make_app(database)
    from tests.sms.test_webhooks import setup_offices
    setup_offices(app)
    token = add_user(app)
    client = app.test_client()
    citizens = {"HS-2025-000123": ("0912 345 678", E164, "4"), "HS-2026-000456": ("0912 000 222", "+84912000222", "3")}
    for reference, (phone, _, _) in citizens.items():
        invitation = {"phone": phone, "office": "D", "service": "1.001", "reference": reference}
        assert client.post("/api/v1/invitations", json=invitation, headers=auth(token)).status_code == 202
    with app.app_context():
        assert Sender(app.extensions["sms"]).send_due(get_db())["sent"] == 2
    for _, number, score in citizens.values():
        assert reply_text(inbound(client, app, score, sender=number)).startswith("Cảm ơn")
    with app.app_context():  # the first dossier was rated long ago
        db = get_db()
        with write_transaction(db):
            for table in ("ratings", "sms_invitations"):
                db.execute(f"UPDATE {table} SET local_day = '2025-06-02' WHERE reference = 'HS-2025-000123'")
    ratings = "SELECT client_id, office_id, score, service, local_day FROM ratings ORDER BY id"
    before = rows(database, ratings), client.get("/api/v1/stats", headers=auth(token),
                                                 query_string={"period": "year", "from": "2025-01-01"}).json

    result = flask_cli(database, "purge", REFERENCE_RETENTION_DAYS=365)

    assert "        1  dossier references on ratings before" in result.stdout
    assert "        1  dossier references on SMS invitations before" in result.stdout
    assert rows(database, "SELECT reference FROM ratings ORDER BY id") == [(None,), ("HS-2026-000456",)]
    assert rows(database, "SELECT reference FROM sms_invitations ORDER BY id") == [(None,), ("HS-2026-000456",)]
    after = rows(database, ratings), client.get("/api/v1/stats", headers=auth(token),
                                                query_string={"period": "year", "from": "2025-01-01"}).json
    assert after == before and len(before[0]) == 2  # the ratings and every figure stay


def test_the_reference_purge_walks_its_small_index(demo_copy):
    plan = rows(demo_copy, "EXPLAIN QUERY PLAN SELECT id FROM ratings WHERE reference IS NOT NULL AND local_day < ? "
                           "LIMIT 2000", ["2026-05-01"])
    assert any("ratings_reference_by_day" in detail for *_, detail in plan), plan
