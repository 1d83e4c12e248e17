"""The web page's second question offers the optional number with its consent line; reasons or a
number given there open the case (the core's on_followup hook), in the follow-up's transaction."""

import sqlite3

from tests.web.conftest import app, counter_path  # noqa: F401 (fixtures)
from tests.web.support import form_fields


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
    assert "số được xoá sau khi xử lý xong" in html
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
