"""Cases open by themselves with their ratings, and supervisors work them through the API."""

import datetime as dt
import json

import pytest

from server import create_app
from server.db import get_db, write_transaction
from tests.support import add_kiosk, add_offices, add_user, auth, rating


def minutes_ago(n):
    return dt.datetime.now(dt.UTC) - dt.timedelta(minutes=n)


def deliver(client, token, items):
    answer = client.post("/api/v1/ratings", json={"ratings": items}, headers=auth(token))
    assert answer.status_code == 200, answer.json
    return answer.json["results"]


@pytest.fixture
def site(province):
    """Kiosks at D and E, an admin, a supervisor of D, one of E and a viewer of D."""
    return {"kiosk": add_kiosk(province)[1], "kiosk_e": add_kiosk(province, "E", "Quầy 1")[1],
            "admin": add_user(province), "giamsat": add_user(province, "giamsat", "supervisor", "D"),
            "khac": add_user(province, "khac", "supervisor", "E"), "xem": add_user(province, "xem", "viewer", "D")}


def cases(client, token, **params):
    answer = client.get("/api/v1/cases", query_string=params, headers=auth(token))
    assert answer.status_code == 200, answer.json
    return answer.json


def test_a_case_opens_for_each_dissatisfied_rating_that_says_why_or_leaves_a_number(client, site, app):
    items = [rating(1, minutes_ago(50), comment="Phải đi lại ba lần mới xong hồ sơ"),
             rating(1, minutes_ago(40), reasons=["waiting_time"]),
             rating(1, minutes_ago(30), contact="0912 345 678", contact_consent=True),
             rating(1, minutes_ago(20)),                                   # nothing to answer: no case
             rating(4, minutes_ago(10), comment="Cán bộ nhiệt tình"),      # satisfied: no case
             rating(1, minutes_ago(5), comment="bấm nhầm", misuse=True)]   # misuse: no case
    assert [r["status"] for r in deliver(client, site["kiosk"], items)] == ["accepted"] * 6
    found = cases(client, site["admin"])
    assert [c["rating"]["comment"] for c in found["cases"]] == [None, None, "Phải đi lại ba lần mới xong hồ sơ"]
    assert [c["has_contact"] for c in found["cases"]] == [True, False, False]
    assert found["cases"][1]["rating"]["reasons"] == ["waiting_time"]
    first = found["cases"][0]
    assert first["office"] == "D" and first["status"] == "open" and first["rating"]["channel"] == "kiosk"
    assert first["contact"] == "+8491*****78" and "0912345678" not in json.dumps(found)
    # A re-delivered batch (the kiosk did not hear the answer) opens nothing more.
    assert {r["status"] for r in deliver(client, site["kiosk"], items)} == {"duplicate"}
    assert len(cases(client, site["admin"])["cases"]) == 3


def test_a_number_without_the_consent_tick_or_not_a_number_is_refused_naming_the_field(client, site):
    results = deliver(client, site["kiosk"], [rating(1, minutes_ago(9), contact="0912345678"),
                                              rating(1, minutes_ago(5), contact="12", contact_consent=True)])
    assert [r["status"] for r in results] == ["rejected", "rejected"]
    assert results[0]["error"].startswith("contact_consent:") and results[1]["error"].startswith("contact:")
    assert cases(client, site["admin"])["cases"] == []


@pytest.mark.parametrize("number", ["024 3826 8888", "+1 415 555 0123"])
def test_a_number_an_sms_reply_cannot_reach_is_refused(client, site, number):
    """The answer goes by SMS: a landline or a foreign number is no way back (the kiosk's rule too)."""
    [result] = deliver(client, site["kiosk"], [rating(1, minutes_ago(4), contact=number, contact_consent=True)])
    assert result["status"] == "rejected" and "Vietnamese mobile" in result["error"]


def test_the_kiosk_config_offers_the_number_with_its_retention(client, site, app):
    fields = client.get("/api/v1/kiosk/config", headers=auth(site["kiosk"])).json["fields"]
    assert fields == {"contact": {"retention_days": app.config["CASE_CONTACT_RETENTION_DAYS"]}}


