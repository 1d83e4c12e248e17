"""The SMS funnel the dashboards show: invited -> sent -> delivered -> replied, opt-outs, cost."""

import datetime as dt

from server.db import get_db, write_transaction
from sms.reports import funnel
from sms.segments import measure
from sms.sender import Sender
from tests.sms.support import inbound, signed_post


def office_ids(app, *codes):
    with app.app_context():
        return [get_db().execute("SELECT id FROM offices WHERE code = ?", [code]).fetchone()[0] for code in codes]


def test_the_funnel_counts_each_step_for_the_offices_and_days_asked(sms_province, admin):
    client = sms_province.test_client()

    def invite(phone, office):
        return client.post("/api/v1/invitations", json={"phone": phone, "office": office}, headers=admin).json

    inbound(client, sms_province, "STOP", sender="+84900000004")
    invite("0900 000 001", "D")             # delivered and answered
    invite("0900 000 002", "C")             # failed
    invite("0900 000 001", "D")             # capped
    invite("0900 000 004", "D")             # opted out before
    invite("0900 000 005", "E")             # another district
    invite("0900 000 006", "C")             # not sent yet
    with sms_province.app_context():
        db = get_db()
        with write_transaction(db):
            db.execute("UPDATE sms_messages SET next_attempt_at = '2999-01-01T00:00:00.000Z' WHERE id = 4")
        Sender(sms_province.extensions["sms"]).send_due(db)
        with write_transaction(db):
            db.execute("UPDATE sms_messages SET twilio_sid = 'SM' || printf('%032d', id)")
    for sid, status in (("SM" + "1".zfill(32), "delivered"), ("SM" + "2".zfill(32), "failed")):
        signed_post(client, sms_province, "/sms/twilio/status", {"MessageSid": sid, "MessageStatus": status})
    inbound(client, sms_province, "1", sender="+84900000001")
    inbound(client, sms_province, "chờ lâu", sender="+84900000001")

    today = dt.datetime.now(sms_province.extensions["timezone"]).date()
    with sms_province.app_context():
        result = funnel(get_db(), office_ids(sms_province, "D", "C"), today, today)
        elsewhere = funnel(get_db(), office_ids(sms_province, "E"), today, today)
        yesterday = funnel(get_db(), office_ids(sms_province, "D", "C"), today - dt.timedelta(days=1),
                           today - dt.timedelta(days=1))
        invitation_segments = get_db().execute(
            "SELECT SUM(segments) FROM sms_messages WHERE id IN (1, 2)").fetchone()[0]
    assert {k: result[k] for k in ("invited", "queued", "capped", "sent", "delivered", "failed", "replied",
                                   "opted_out")} == {
        "invited": 5, "queued": 1, "capped": 1, "sent": 2, "delivered": 1, "failed": 1, "replied": 1, "opted_out": 1}
    # the invitations sent plus the two answers in the conversation (follow-up question, thank-you
    # with the cases component's "do you want the office to contact you?")
    texts = sms_province.extensions["sms"].texts
    thanks = f"{texts.render('thanks_followup')} {texts.render('contact_question')}"
    answers = measure(texts.render("followup")).segments + measure(thanks).segments
    assert answers == 5
    assert result["segments"] == invitation_segments + answers
    assert elsewhere["invited"] == 1 and elsewhere["sent"] == 1
    assert yesterday == {name: 0 for name in yesterday}


def test_the_funnel_reads_indexes_only_not_a_row_per_invitation(sms_province, admin):
    """A province's year holds hundreds of thousands of invitations: the funnel walks
    indexes holding every column it needs, never the table rows (EXPLAIN QUERY PLAN)."""
    client = sms_province.test_client()
    for n in range(3):
        client.post("/api/v1/invitations", json={"phone": f"0900 000 10{n}", "office": "D"}, headers=admin)
    today = dt.datetime.now(sms_province.extensions["timezone"]).date()
    offices = office_ids(sms_province, "D", "C")
    with sms_province.app_context():
        db = get_db()
        Sender(sms_province.extensions["sms"]).send_due(db)
        statements = []
        db.conn.set_trace_callback(statements.append)
        try:
            result = funnel(db, offices, today, today)
        finally:
            db.conn.set_trace_callback(None)
        plans = [" | ".join(row[3] for row in db.conn.execute(f"EXPLAIN QUERY PLAN {sql}"))
                 for sql in statements if sql.lstrip().upper().startswith("SELECT")]
    assert result["invited"] == 3 and result["sent"] == 3 and result["segments"] > 0
    assert len(plans) == 2
    for plan in plans:
        searches = [step for step in plan.split(" | ")
                    if step.startswith(("SEARCH", "SCAN")) and "json_each" not in step]
        assert searches and all("COVERING INDEX" in step for step in searches), plan
