"""Twilio's webhooks against the real Flask app, signed exactly as Twilio signs them."""

import datetime as dt
import threading

import pytest
from twilio.request_validator import RequestValidator

from server.db import get_db, write_transaction
from sms import gateway
from sms.sender import Sender
from tests.sms.support import E164, PHONE, inbound, reply_text, signed_post
from tests.support import TEST_PROVINCE, add_offices


def setup_offices(app):
    add_offices(app, TEST_PROVINCE[:2])


def count(app, sql, params=()):
    with app.app_context():
        return get_db().execute(sql, params).fetchone()[0]


def invited_and_sent(app, headers, phone=PHONE):
    client = app.test_client()
    response = client.post("/api/v1/invitations", json={"phone": phone, "office": "D", "service": "1.001"},
                           headers=headers)
    assert response.status_code == 202
    with app.app_context():
        assert Sender(app.extensions["sms"]).send_due(get_db())["sent"] == 1
    return response.json["id"]


def stats(app, headers, channel="sms"):
    return app.test_client().get("/api/v1/stats", query_string={"channel": channel, "period": "day"},
                                 headers=headers).json["rows"]


def test_a_reply_to_an_invitation_becomes_an_sms_rating_for_that_office(sms_province, admin):
    invitation_id = invited_and_sent(sms_province, admin)
    response = inbound(sms_province.test_client(), sms_province, " 4 cam on")
    assert response.status_code == 200 and response.headers["Content-Type"] == "text/xml; charset=utf-8"
    assert reply_text(response) == "Cảm ơn Ông/Bà đã đánh giá Huyện Một!"
    [row] = stats(sms_province, admin)
    assert (row["office"], row["responses"], row["counts"]) == ("P", 1, {"1": 0, "2": 0, "3": 0, "4": 1})
    assert stats(sms_province, admin, channel="kiosk") == []
    with sms_province.app_context():
        rating = dict(next(get_db().query("SELECT * FROM ratings")))
        invitation = dict(next(get_db().query("SELECT * FROM sms_invitations")))
    assert rating["channel"] == "sms" and rating["service"] == "1.001" and rating["score"] == 4
    assert E164 not in str(rating) and "912345678" not in str(rating)
    assert invitation["id"] == invitation_id and invitation["replied_at"] is not None


def test_a_dissatisfied_reply_gets_the_follow_up_and_the_reasons_land_on_the_same_rating(sms_province, admin):
    invited_and_sent(sms_province, admin)
    client = sms_province.test_client()
    assert reply_text(inbound(client, sms_province, "khong hai long")).startswith("Rất tiếc Ông/Bà chưa hài lòng")
    thanks = reply_text(inbound(client, sms_province, "1 3 chờ hai tiếng"))
    # the cases component answers dissatisfied citizens: it asks whether they want that
    assert thanks == ("Cảm ơn góp ý của Ông/Bà. Ý kiến đã được ghi nhận. Ông/Bà có muốn cơ quan liên hệ lại qua "
                      "số này không? Trả lời 1 = Có, 2 = Không.")
    with sms_province.app_context():
        ratings = [dict(r) for r in get_db().query("SELECT score, reasons, comment FROM ratings")]
        reasons = [dict(r) for r in get_db().query("SELECT reason, n FROM rollup_reasons ORDER BY reason")]
    assert ratings == [{"score": 1, "reasons": '["waiting_time", "staff_competence"]', "comment": "chờ hai tiếng"}]
    assert reasons == [{"reason": "staff_competence", "n": 1}, {"reason": "waiting_time", "n": 1}]


def test_every_message_after_the_reasons_lands_on_the_rating_and_none_is_dropped(sms_province, admin):
    invited_and_sent(sms_province, admin)
    client = sms_province.test_client()
    said = ["chưa hài lòng", "1 3", "Cán bộ bảo thiếu giấy tờ", "Liked “Cảm ơn Ông/Bà”", "5", "Phải quay lại lần nữa"]
    replies = [reply_text(inbound(client, sms_province, text)) for text in said]
    assert replies[2] == replies[5] == "Đã ghi thêm góp ý của Ông/Bà. Cảm ơn Ông/Bà!" and replies[3] is None
    with sms_province.app_context():
        ratings = [dict(r) for r in get_db().query("SELECT score, reasons, comment FROM ratings")]
        reasons = dict(get_db().execute("SELECT reason, n FROM rollup_reasons").fetchall())
    assert ratings == [{"score": 1, "reasons": '["waiting_time", "staff_competence", "repeat_visits"]',
                        "comment": "Cán bộ bảo thiếu giấy tờ\nPhải quay lại lần nữa"}]
    assert reasons == {"waiting_time": 1, "staff_competence": 1, "repeat_visits": 1}