def test_the_case_is_written_in_the_ratings_transaction(app, site):
    """A hook that fails after the case is written undoes the ratings too: never a poor rating without its case."""
    def broken(db, source, stored, now):
        raise RuntimeError("crash after the case was written")
    app.extensions["ingest"].on_rating_stored.append(broken)
    client = app.test_client()
    with pytest.raises(RuntimeError):
        client.post("/api/v1/ratings", json={"ratings": [rating(1, minutes_ago(3), comment="chậm")]},
                    headers=auth(site["kiosk"]))
    with app.app_context():
        db = get_db()
        assert db.execute("SELECT COUNT(*) FROM ratings").fetchone()[0] == 0
        assert db.execute("SELECT COUNT(*) FROM cases").fetchone()[0] == 0


def test_scope_filters_and_cursor_paging(client, site):
    deliver(client, site["kiosk"], [rating(1, minutes_ago(60 - i), comment=f"góp ý {i}") for i in range(0, 50, 10)])
    deliver(client, site["kiosk_e"], [rating(1, minutes_ago(3), comment="ở E")])
    assert len(cases(client, site["admin"])["cases"]) == 6
    assert {c["office"] for c in cases(client, site["xem"])["cases"]} == {"D"}
    assert {c["office"] for c in cases(client, site["admin"], office="E")["cases"]} == {"E"}
    forbidden = client.get("/api/v1/cases?office=E", headers=auth(site["xem"]))
    assert forbidden.status_code == 403
    first = cases(client, site["admin"], limit=4)
    assert len(first["cases"]) == 4 and first["next"]
    rest = cases(client, site["admin"], limit=4, cursor=first["next"])
    assert len(rest["cases"]) == 2 and rest["next"] is None
    assert {c["id"] for c in first["cases"]}.isdisjoint({c["id"] for c in rest["cases"]})
    today = dt.datetime.now(dt.UTC).astimezone(dt.timezone(dt.timedelta(hours=7))).date()
    assert len(cases(client, site["admin"], **{"from": today.isoformat()})["cases"]) >= 1
    assert cases(client, site["admin"], to="2020-01-01")["cases"] == []
    assert cases(client, site["admin"], status="closed")["cases"] == []
    for bad in ({"status": "late"}, {"from": "2026-13-01"}, {"cursor": "nonsense"}, {"limit": "0"},
                {"office": "ZZ"}, {"colour": "red"}):
        answer = client.get("/api/v1/cases", query_string=bad, headers=auth(site["admin"]))
        assert answer.status_code == 400, (bad, answer.json)
        assert next(iter(bad)) in answer.json["error"]


def open_one(client, site, **extra):
    deliver(client, site["kiosk"], [rating(1, minutes_ago(2), comment="Chờ hai tiếng", **extra)])
    return cases(client, site["admin"])["cases"][0]


def patch(client, token, case, **body):
    return client.patch(f"/api/v1/cases/{case['id']}", json=body, headers=auth(token))


def test_assign_note_close_and_who_may_act(client, site, app):
    case = open_one(client, site)
    assert patch(client, site["xem"], case, note="xem", version=1).status_code == 403
    assert patch(client, site["khac"], case, note="khác").status_code == 404  # not in E's scope: not there
    answer = patch(client, site["giamsat"], case, assignee="giamsat", version=case["version"])
    assert answer.status_code == 200 and answer.json["case"]["assignee"] == "giamsat"
    assert patch(client, site["giamsat"], case, assignee="xem", version=2).json["error"].startswith("assignee:")
    assert patch(client, site["giamsat"], case, assignee="khac", version=2).status_code == 400
    # Two supervisors at once: the second, with the version it read, gets 409 and the case as it is now.
    stale = patch(client, site["admin"], case, assignee="admin", version=case["version"])
    assert stale.status_code == 409 and stale.json["case"]["assignee"] == "giamsat"
    assert patch(client, site["giamsat"], case, note="Đã gọi nhưng không nghe máy").status_code == 200
    assert patch(client, site["giamsat"], case, status="closed", version=2).json["error"].startswith("outcome:")
    assert patch(client, site["giamsat"], case, status="closed", outcome="done", version=2).status_code == 400
    closed = patch(client, site["giamsat"], case, status="closed", outcome="explained", version=2)
    assert closed.status_code == 200 and closed.json["case"]["status"] == "closed"
    assert closed.json["case"]["outcome"] == "explained"
    with app.app_context():
        db = get_db()
        kinds = [row[0] for row in db.execute("SELECT kind FROM case_events WHERE case_id = ? ORDER BY id",
                                               [case["id"]])]
        actions = [row[0] for row in db.execute("SELECT action FROM audit_log WHERE target = ? ORDER BY id",
                                                 [f"case:{case['id']}"])]
    assert kinds == ["assigned", "note", "closed"]
    assert actions == ["case.assign", "case.note", "case.close"]


