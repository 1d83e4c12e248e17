"""POST /api/v1/invitations: validation, scope, opt-outs, the frequency cap and quiet hours."""

import datetime as dt

import pytest

from server.db import get_db
from sms import phones
from sms.sender import Sender
from tests.sms.support import E164, PHONE, make_app
from tests.support import add_offices, add_user, auth


def invite(client, headers, **fields):
    return client.post("/api/v1/invitations", json={"phone": PHONE, "office": "D", **fields}, headers=headers)


def rows(app, sql, params=()):
    with app.app_context():
        return [dict(row) for row in get_db().query(sql, params)]


def test_unaccented_vietnamese_invitations_stay_in_gsm7_and_cost_fewer_segments(database):
    app = make_app(database, SMS_LANGUAGE="vi-ascii")
    from tests.sms.test_webhooks import setup_offices
    setup_offices(app)
    response = invite(app.test_client(), auth(add_user(app)))
    assert response.status_code == 202
    [message] = rows(app, "SELECT body, encoding, segments FROM sms_messages")
    assert message["body"].startswith("Huyen Mot cam on Ong/Ba.")
    assert "Tra loi 4 = Rat hai long, 3 = Hai long, 2 = Binh thuong, 1 = Khong hai long." in message["body"]
    assert (message["encoding"], message["segments"]) == ("GSM-7", 1)


def test_an_invitation_is_queued_with_one_short_sms_naming_the_office_and_the_scale(sms_province, admin):
    client = sms_province.test_client()
    response = invite(client, admin, service="1.004227", reference="000.00.12.H12-260305-0001")
    assert response.status_code == 202
    assert response.json["status"] == "queued" and isinstance(response.json["id"], int)
    [message] = rows(sms_province, "SELECT * FROM sms_messages")
    assert message["phone"] == E164 and message["status"] == "pending" and message["purpose"] == "invitation"
    assert message["body"].startswith("Huyện Một cảm ơn Ông/Bà.")
    assert "Trả lời 4 = Rất hài lòng, 3 = Hài lòng, 2 = Bình thường, 1 = Không hài lòng." in message["body"]
    # Vietnamese with diacritics is UCS-2: 67 characters a part once split
    assert (message["encoding"], message["segments"]) == ("UCS-2", 3) and len(message["body"]) <= 201
    [invitation] = rows(sms_province, "SELECT * FROM sms_invitations")
    assert invitation["service"] == "1.004227" and invitation["reference"] == "000.00.12.H12-260305-0001"
    assert "phone" not in invitation and invitation["phone_hash"] != E164


@pytest.mark.parametrize("phone", ["0912 345 678", "84912345678", "+84912345678", "0912-345-678"])
def test_every_usual_way_of_writing_a_number_is_the_same_number(sms_province, admin, phone):
    client = sms_province.test_client()
    assert invite(client, admin, phone=phone).json["status"] == "queued"
    assert rows(sms_province, "SELECT phone FROM sms_messages") == [{"phone": E164}]


@pytest.mark.parametrize("fields, message", [
    ({"phone": "12345"}, "phone:"), ({"phone": None}, "phone:"), ({"phone": 912345678}, "phone:"),
    ({"phone": "not a phone"}, "phone:"), ({"office": "NOPE"}, "office: unknown office code"),
    ({"office": ""}, "office:"), ({"service": ""}, "service:"), ({"reference": "x" * 65}, "reference:"),
    ({"send_after": "tomorrow"}, "send_after:"), ({"send_after": "2026-03-05T09:00:00"}, "send_after:"),
    ({"send_after": "0001-01-01T00:00:00+01:00"}, "send_after:"),
    ({"language": "fr"}, "language:"),
    ({"counter": "Quầy 9"}, "counter: office D has no counter"), ({"counter": ""}, "counter:"),
    ({"staff": "NOBODY"}, "staff: no officer"), ({"staff": "CB9"}, "staff: no officer 'CB9' at office D"),
])
def test_bad_fields_get_400_naming_the_field_and_nothing_is_queued(sms_province, admin, fields, message):
    add_offices(sms_province, rows=(), staff=[("CB9", "Lê Văn Chín", "E", "Quầy 1")])  # an officer of E
    response = invite(sms_province.test_client(), admin, **fields)
    assert response.status_code == 400
    assert response.json["error"].startswith(message)
    assert rows(sms_province, "SELECT id FROM sms_invitations") == []


