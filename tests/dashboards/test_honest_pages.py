"""Pages that look alive and honest: the demo exercises them (heartbeats, contacts, alerts open and
acknowledged and delivered to the outbox, audit entries); kiosk states are not rating words; the
SMS page has the others' defaults, only its filters and an empty state; errors in the layout."""

import json
import re

from server.db import get_db


def test_the_demo_gives_kiosks_heartbeats_supervisors_contacts_alerts_and_audit(demo_app):
    with demo_app.app_context():
        db = get_db()
        silent = db.execute("""SELECT COUNT(*) FROM kiosks k WHERE k.last_seen_at IS NULL
                               AND EXISTS (SELECT 1 FROM ratings r WHERE r.kiosk_id = k.id)""").fetchone()[0]
        assert silent == 0  # every kiosk with ratings has reported
        versions = {row[0] for row in db.execute("SELECT app_version FROM kiosks WHERE last_seen_at IS NOT NULL")}
        assert len(versions) >= 2
        contacts = db.execute("SELECT phone, email FROM users WHERE role = 'supervisor'").fetchall()
        assert contacts and all(phone and email for phone, email in contacts)
        alerts = db.execute("SELECT acknowledged_at, delivery FROM alerts ORDER BY id").fetchall()
        assert {acknowledged is None for acknowledged, _ in alerts} == {True, False}
        assert all({d["status"] for d in json.loads(delivery)} == {"outbox"} for _, delivery in alerts)
        assert db.execute("SELECT COUNT(*) FROM audit_log").fetchone()[0] >= 3


def test_kiosk_states_are_not_rating_words_and_kiosks_are_told_apart(as_user):
    html = as_user("tinh").get("/dashboard/kiosks").text
    states = re.findall(r'<span class="state [a-z]+">([^<]+)</span>', html)
    # The demo ended a month before today: its kiosks have been silent since, and say so.
    assert states and set(states) <= {"Đang báo về", "Mất liên lạc", "Chưa từng báo"} and "Bình thường" not in html
    assert "Phiếu gần nhất" in html and re.search(r"<td>#\d+</td>", html) and "1.4.2" in html


def test_the_sms_page_has_the_same_defaults_only_its_filters_and_an_empty_state(as_user):
    client = as_user("tinh")
    html = client.get("/dashboard/sms").text
    assert 'value="last_12_months" selected' in html
    assert 'name="channel"' not in html and 'name="include_misuse"' not in html
    empty = client.get("/dashboard/sms", query_string={"preset": "custom", "from": "2021-01-01",
                                                       "to": "2021-01-31"}).text
    assert 'data-empty="sms"' in empty and "01/01/2021" in empty and 'id="chart-funnel"' not in empty


def test_an_unknown_page_is_answered_in_the_layout_and_the_readers_language(as_user):
    client = as_user("tinh")
    response = client.get("/dashboard/no-such-page")
    assert response.status_code == 404 and "Không tìm thấy" in response.text and "Tổng quan" in response.text
    # The layout's own stylesheet may load (the core's bare CSP would leave the page unstyled).
    assert "style-src 'self'" in response.headers["Content-Security-Policy"]
    client.get("/language/en")
    english = client.get("/no/such/page")
    assert english.status_code == 404 and "Not found" in english.text and "Back to the overview" in english.text
    api = client.get("/api/v1/no-such-thing")
    assert api.status_code == 404 and api.is_json