def test_a_call_answers_the_case(client, site):
    case = open_one(client, site)
    assert patch(client, site["giamsat"], case, status="answered", version=1).json["error"].startswith("note:")
    answered = patch(client, site["giamsat"], case, status="answered", note="Đã gọi, hướng dẫn bổ sung hồ sơ",
                     version=1)
    assert answered.status_code == 200 and answered.json["case"]["status"] == "answered"
    assert answered.json["case"]["answer_working_days"] == 0


def test_reply_by_sms_queues_the_text_with_the_question_and_counts_segments(client, site, app):
    case = open_one(client, site, contact="0912345678", contact_consent=True)
    url = f"/api/v1/cases/{case['id']}/reply"
    assert client.post(url, json={"text": "   "}, headers=auth(site["giamsat"])).json["error"] == (
        "text: the reply is empty")
    too_long = client.post(url, json={"text": "Xin lỗi Ông/Bà. " * 30}, headers=auth(site["giamsat"]))
    assert too_long.status_code == 400 and "SMS segments" in too_long.json["error"]
    assert "at most 3 allowed" in too_long.json["error"]
    assert client.post(url, json={"text": "ok"}, headers=auth(site["xem"])).status_code == 403
    sent = client.post(url, json={"text": "Cơ quan xin lỗi Ông/Bà, đã nhắc nhở cán bộ."},
                       headers=auth(site["giamsat"]))
    assert sent.status_code == 202, sent.json
    assert sent.json["case"]["status"] == "answered" and sent.json["segments"] == 2
    with app.app_context():
        db = get_db()
        phone, body, purpose = db.execute("SELECT phone, body, purpose FROM sms_messages WHERE id = ?",
                                          [sent.json["message_id"]]).fetchone()
    assert phone == "+84912345678" and purpose == "case-reply"
    assert body.startswith("Cơ quan xin lỗi") and "1 = Hài lòng với cách giải quyết, 2 = Chưa hài lòng" in body


def test_reply_without_a_contact_is_409(client, site):
    case = open_one(client, site)
    answer = client.post(f"/api/v1/cases/{case['id']}/reply", json={"text": "Xin lỗi"}, headers=auth(site["admin"]))
    assert answer.status_code == 409 and answer.json["case"]["has_contact"] is False


def test_unknown_case_and_bad_bodies(client, site):
    case = open_one(client, site)
    assert client.patch("/api/v1/cases/999", json={"note": "x"}, headers=auth(site["admin"])).status_code == 404
    assert patch(client, site["admin"], case).json["error"].startswith("body:")
    assert patch(client, site["admin"], case, status="closed", outcome="fixed").json["error"].startswith("version:")
    assert patch(client, site["admin"], case, note="").json["error"].startswith("note:")
    assert patch(client, site["admin"], case, status="lost", version=1).json["error"].startswith("status:")
    assert client.get("/api/v1/cases").status_code == 401


def test_the_contact_is_erased_after_close_plus_the_retention_days(tmp_path):
    app = add_offices(create_app({"DATABASE": str(tmp_path / "r.db"), "TESTING": True,
                                  "CASE_CONTACT_RETENTION_DAYS": 30}))
    token, admin = add_kiosk(app)[1], add_user(app)
    client = app.test_client()
    case = open_one(client, {"kiosk": token, "admin": admin}, contact="0912345678", contact_consent=True)
    patch(client, admin, case, status="closed", outcome="fixed", version=1)
    from cases.retention import purge
    with app.app_context():
        db = get_db()
        closed = db.execute("SELECT closed_at FROM cases").fetchone()[0]
        soon = dt.datetime.fromisoformat(closed.replace("Z", "+00:00")) + dt.timedelta(days=29)
        assert purge(app, db, soon)[0][2] == 0
        assert purge(app, db, soon + dt.timedelta(days=2))[0][2] == 1
        assert db.execute("SELECT contact, contact_erased_at IS NOT NULL FROM cases").fetchone() == (None, 1)
        with write_transaction(db):
            pass
    assert cases(client, admin)["cases"][0]["has_contact"] is False


