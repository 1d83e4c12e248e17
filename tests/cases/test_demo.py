"""`make run`'s demo has follow-up cases: open, overdue, answered and closed, some assigned, some
answered by SMS (messages of the outbox, not Twilio), a few with a number (masked), all
within the retention rules; a supervisor's cases page shows them."""

import datetime as dt
import re

import pytest

from server import create_app
from server.db import get_db
from server.timeutil import utcnow
from tests.dashboards.support import log_in
from tests.support import flask_cli, rows


@pytest.fixture(scope="module")
def live_demo(tmp_path_factory):
    """A small demo ending yesterday, as `make run` seeds it (the shared test demo ends in October),
    and a moment just before it was seeded."""
    path = tmp_path_factory.mktemp("cases-demo") / "demo.db"
    flask_cli(path, "init-db")
    before = utcnow()
    seeded = flask_cli(path, "seed-demo", "--ratings", "8000", "--days", "150", "--seed", "5")
    return path, seeded.stdout, before


def test_the_demo_has_cases_of_every_status_worked_as_a_province_would(live_demo):
    path, output, seeded_at = live_demo
    assert re.search(r"cases demo: [\d,]+ cases \([\d,]+ open of which [\d,]+ overdue", output)
    now = utcnow().strftime("%Y-%m-%dT%H:%M:%S")
    statuses = dict(rows(path, "SELECT status, COUNT(*) FROM cases GROUP BY status"))
    assert statuses["open"] and statuses["answered"] and statuses["closed"] > statuses["open"]
    [(overdue,)] = rows(path, "SELECT COUNT(*) FROM cases WHERE status = 'open' AND due_at < ?", [now])
    [(waiting,)] = rows(path, "SELECT COUNT(*) FROM cases WHERE status = 'open' AND due_at >= ?", [now])
    assert overdue and waiting
    # every case belongs to a dissatisfied, non-misuse rating that says why or came by SMS
    assert rows(path, """SELECT COUNT(*) FROM cases c JOIN ratings r ON r.id = c.rating_id
                         WHERE r.score > 2 OR r.misuse = 1
                            OR (r.reasons IS NULL AND r.comment IS NULL AND r.channel != 'sms')""") == [(0,)]
    [(assigned,)] = rows(path, "SELECT COUNT(*) FROM cases WHERE assignee_id IS NOT NULL")
    assert assigned
    replies = rows(path, """SELECT m.transport, m.twilio_sid, m.body FROM case_events e
                            JOIN sms_messages m ON m.id = json_extract(e.details, '$.message_id')
                            WHERE e.kind = 'reply'""")
    assert replies and {(transport, sid) for transport, sid, _ in replies} == {("outbox", None)}
    assert all(body.endswith("Nhắn 1 = Hài lòng với cách giải quyết, 2 = Chưa hài lòng") for *_, body in replies)
    wishes = dict(rows(path, "SELECT contact_wanted, COUNT(*) FROM cases WHERE contact_source = 'sms' "
                             "GROUP BY contact_wanted"))
    assert wishes.get(1) and wishes.get(0)
    assert rows(path, "SELECT COUNT(*) FROM cases WHERE contact_wanted = 0 AND contact IS NOT NULL") == [(0,)]
    [(kept,)] = rows(path, "SELECT COUNT(*) FROM cases WHERE contact IS NOT NULL")
    assert kept
    assert rows(path, "SELECT COUNT(*) FROM case_events WHERE kind = 'feedback'")[0][0]
    # Retention already holds: a purge erases nothing. As of the seeding (the demo keeps what a
    # purge then would): a number whose time came in the seconds since would be erased now.
    app = create_app({"DATABASE": str(path), "SQLITE_SYNCHRONOUS": "NORMAL", "TESTING": True})
    with app.app_context():
        from cases import retention
        [(_, _, erased)] = retention.purge(app, get_db(), seeded_at)
    assert erased == 0
    three_days_before = (seeded_at - dt.timedelta(days=3)).strftime("%Y-%m-%dT%H:%M:%S")
    assert rows(path, """SELECT COUNT(*) FROM sms_messages WHERE phone IS NOT NULL AND purpose = 'case-reply'
                         AND sent_at < ?""", [three_days_before]) == [(0,)]


def test_a_supervisors_cases_page_of_the_demo_shows_every_tab_with_masked_numbers(live_demo):
    path, *_ = live_demo
    app = create_app({"DATABASE": str(path), "SQLITE_SYNCHRONOUS": "NORMAL", "TESTING": True,
                      "SESSION_COOKIE_SECURE": False})
    client = app.test_client()
    assert log_in(client, "tinh", "demo-password").status_code == 302  # the province's supervisor
    numbers = [number for (number,) in rows(path, "SELECT contact FROM cases WHERE contact IS NOT NULL")]
    for status, label in (("open", "Đang mở"), ("overdue", "Quá hạn"), ("answered", "Đã trả lời"),
                          ("closed", "Đã đóng")):
        page = client.get(f"/dashboard/cases?status={status}")
        html = page.get_data(as_text=True)
        assert page.status_code == 200
        count = int(re.search(rf'class="tab {status}"[^>]*>{label} <strong>(\d+)</strong>', html).group(1))
        assert count > 0, status
        listed = re.findall(r'<tr class="(overdue|)">', html)
        assert listed and "Không có phản ánh nào" not in html, status
        assert (set(listed) == {"overdue"}) if status == "overdue" else True
        assert not any(number in html or number[3:] in html for number in numbers)
    shown = client.get("/dashboard/cases?status=open").get_data(as_text=True)
    assert re.search(r"\+849\d\*{5}\d\d", shown)  # a masked number