def test_a_long_comment_is_kept_to_500_characters_and_the_citizen_is_told(sms_province, admin):
    invited_and_sent(sms_province, admin)
    client = sms_province.test_client()
    inbound(client, sms_province, "1")
    inbound(client, sms_province, "chờ " * 100)
    told = reply_text(inbound(client, sms_province, "và " * 60))
    assert told == "Cảm ơn Ông/Bà. Góp ý chỉ lưu được 500 ký tự; phần sau không được lưu."
    assert count(sms_province, "SELECT LENGTH(comment) FROM ratings") == 500


def test_a_picture_only_message_gets_the_menu_and_does_not_use_up_a_re_prompt(sms_province, admin):
    invited_and_sent(sms_province, admin)
    client = sms_province.test_client()
    mms = {"AccountSid": "AC" + "0" * 32, "From": E164, "To": "+15005550006", "Body": "", "NumMedia": "1",
           "MediaUrl0": "https://api.twilio.com/2010-04-01/Accounts/AC0/Messages/MM1/Media/ME1",
           "MediaContentType0": "image/jpeg"}
    replies = [reply_text(signed_post(client, sms_province, "/sms/twilio/inbound", {**mms, "MessageSid": f"MM{i}"}))
               for i in range(3)]
    assert all(reply.startswith("Xin lỗi") for reply in replies)
    assert reply_text(inbound(client, sms_province, "??")).startswith("Xin lỗi")
    assert reply_text(inbound(client, sms_province, "???")).startswith("Xin lỗi")  # still the menu, not the end
    assert reply_text(inbound(client, sms_province, "3")).startswith("Cảm ơn Ông/Bà đã đánh giá")
    assert count(sms_province, "SELECT COUNT(*) FROM ratings") == 1


def test_a_forged_signature_gets_403_and_changes_nothing(sms_province, admin):
    invited_and_sent(sms_province, admin)
    client = sms_province.test_client()
    params = {"MessageSid": "SM" + "f" * 32, "From": E164, "Body": "1"}
    forged = "bm90IGEgc2lnbmF0dXJl"
    assert signed_post(client, sms_province, "/sms/twilio/inbound", params, signature=forged).status_code == 403
    assert signed_post(client, sms_province, "/sms/twilio/inbound", params, signature="").status_code == 403
    # signed for other fields than the ones sent
    good = RequestValidator(gateway.signing_token(sms_province.config)).compute_signature(
        gateway.public_url(sms_province.config, "/sms/twilio/inbound"), {**params, "Body": "4"})
    assert signed_post(client, sms_province, "/sms/twilio/inbound", params, signature=good).status_code == 403
    # signed for another host than PUBLIC_BASE_URL
    other = RequestValidator(gateway.signing_token(sms_province.config)).compute_signature(
        "http://localhost/sms/twilio/inbound", params)
    assert signed_post(client, sms_province, "/sms/twilio/inbound", params, signature=other).status_code == 403
    assert count(sms_province, "SELECT COUNT(*) FROM ratings") == 0
    assert count(sms_province, "SELECT COUNT(*) FROM sms_inbound") == 0
    assert signed_post(client, sms_province, "/sms/twilio/status", {"MessageSid": "SMx", "MessageStatus": "failed"},
                       signature="").status_code == 403


def test_the_same_message_sid_twice_is_processed_once_and_answered_the_same(sms_province, admin):
    invited_and_sent(sms_province, admin)
    client = sms_province.test_client()
    first = inbound(client, sms_province, "??", sid="SM" + "a" * 32)
    again = inbound(client, sms_province, "??", sid="SM" + "a" * 32)
    assert first.data == again.data and reply_text(first).startswith("Xin lỗi")
    # the retry did not use up a re-prompt: two more unreadable answers still get the menu
    assert reply_text(inbound(client, sms_province, "??")).startswith("Xin lỗi")
    assert reply_text(inbound(client, sms_province, "4", sid="SM" + "b" * 32)).startswith("Cảm ơn")
    assert reply_text(inbound(client, sms_province, "4", sid="SM" + "b" * 32)).startswith("Cảm ơn Ông/Bà đã đánh giá")
    assert count(sms_province, "SELECT COUNT(*) FROM ratings") == 1