def test_a_body_that_is_not_a_json_object_gets_400(sms_province, admin):
    client = sms_province.test_client()
    assert client.post("/api/v1/invitations", data="phone=1", headers=admin).status_code == 400
    assert client.post("/api/v1/invitations", json=[1], headers=admin).status_code == 400


def test_without_a_token_there_is_no_invitation(sms_province):
    response = sms_province.test_client().post("/api/v1/invitations", json={"phone": PHONE, "office": "D"})
    assert response.status_code == 401


def test_a_supervisor_invites_only_for_offices_in_their_subtree(sms_province):
    supervisor = auth(add_user(sms_province, "giamsat", "supervisor", "D"))
    viewer = auth(add_user(sms_province, "xem", "viewer", "D"))
    client = sms_province.test_client()
    assert invite(client, supervisor, office="C").status_code == 202
    refused = invite(client, supervisor, office="E", phone="0987 654 321")
    assert refused.status_code == 403 and "E" in refused.json["error"]
    assert invite(client, viewer, office="D", phone="0987 654 322").status_code == 403
    assert len(rows(sms_province, "SELECT id FROM sms_invitations")) == 1


def test_a_number_gets_at_most_one_invitation_in_thirty_days(sms_province, admin):
    client = sms_province.test_client()
    assert invite(client, admin).json["status"] == "queued"
    assert invite(client, admin, phone="+84912345678", office="E").json["status"] == "capped"
    assert invite(client, admin, phone="0987 654 321").json["status"] == "queued"
    assert len(rows(sms_province, "SELECT id FROM sms_messages")) == 2


def test_the_cap_counts_from_the_earlier_invitation(sms_province, admin):
    client = sms_province.test_client()
    invite(client, admin)
    with sms_province.app_context():
        get_db().execute("UPDATE sms_invitations SET created_at = '2020-01-01T00:00:00.000Z'")
        get_db().conn.commit()
    assert invite(client, admin).json["status"] == "queued"


def test_a_number_that_opted_out_gets_no_invitation(sms_province, admin):
    from tests.sms.support import inbound
    client = sms_province.test_client()
    inbound(client, sms_province, "HUY")
    response = invite(client, admin)
    assert response.status_code == 202 and response.json["status"] == "opted_out"
    assert rows(sms_province, "SELECT id FROM sms_messages") == []


def test_no_invitation_goes_out_in_quiet_hours(database):
    app = make_app(database, SMS_QUIET_HOURS="21:00-07:00")
    from tests.sms.test_webhooks import setup_offices
    setup_offices(app)
    headers = auth(add_user(app))
    client = app.test_client()
    # 22:30 local time on 5 March: the message waits for 07:00 on 6 March
    asked = dt.datetime(2026, 3, 5, 15, 30, tzinfo=dt.UTC)
    response = invite(client, headers, send_after=asked.isoformat())
    assert response.status_code == 202
    [message] = rows(app, "SELECT next_attempt_at FROM sms_messages")
    assert message["next_attempt_at"] >= "2026-03-06T00:00:00.000Z" or message["next_attempt_at"] > asked.isoformat()
    with app.app_context():
        sender = Sender(app.extensions["sms"])
        late = dt.datetime(2026, 3, 5, 16, 0, tzinfo=dt.UTC)  # 23:00 local
        get_db().execute("UPDATE sms_messages SET next_attempt_at = '2026-03-05T15:00:00.000Z'")
        get_db().conn.commit()
        assert sender.send_due(get_db(), now=late)["deferred"] == 1
        [message] = rows(app, "SELECT status, next_attempt_at FROM sms_messages")
        assert message == {"status": "pending", "next_attempt_at": "2026-03-06T00:00:00.000Z"}  # 07:00 local
        morning = dt.datetime(2026, 3, 6, 0, 0, 1, tzinfo=dt.UTC)
        assert sender.send_due(get_db(), now=morning)["sent"] == 1


