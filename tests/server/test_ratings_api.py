"""POST /api/v1/ratings: what a kiosk sends, and what it gets back."""

import datetime as dt
import json

import pytest

from server.db import get_db
from tests.support import add_kiosk, auth, rating


def post(client, token, items):
    # json.dumps escapes lone surrogates as \\udXXX, as a misbehaving client would send them
    return client.post("/api/v1/ratings", data=json.dumps({"ratings": items}), content_type="application/json",
                       headers=auth(token))


def stored(app, sql, params=()):
    with app.app_context():
        return get_db().execute(sql, params).fetchall()


def rollup_total(app):
    return stored(app, "SELECT COALESCE(SUM(n), 0) FROM rollup_daily")[0][0]


def test_accepted_rating_is_stored_with_office_counter_and_kiosk_from_the_token(client, kiosk, province):
    kiosk_id, token = kiosk
    item = rating(3, reasons=None, comment="Nhanh gọn", language="vi", staff="CB1", service="khai-sinh")
    response = post(client, token, [item])
    assert response.status_code == 200
    assert response.json == {"results": [{"id": item["id"], "status": "accepted", "error": None}]}
    row = stored(province, """SELECT r.score, r.channel, o.code, c.label, r.kiosk_id, s.code, r.service, r.comment
                              FROM ratings r JOIN offices o ON o.id = r.office_id JOIN counters c ON c.id = r.counter_id
                              JOIN staff s ON s.id = r.staff_id""")
    assert row == [(3, "kiosk", "D", "Quầy 1", kiosk_id, "CB1", "khai-sinh", "Nhanh gọn")]
    assert rollup_total(province) == 1


def test_duplicate_rating_is_acknowledged_not_counted(client, kiosk, province):
    _, token = kiosk
    item = rating(4)
    assert post(client, token, [item]).json["results"][0]["status"] == "accepted"
    for _ in range(5):
        changed = dict(item, score=1)
        assert post(client, token, [changed]).json["results"] == [{"id": item["id"], "status": "duplicate",
                                                                   "error": None}]
    assert stored(province, "SELECT COUNT(*), MAX(score) FROM ratings") == [(1, 4)]
    assert rollup_total(province) == 1


def test_same_id_twice_in_one_batch_counts_once(client, kiosk, province):
    _, token = kiosk
    item = rating(2)
    results = post(client, token, [item, dict(item)]).json["results"]
    assert [r["status"] for r in results] == ["accepted", "duplicate"]
    assert rollup_total(province) == 1


def test_bad_items_are_rejected_alone_with_a_reason_and_in_order(client, kiosk, province):
    _, token = kiosk
    now = dt.datetime.now(dt.UTC)
    good_before, good_after = rating(4), rating(1, reasons=["waiting_time", "fees"])
    bad = [
        ("not an object", "item must be a JSON object"),
        (rating(7), "score"),
        (rating(0), "score"),
        (rating(True), "score"),
        (rating("4"), "score"),
        (dict(rating(4), id="not-a-uuid"), "id"),
        (rating(4, created_at="2026-02-30T10:00:00+07:00"), "created_at"),
        (rating(4, created_at="2026-03-01T10:00:00"), "created_at: needs a UTC offset"),
        (rating(4, created_at=now + dt.timedelta(minutes=11)), "created_at: is in the future"),
        (rating(1, reasons=["rude"]), "reasons: unknown reason code 'rude'"),
        (rating(1, reasons="waiting_time"), "reasons"),
        (rating(2, comment="x" * 501), "comment: at most 500"),
        (rating(2, comment=42), "comment"),
        (rating(2, comment="lone surrogate \ud800"), "comment: must be a string of valid Unicode"),
        (rating(2, service="\udfff"), "service"),
        (rating(2, language="Tiếng Việt"), "language"),
    ]
    items = [good_before, *[item for item, _ in bad], good_after]
    results = post(client, token, items).json["results"]
    assert len(results) == len(items)
    assert results[0] == {"id": good_before["id"], "status": "accepted", "error": None}
    assert results[-1] == {"id": good_after["id"], "status": "accepted", "error": None}
    for result, (_, message) in zip(results[1:-1], bad, strict=True):
        assert result["status"] == "rejected"
        assert message in result["error"]
    assert stored(province, "SELECT COUNT(*) FROM ratings") == [(2,)]
    assert rollup_total(province) == 2