def test_opting_out_by_reply_stops_every_invitation_and_start_opts_back_in(sms_province, admin):
    invited_and_sent(sms_province, admin)
    client = sms_province.test_client()
    assert reply_text(inbound(client, sms_province, "Hủy")).startswith("Ông/Bà đã ngừng nhận tin")
    with sms_province.app_context():
        get_db().execute("UPDATE sms_invitations SET created_at = '2020-01-01T00:00:00.000Z'")
        get_db().conn.commit()
    invite = {"phone": PHONE, "office": "D"}
    assert client.post("/api/v1/invitations", json=invite, headers=admin).json["status"] == "opted_out"
    assert reply_text(inbound(client, sms_province, "START")).startswith("Ông/Bà sẽ nhận lại tin")
    assert client.post("/api/v1/invitations", json=invite, headers=admin).json["status"] == "queued"


def test_an_unprompted_office_code_and_score_is_rated_without_an_invitation(sms_province, admin):
    client = sms_province.test_client()
    assert reply_text(inbound(client, sms_province, "d 3")) == "Cảm ơn Ông/Bà đã đánh giá Huyện Một!"
    assert reply_text(inbound(client, sms_province, "ZZ 3")).startswith("Không có mã cơ quan ZZ")
    [row] = stats(sms_province, admin)
    assert row["counts"]["3"] == 1 and row["responses"] == 1


def test_status_callbacks_move_the_invitation_through_twilios_states(sms_province, admin, fake_twilio):
    app = sms_province
    app.config.update(fake_twilio.settings())
    client = app.test_client()
    invitation_id = client.post("/api/v1/invitations", json={"phone": PHONE, "office": "D"}, headers=admin).json["id"]
    with app.app_context():
        sender = Sender(app.extensions["sms"], transport=gateway.TwilioTransport(app.config))
        assert sender.send_due(get_db())["sent"] == 1
    [sent] = fake_twilio.messages
    assert sent["StatusCallback"].startswith("https://sms.example.gov.vn/sms/twilio/status?m=")

    def status_of():
        with app.app_context():
            return dict(next(get_db().query("SELECT status, error_code, delivered_at FROM sms_invitations WHERE id = ?",
                                            [invitation_id])))

    assert status_of()["status"] == "queued"
    query = sent["StatusCallback"].split("?", 1)[1]
    params = {"MessageSid": sent["sid"], "MessageStatus": "sent", "AccountSid": fake_twilio.account_sid}
    assert signed_post(client, app, "/sms/twilio/status", params, query=query).status_code == 204
    assert status_of()["status"] == "sent"
    assert signed_post(client, app, "/sms/twilio/status", {**params, "MessageStatus": "delivered"},
                       query=query).status_code == 204
    assert status_of()["status"] == "delivered" and status_of()["delivered_at"] is not None
    # a late "sent" does not move it back
    signed_post(client, app, "/sms/twilio/status", params, query=query)
    assert status_of()["status"] == "delivered"


def test_a_failed_status_keeps_the_error_code_and_21610_marks_the_number_opted_out(sms_province, admin):
    client = sms_province.test_client()
    first = client.post("/api/v1/invitations", json={"phone": PHONE, "office": "D"}, headers=admin).json["id"]
    second = client.post("/api/v1/invitations", json={"phone": "0987 654 321", "office": "D"},
                         headers=admin).json["id"]
    with sms_province.app_context():
        db = get_db()
        Sender(sms_province.extensions["sms"]).send_due(db)
        with write_transaction(db):
            db.execute("UPDATE sms_messages SET twilio_sid = 'SM' || printf('%032d', id)")
    for invitation_id, code in ((first, 30003), (second, 21610)):
        params = {"MessageSid": "SM" + f"{invitation_id:032d}", "MessageStatus": "undelivered", "ErrorCode": str(code)}
        assert signed_post(client, sms_province, "/sms/twilio/status", params).status_code == 204
    with sms_province.app_context():
        found = {r["id"]: (r["status"], r["error_code"], r["opted_out"])
                 for r in get_db().query("SELECT id, status, error_code, opted_out FROM sms_invitations")}
    assert found == {first: ("undelivered", 30003, 0), second: ("opted_out", 21610, 1)}
    with sms_province.app_context():
        get_db().execute("UPDATE sms_invitations SET created_at = '2020-01-01T00:00:00.000Z'")
        get_db().conn.commit()
    assert client.post("/api/v1/invitations", json={"phone": "0987 654 321", "office": "D"},
                       headers=admin).json["status"] == "opted_out"