def test_empty_quiet_hours_setting_sends_at_night(sms_province, admin):
    client = sms_province.test_client()
    invite(client, admin)
    with sms_province.app_context():
        today = dt.datetime.now(sms_province.extensions["timezone"]).date()
        night = dt.datetime.combine(today + dt.timedelta(days=1), dt.time(0, 30),
                                    sms_province.extensions["timezone"])  # half past midnight local
        assert Sender(sms_province.extensions["sms"]).send_due(get_db(), now=night)["sent"] == 1


def test_the_raw_number_is_erased_after_the_retention_period_and_only_the_hash_remains(sms_province, admin):
    client = sms_province.test_client()
    invite(client, admin)
    with sms_province.app_context():
        sender = Sender(sms_province.extensions["sms"])
        now = dt.datetime.now(dt.UTC)
        sender.send_due(get_db(), now=now)
        assert rows(sms_province, "SELECT phone FROM sms_messages") == [{"phone": E164}]
        counts = sender.send_due(get_db(), now=now + dt.timedelta(hours=73))
        assert counts["erased"] == 1
    [message] = rows(sms_province, "SELECT phone, phone_hash FROM sms_messages")
    key = phones.number_key(sms_province.config["SECRET_KEY"], E164)
    assert message == {"phone": None, "phone_hash": key}
    # the cap still knows the number
    assert invite(client, admin).json["status"] == "capped"


# The outside review's Info item: any international number, and no limit per user.

def test_a_number_abroad_gets_no_invitation_unless_its_region_is_allowed(database):
    from tests.sms.test_webhooks import setup_offices
    for allowed, status in ((None, 400), (["VN", "FR"], 202)):
        app = make_app(database, **({"SMS_ALLOWED_REGIONS": allowed} if allowed else {}))
        if allowed is None:
            setup_offices(app)
        response = invite(app.test_client(), auth(add_user(app, f"dossiers-{status}")), phone="+33 6 12 34 56 78")
        assert response.status_code == status, response.json
        if status == 400:
            assert response.json["error"].startswith("phone: numbers of region FR are not invited")
            assert rows(app, "SELECT COUNT(*) AS n FROM sms_invitations") == [{"n": 0}]


def test_one_user_cannot_ask_for_more_invitations_a_day_than_the_limit(database):
    from tests.sms.test_webhooks import setup_offices
    app = make_app(database, SMS_INVITATIONS_PER_USER_DAY=2)
    setup_offices(app)
    client, busy, other = app.test_client(), auth(add_user(app, "busy")), auth(add_user(app, "other"))
    assert [invite(client, busy, phone=f"0912 345 67{n}").status_code for n in range(3)] == [202, 202, 429]
    assert "SMS_INVITATIONS_PER_USER_DAY" in invite(client, busy, phone="0912 345 679").json["error"]
    assert invite(client, other, phone="0912 345 679").status_code == 202
    assert rows(app, "SELECT COUNT(*) AS n FROM sms_invitations") == [{"n": 3}]


def test_the_counter_and_officer_named_go_with_the_invitation(sms_province, admin):
    add_offices(sms_province, rows=(), staff=[("CB1", "Nguyễn Văn An", "D", "Quầy 2")])
    assert invite(sms_province.test_client(), admin, counter="Quầy 2", staff="CB1").status_code == 202
    [invitation] = rows(sms_province, """SELECT c.label, i.staff_code FROM sms_invitations i
                                         JOIN counters c ON c.id = i.counter_id""")
    assert invitation == {"label": "Quầy 2", "staff_code": "CB1"}