def test_the_citizens_2_by_sms_reopens_the_case_and_is_counted_once(client, site, app):
    case = open_one(client, site, contact="0912345678", contact_consent=True)
    sent = client.post(f"/api/v1/cases/{case['id']}/reply", json={"text": "Đã nhắc nhở cán bộ."},
                       headers=auth(site["giamsat"]))
    assert sent.status_code == 202
    channel, now = app.extensions["sms"], dt.datetime.now(dt.UTC)
    with app.app_context():
        db = get_db()
        assert channel.receive(db, "SMunclear", "+84912345678", "không biết", now) == (
            "Xin lỗi, chưa hiểu trả lời của Ông/Bà. Vui lòng nhắn 1 hoặc 2.")
        assert channel.receive(db, "SMtwo", "+84912345678", "2", now) == (
            "Cảm ơn Ông/Bà đã cho biết. Ý kiến đã được ghi nhận.")
    reopened = cases(client, site["admin"])["cases"][0]
    assert reopened["status"] == "open" and reopened["feedback"] == "unsatisfied"
    assert reopened["due_at"] > case["due_at"]
    # Answered again: the question is not asked a second time, and a later "1" changes nothing.
    again = client.post(f"/api/v1/cases/{case['id']}/reply", json={"text": "Hồ sơ đã xong."},
                        headers=auth(site["giamsat"]))
    with app.app_context():
        db = get_db()
        body = db.execute("SELECT body FROM sms_messages WHERE id = ?", [again.json["message_id"]]).fetchone()[0]
        assert body == "Hồ sơ đã xong."
        channel.receive(db, "SMone", "+84912345678", "1", now)
        kinds = [row[0] for row in db.execute("SELECT kind FROM case_events WHERE case_id = ? ORDER BY id",
                                               [case["id"]])]
    assert cases(client, site["admin"])["cases"][0]["feedback"] == "unsatisfied"
    assert kinds == ["reply", "feedback", "reopened", "reply"]


def test_an_sms_rating_opens_a_case_with_the_senders_number(client, site, app):
    channel, now = app.extensions["sms"], dt.datetime.now(dt.UTC)
    with app.app_context():
        db = get_db()
        reply = channel.receive(db, "SMrate", "+84987654321", "D 1", now)
    assert "Vì sao?" in reply
    found = cases(client, site["admin"])["cases"]
    assert len(found) == 1 and found[0]["rating"]["channel"] == "sms" and found[0]["has_contact"]
    assert found[0]["contact"] == "+8498*****21"


def test_an_sms_rating_keeps_the_number_it_came_from_where_phonenumbers_knows_no_such_range(client, site, app):
    """The carrier delivered the message from it, so the office can answer it, whatever the
    phone library's metadata (which lags new number ranges) says of it."""
    channel, now = app.extensions["sms"], dt.datetime.now(dt.UTC)
    with app.app_context():
        channel.receive(get_db(), "SMnew", "+84123456789", "D 1", now)
    [found] = cases(client, site["admin"])["cases"]
    assert found["has_contact"] and found["contact"] == "+8412*****89"


def test_limit_must_be_plain_digits(client, site):
    answer = client.get("/api/v1/cases?limit=²", headers=auth(site["admin"]))
    assert answer.status_code == 400 and answer.json["error"].startswith("limit:")


def test_a_rating_flagged_as_misuse_later_closes_its_case_by_itself(client, site, app):
    poor = rating(1, minutes_ago(30), comment="Chờ quá lâu")
    deliver(client, site["kiosk"], [poor])
    [case] = cases(client, site["admin"])["cases"]
    assert case["status"] == "open"
    # A tap one second before it arrives late from the same kiosk: the poor rating was the
    # second of two taps, so misuse; its case closes by itself, kept with a timeline line.
    earlier = rating(4, dt.datetime.fromisoformat(poor["created_at"]) - dt.timedelta(seconds=1))
    assert deliver(client, site["kiosk"], [earlier])[0]["status"] == "accepted"
    [closed] = cases(client, site["admin"], status="closed")["cases"]
    assert (closed["id"], closed["outcome"]) == (case["id"], "misuse")
    assert cases(client, site["admin"], status="open")["cases"] == []
    with app.app_context():
        db = get_db()
        assert db.execute("SELECT misuse FROM ratings WHERE client_id = ?", [poor["id"]]).fetchone()[0] == 1
        kinds = db.execute("SELECT actor, kind, details FROM case_events WHERE case_id = ?", [case["id"]]).fetchall()
        assert [(actor, kind, json.loads(details)) for actor, kind, details in kinds] == [
            ("system", "closed", {"outcome": "misuse"})]