def test_a_status_for_a_message_that_is_not_ours_changes_nothing(sms_province):
    client = sms_province.test_client()
    params = {"MessageSid": "SM" + "9" * 32, "MessageStatus": "delivered"}
    assert signed_post(client, sms_province, "/sms/twilio/status", params).status_code == 204


def test_sms_send_queues_any_text_and_respects_opt_outs(sms_province):
    client = sms_province.test_client()
    inbound(client, sms_province, "STOP", sender="+84987654321")
    with sms_province.app_context():
        db = get_db()
        send = sms_province.extensions["sms_send"]
        alert = send(db, "0912 345 678", "Cảnh báo: 3 đánh giá không hài lòng trong 15 phút tại Huyện Một", "alert")
        blocked = send(db, "0987 654 321", "Cảnh báo", "alert")
        statuses = dict(db.execute("SELECT id, status FROM sms_messages").fetchall())
        assert statuses == {alert: "pending", blocked: "opted_out"}
        assert Sender(sms_province.extensions["sms"]).send_due(db, now=dt.datetime.now(dt.UTC))["sent"] == 1
        with pytest.raises(ValueError):
            send(db, "12", "x", "alert")


def test_the_outbox_command_shows_what_would_have_been_sent(sms_province, admin):
    invited_and_sent(sms_province, admin)
    result = sms_province.test_cli_runner().invoke(args=["sms", "outbox"])
    assert result.exit_code == 0, result.output
    assert "Huyện Một cảm ơn Ông/Bà" in result.output and "+8491" in result.output
    assert E164 not in result.output
    assert "invitation" in result.output and "sent" in result.output