def test_an_unknown_officer_code_keeps_the_rating_without_an_officer(client, kiosk, province):
    _, token = kiosk
    results = post(client, token, [rating(3, staff="NOBODY"), rating(4, staff="CB1")]).json["results"]
    assert [r["status"] for r in results] == ["accepted", "accepted"]
    assert stored(province, "SELECT s.code FROM ratings r LEFT JOIN staff s ON s.id = r.staff_id ORDER BY r.score") \
        == [(None,), ("CB1",)]


def test_old_ratings_from_an_offline_kiosk_are_accepted(client, kiosk, province):
    _, token = kiosk
    weeks_ago = dt.datetime.now(dt.UTC) - dt.timedelta(weeks=6)
    nine_minutes_ahead = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=9)
    results = post(client, token, [rating(4, created_at=weeks_ago), rating(3, created_at=nine_minutes_ahead)])
    assert [r["status"] for r in results.json["results"]] == ["accepted", "accepted"]


def test_rating_at_2330_utc_on_31_january_counts_on_1_february_local(client, kiosk, province):
    _, token = kiosk
    post(client, token, [rating(4, created_at="2026-01-31T23:30:00+00:00")])
    assert stored(province, "SELECT local_day FROM ratings") == [("2026-02-01",)]


def test_comment_with_sql_and_html_is_stored_verbatim(client, kiosk, province):
    _, token = kiosk
    comment = "'); DROP TABLE ratings; -- <script>alert(1)</script>"
    assert post(client, token, [rating(1, comment=comment)]).json["results"][0]["status"] == "accepted"
    assert stored(province, "SELECT comment FROM ratings") == [(comment,)]


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer kt_unknown"}, {"Authorization": "Basic abc"},
                                     {"Authorization": "Bearer "}])
def test_missing_or_unknown_token_gets_401(client, province, headers):
    response = client.post("/api/v1/ratings", json={"ratings": [rating()]}, headers=headers)
    assert response.status_code == 401
    assert "token" in response.json["error"]


def test_revoked_kiosk_gets_401_and_stores_nothing(client, province, runner):
    kiosk_id, token = add_kiosk(province)
    assert runner.invoke(args=["kiosk", "revoke", str(kiosk_id)]).exit_code == 0
    assert post(client, token, [rating()]).status_code == 401
    assert stored(province, "SELECT COUNT(*) FROM ratings") == [(0,)]


def test_user_token_is_not_a_kiosk_token(client, admin_token):
    assert post(client, admin_token, [rating()]).status_code == 401


@pytest.mark.parametrize("body, content_type, message", [
    ("{not json", "application/json", "not valid JSON"),
    ("[1, 2]", "application/json", "must be a JSON object"),
    ('{"ratings": {"id": 1}}', "application/json", "ratings: must be a list"),
    ('{"items": []}', "application/json", "ratings: must be a list"),
    ('{"ratings": []}', "text/plain", "must be JSON"),
    (b'{"ratings": "\xff"}', "application/json", "not valid JSON"),
])
def test_body_of_the_wrong_shape_gets_400(client, kiosk, province, body, content_type, message):
    _, token = kiosk
    response = client.post("/api/v1/ratings", data=body, content_type=content_type, headers=auth(token))
    assert response.status_code == 400
    assert message in response.json["error"]
    assert stored(province, "SELECT COUNT(*) FROM ratings") == [(0,)]


def test_more_than_500_items_is_refused_whole(client, kiosk, province):
    _, token = kiosk
    response = post(client, token, [rating() for _ in range(501)])
    assert response.status_code == 400
    assert "at most 500" in response.json["error"]
    assert stored(province, "SELECT COUNT(*) FROM ratings") == [(0,)]


def test_500_items_are_taken(client, kiosk, province):
    _, token = kiosk
    base = dt.datetime.now(dt.UTC) - dt.timedelta(days=3)
    items = [rating(1 + i % 4, created_at=base + dt.timedelta(seconds=10 * i)) for i in range(500)]
    results = post(client, token, items).json["results"]
    assert {r["status"] for r in results} == {"accepted"}
    assert rollup_total(province) == 500


