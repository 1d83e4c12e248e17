"""The demo's SMS history (`make run`): a live-looking funnel without a Twilio account."""

import datetime as dt
import re

from server import create_app
from tests.dashboards.support import log_in
from tests.support import DEMO_END, DEMO_RATINGS, rows


def test_the_demo_has_invitations_deliveries_replies_opt_outs_and_one_undelivered_number(demo_database):
    statuses = dict(rows(demo_database, "SELECT status, COUNT(*) FROM sms_invitations GROUP BY status"))
    assert statuses["delivered"] > 50 and statuses["undelivered"] == 2
    [(numbers, code)] = rows(demo_database, """SELECT COUNT(DISTINCT phone_hash), MAX(error_code)
                                               FROM sms_invitations WHERE status = 'undelivered'""")
    assert (numbers, code) == (1, 30003)
    replied, delivered = rows(demo_database, """SELECT COUNT(replied_at), COUNT(*) FROM sms_invitations
                                                WHERE status = 'delivered'""")[0]
    assert 0.25 < replied / delivered < 0.6
    opted_out = rows(demo_database, "SELECT COUNT(*) FROM sms_invitations WHERE opted_out = 1")[0][0]
    assert opted_out >= 1 and rows(demo_database, "SELECT COUNT(*) FROM sms_opt_outs")[0][0] == opted_out


def test_every_reply_in_the_history_is_one_of_the_demos_sms_ratings_for_that_office(demo_database):
    unmatched = rows(demo_database, """SELECT COUNT(*) FROM sms_invitations i LEFT JOIN ratings r
                                       ON r.client_id = i.rating_client_id AND r.office_id = i.office_id
                                       AND r.channel = 'sms' AND r.created_at >= i.sent_at
                                       WHERE i.rating_client_id IS NOT NULL AND r.id IS NULL""")
    assert unmatched == [(0,)]
    assert rows(demo_database, "SELECT COUNT(*) FROM ratings") == [(DEMO_RATINGS,)]  # no rating added


def test_invitations_go_out_in_office_hours_within_four_weeks_before_the_end(demo_database):
    times = [dt.datetime.fromisoformat(t.replace("Z", "+00:00")).astimezone(dt.timezone(dt.timedelta(hours=7)))
             for (t,) in rows(demo_database, "SELECT sent_at FROM sms_invitations")]
    assert all(7 <= t.hour < 21 for t in times)
    assert min(t.date() for t in times) >= DEMO_END - dt.timedelta(days=28) and max(t.date() for t in times) <= DEMO_END


def test_the_sms_page_of_the_demo_shows_the_funnel_with_real_figures(demo_copy):
    app = create_app({"DATABASE": str(demo_copy), "SQLITE_SYNCHRONOUS": "NORMAL", "TESTING": True})
    client = app.test_client()
    log_in(client, "tinh")
    window = {"preset": "custom", "from": (DEMO_END - dt.timedelta(days=40)).isoformat(), "to": DEMO_END.isoformat()}
    html = client.get("/dashboard/sms", query_string=window).text
    cards = dict(re.findall(r'<div class="label">([^<]+)</div><div class="value">([^<]+)</div>', html))
    invited = int(cards["Đã mời"].replace(".", ""))
    assert invited == rows(demo_copy, "SELECT COUNT(*) FROM sms_invitations")[0][0]
    assert int(cards["Từ chối nhận tin"]) >= 1