def test_messages_arriving_at_once_are_each_rated_once_even_when_twilio_retries_them(sms_province, admin):
    # Webhooks share commits with each other (and with kiosk batches): 12 citizens rate at the
    # same moment and Twilio delivers each message three times from parallel connections.
    replies, errors = {}, []

    def deliver(citizen, copy):
        try:
            response = inbound(sms_province.test_client(), sms_province, f"D {1 + citizen % 4}",
                               sender=f"+8491234{citizen:04d}", sid=f"SM{citizen:032d}")
            replies.setdefault(citizen, set()).add(response.data)
        except Exception as error:  # an assertion inside a thread would be lost otherwise
            errors.append(error)

    threads = [threading.Thread(target=deliver, args=(citizen, copy)) for copy in range(3) for citizen in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert all(len(answers) == 1 for answers in replies.values()) and len(replies) == 12
    assert count(sms_province, "SELECT COUNT(*) FROM ratings WHERE channel = 'sms'") == 12
    [row] = stats(sms_province, admin)
    assert row["responses"] == 12 and row["counts"] == {"1": 3, "2": 3, "3": 3, "4": 3}


def test_a_code_of_an_office_merged_away_or_closed_is_answered_clearly_and_nothing_is_dropped(sms_province, admin):
    from server import reorganisation

    with sms_province.app_context():
        db = get_db()
        today = dt.datetime.now(sms_province.extensions["timezone"]).date()
        with write_transaction(db):
            reorganisation.merge(db, "C", "D", today - dt.timedelta(days=30), "test")
            reorganisation.close(db, "E", today - dt.timedelta(days=10), "test")
            reorganisation.reattribute(db)
    client = sms_province.test_client()
    day = (today - dt.timedelta(days=30)).strftime("%d/%m/%Y")
    # Merged: the rating counts for the successor, and the citizen learns its code.
    merged = reply_text(inbound(client, sms_province, "C 3"))
    assert merged == (f"Xã Một (C) đã hợp nhất vào Huyện Một từ {day}; đánh giá được ghi cho Huyện Một. "
                      "Lần sau Ông/Bà vui lòng nhắn mã D. Cảm ơn Ông/Bà đã đánh giá Huyện Một!")
    # The same visit sent again with the new code is the same rating, not a second one.
    assert reply_text(inbound(client, sms_province, "D 3")).startswith("Đánh giá của Ông/Bà đã được ghi nhận")
    # Closed without a successor: still recorded (what the citizen said is kept), and told so.
    closed = reply_text(inbound(client, sms_province, "E 1", sender="+84987654321"))
    assert closed.startswith(f"Huyện Hai (E) đã ngừng hoạt động từ {(today - dt.timedelta(days=10)):%d/%m/%Y}; "
                             "đánh giá vẫn được ghi nhận.")
    assert "Vì sao?" in closed  # the follow-up question still comes
    rows = {(row["office"], score): n for row in stats(sms_province, admin) for score, n in row["counts"].items()
            if n}
    with sms_province.app_context():
        stored = get_db().execute("""SELECT o.code, r.score FROM ratings r JOIN offices o ON o.id = r.office_id
                                     ORDER BY r.id""").fetchall()
    assert [tuple(row) for row in stored] == [("D", 3), ("E", 1)]
    assert rows  # the stats answer with them


def test_an_office_merged_while_a_message_is_read_is_answered_on_the_new_map(sms_province, admin, monkeypatch):
    """The dialogue runs on a snapshot read before the write lock; a reorganisation committed
    between that read and the write (another worker's admin) must not leave the reply on the
    old map: the office tree's version is part of the snapshot, so the dialogue runs again."""
    from server import reorganisation
    from sms import storage

    today = dt.datetime.now(sms_province.extensions["timezone"]).date()
    read, reads = storage.snapshot, []

    def merged_before_the_second_read(db, message_sid, key):
        reads.append(message_sid)
        if len(reads) == 2:  # the dialogue has run on the first read; now, under the lock, the map has changed
            with write_transaction(db):
                reorganisation.merge(db, "C", "D", today, "test")
                reorganisation.reattribute(db)
        return read(db, message_sid, key)

    monkeypatch.setattr(storage, "snapshot", merged_before_the_second_read)
    reply = reply_text(inbound(sms_province.test_client(), sms_province, "C 3"))
    assert reply.startswith("Xã Một (C) đã hợp nhất vào Huyện Một") and "vui lòng nhắn mã D" in reply
    with sms_province.app_context():
        stored = get_db().execute("SELECT o.code FROM ratings r JOIN offices o ON o.id = r.office_id").fetchall()
    assert [row[0] for row in stored] == ["D"]


@pytest.mark.parametrize("body", [
    "MessageSid=SM1&From=%2B84912345678&Body=GN+4", "Body=&From=", "Body=a&Body=b&Body=a", "Body=%FF%FE&x=1",
    "Body=H%E1%BB%A7y", "Body=Hủy&x=%", "a=1;b=2", "Body", "=x", "", "Body=%E1%BB", b"Body=\xff\xfe",
    b"Body=H\xe1\xbb\xa7y"])
@pytest.mark.parametrize("content_type", ["application/x-www-form-urlencoded",
                                          "application/x-www-form-urlencoded; charset=utf-8", "text/plain"])
def test_the_webhooks_read_a_body_field_for_field_as_flask_does(sms_app, body, content_type):
    """The webhooks read their form in one read (server.forms), not through werkzeug's parser:
    the fields the signature is checked on and the message is read from must be the ones
    werkzeug's request.form would hold."""
    from flask import request

    from sms.webhooks import _Fields, _form

    def context():
        return sms_app.test_request_context("/sms/twilio/inbound", method="POST", data=body, content_type=content_type)

    validator = RequestValidator("token")
    with context():
        werkzeugs = list(request.form.items(multi=True))
        signature = validator.compute_signature("https://x/sms", request.form)
    with context():
        ours = _form()
        assert isinstance(ours, _Fields) == content_type.startswith("application/x-www")  # read by server.forms
        assert list(ours.items(multi=True)) == werkzeugs
        assert validator.compute_signature("https://x/sms", ours) == signature