def test_ten_megabyte_body_gets_413(client, kiosk, province):
    _, token = kiosk
    body = json.dumps({"ratings": [rating(comment="x" * 400) for _ in range(25000)]})
    assert len(body) > 10_000_000
    response = client.post("/api/v1/ratings", data=body, content_type="application/json", headers=auth(token))
    assert response.status_code == 413
    assert stored(province, "SELECT COUNT(*) FROM ratings") == [(0,)]


def test_empty_batch_is_fine(client, kiosk):
    _, token = kiosk
    assert post(client, token, []).json == {"results": []}


def test_rollup_matches_the_ratings_after_mixed_batches(client, kiosk, province):
    _, token = kiosk
    base = dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.UTC)
    for batch in range(5):
        items = [rating(1 + (i * 7 + batch) % 4, created_at=base + dt.timedelta(minutes=batch * 60 + i),
                        reasons=["waiting_time"] if i % 3 == 0 else None)
                 for i in range(30)]
        items.append({"id": "bad"})
        post(client, token, items)
    assert stored(province, "SELECT score, SUM(1) FROM ratings GROUP BY score") == stored(
        province, """SELECT 1, SUM(n1) FROM rollup_daily UNION ALL SELECT 2, SUM(n2) FROM rollup_daily
                     UNION ALL SELECT 3, SUM(n3) FROM rollup_daily UNION ALL SELECT 4, SUM(n4) FROM rollup_daily""")
    assert stored(province, "SELECT SUM(n) FROM rollup_reasons") == stored(
        province, "SELECT COUNT(*) FROM ratings WHERE reasons IS NOT NULL")


def test_a_kiosk_cannot_credit_a_rating_to_an_officer_of_another_office(client, kiosk, province):
    """The outside review's finding 4: a D kiosk named E's officer and the rating counted for them."""
    from server import offices
    from server.db import write_transaction
    with province.app_context():
        db = get_db()
        with write_transaction(db):
            offices.add_staff(db, "E-CB9", "Cán bộ huyện khác", "E")
            offices.add_staff(db, "C-CB3", "Cán bộ xã dưới D", "C")
    _, token = kiosk
    elsewhere, below, unknown = rating(4, staff="E-CB9"), rating(3, staff="C-CB3"), rating(2, staff="NO-SUCH")
    results = post(client, token, [elsewhere, below, unknown]).json["results"]
    assert [r["status"] for r in results] == ["accepted"] * 3
    assert "staff:" in results[0]["warning"] and "without an officer" in results[0]["warning"]
    assert "warning" not in results[1] and "staff:" in results[2]["warning"]
    credited = dict(stored(province, "SELECT r.client_id, s.code FROM ratings r "
                                     "LEFT JOIN staff s ON s.id = r.staff_id"))
    assert credited == {elsewhere["id"]: None, below["id"]: "C-CB3", unknown["id"]: None}
    by_officer = stored(province, "SELECT s.code, SUM(r.n) FROM rollup_staff r JOIN staff s ON s.id = r.staff_id "
                                  "GROUP BY s.code")
    assert by_officer == [("C-CB3", 1)]


def test_not_before_2020_is_judged_on_the_local_date(client, kiosk, province):
    """00:30 on 1 January 2020 in Vietnam is 17:30 UTC on 31 December 2019: a 2020 rating."""
    _, token = kiosk
    results = post(client, token, [rating(4, created_at="2020-01-01T00:30:00+07:00"),
                                   rating(4, created_at="2019-12-31T23:59:00+07:00")]).json["results"]
    assert [r["status"] for r in results] == ["accepted", "rejected"]
    assert results[1]["error"] == "created_at: is before 2020 (check the kiosk's clock)"
    assert stored(province, "SELECT local_day FROM ratings") == [("2020-01-01",)]


def test_the_readme_example_response_is_what_the_server_computes():
    import json
    import re

    from server.figures import summarise
    from server.scale import build_scale
    from tests.support import ROOT
    text = (ROOT / "README.md").read_text()
    example = json.loads(re.search(r'```json\n(\{"period": "month".*?)\n```', text, re.S).group(1))
    row = example["rows"][0]
    counts = {int(score): n for score, n in row["counts"].items()}
    assert sum(counts.values()) == row["responses"]
    figures = summarise(counts, build_scale("4"))
    assert {key: row[key] for key in figures} == {**figures, "counts": row["counts"]}
