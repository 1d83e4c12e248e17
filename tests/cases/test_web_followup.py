"""The web page's second question offers the optional number with its consent line; reasons or a
number given there open the case (the core's on_followup hook), in the follow-up's transaction."""

import json
import sqlite3

from server.db import get_db
from tests.support import auth
from tests.web.conftest import app, counter_path, token  # noqa: F401 (fixtures)
from tests.web.support import BASE, form_fields


def _poor(client, path):
    page = client.get(path)
    answer = client.post(path, data={**form_fields(page.get_data(as_text=True)), "score": 1})
    why = answer.headers["Location"]
    html = client.get(why).get_data(as_text=True)
    return why.split("?")[0], html


def _cases(database):
    with sqlite3.connect(database) as conn:
        return conn.execute("SELECT contact, contact_source, status FROM cases").fetchall()


def test_the_why_page_offers_the_number_and_reasons_open_the_case(client, counter_path, database):  # noqa: F811
    url, html = _poor(client, counter_path)
    assert "Để lại số điện thoại để cơ quan liên hệ lại" in html and 'name="consent"' in html
    # The consent line says when the number is erased: the case closed plus the retention setting.
    days = client.application.config["CASE_CONTACT_RETENTION_DAYS"]
    assert f"số được xoá {days} ngày sau khi ý kiến được giải quyết xong" in html
    assert _cases(database) == []  # the score alone said nothing to answer
    done = client.post(url, data={**form_fields(html), "reason": ["waiting_time"], "contact": "0912 345 678",
                                  "consent": "1"})
    assert done.status_code == 303
    assert _cases(database) == [("+84912345678", "web", "open")]


def test_a_number_without_consent_is_shown_again_and_nothing_is_lost(client, counter_path, database):  # noqa: F811
    url, html = _poor(client, counter_path)
    again = client.post(url, data={**form_fields(html), "comment": "Chờ quá lâu", "contact": "0912345678"})
    text = again.get_data(as_text=True)
    assert again.status_code == 400 and "xin đánh dấu đồng ý" in text and "Chờ quá lâu" in text
    assert 'value="0912345678"' in text
    assert _cases(database) == []
    done = client.post(url, data={**form_fields(text), "comment": "Chờ quá lâu"})
    assert done.status_code == 303 and _cases(database) == [(None, None, "open")]


def _dossier_link(client, token):  # noqa: F811 (the fixture, passed on)
    answer = client.post("/api/v1/rating-links", headers=auth(token),
                         json={"office": "D", "counter": "Quầy 1", "reference": "H12.34-260301-0002"})
    assert answer.status_code == 201, answer.json
    return answer.json["url"][len(BASE):]


def _case_rows(database):
    with sqlite3.connect(database) as conn:
        cases = conn.execute("SELECT id, status, outcome FROM cases").fetchall()
        events = conn.execute("SELECT actor, kind, details FROM case_events ORDER BY id").fetchall()
        audit = conn.execute("SELECT actor, action FROM audit_log WHERE action LIKE 'case.%'").fetchall()
    return cases, events, audit


def test_a_web_rating_changed_to_good_closes_its_case_by_itself_and_back_to_poor_reopens_it(
        app, client, token, database):  # noqa: F811
    path = _dossier_link(client, token)
    url, html = _poor(client, path)
    assert client.post(url, data={**form_fields(html), "reason": ["waiting_time"]}).status_code == 303
    [(case_id, status, _)], _, _ = _case_rows(database)
    assert status == "open"
    # The citizen changes the score to "Hài lòng" within the edit window: the case is not
    # needed any more. It is closed, not deleted, with a timeline line a supervisor can read.
    page = client.get(path)
    assert client.post(path, data={**form_fields(page.get_data(as_text=True)), "score": 3}).status_code == 303
    cases, events, audit = _case_rows(database)
    assert cases == [(case_id, "closed", "rating_changed")]
    assert (events[-1][0], events[-1][1], json.loads(events[-1][2])) == (
        "system", "closed", {"outcome": "rating_changed", "score": 3})
    assert audit == [("system", "case.close")]
    with app.app_context():
        from cases.figures import case_figures
        from server.timeutil import utcnow
        assert case_figures(get_db(), None, "2000-01-01", "2100-01-01", utcnow())["opened"] == 0
    listed = client.get("/api/v1/cases?status=closed", headers=auth(token)).json["cases"]
    assert [c["outcome"] for c in listed] == ["rating_changed"]
    # ... and changed back to a poor score, it is needed again.
    page = client.get(path)
    client.post(path, data={**form_fields(page.get_data(as_text=True)), "score": 1})
    cases, events, _ = _case_rows(database)
    assert cases == [(case_id, "open", None)] and events[-1][1] == "reopened"
