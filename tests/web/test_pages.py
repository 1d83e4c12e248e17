"""The web channel through the app: a counter's page, the dossier link, the guards, the stats."""

import concurrent.futures
import datetime as dt
import re
import sqlite3
import threading
import time

from server.db import get_db, write_transaction
from server.timeutil import to_stored
from tests.support import add_user, auth, pin_clock
from tests.web.support import BASE, form_fields
from web import links


def _rate(client, path, score, **extra):
    page = client.get(path)
    assert page.status_code == 200
    fields = form_fields(page.get_data(as_text=True))
    return client.post(path, data={**fields, "score": score, **extra}), fields


def _ratings(database):
    with sqlite3.connect(database) as conn:
        return conn.execute("SELECT channel, score, reasons, comment, misuse, counter_id, staff_id, reference "
                            "FROM ratings ORDER BY id").fetchall()


def test_a_good_rating_from_the_counter_page_is_stored_as_web_and_thanked(client, counter_path, database):
    page = client.get(counter_path)
    html = page.get_data(as_text=True)
    assert "Huyện Một" in html and "Quầy 1" in html and "Rất hài lòng" in html
    assert "<script" not in html
    assert "default-src 'none'" in page.headers["Content-Security-Policy"]
    answer, _ = _rate(client, counter_path, 4)
    assert answer.status_code == 303 and answer.headers["Location"].startswith(counter_path + "/thanks")
    thanks = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "Xin cảm ơn Ông/Bà đã đánh giá!" in thanks
    [(channel, score, _, _, misuse, counter_id, staff_id, _)] = _ratings(database)
    assert (channel, score, misuse) == ("web", 4, 0) and counter_id is not None and staff_id is not None


def test_a_poor_rating_asks_why_and_keeps_reasons_and_comment(client, counter_path, database):
    answer, _ = _rate(client, counter_path, 1)
    why = answer.headers["Location"]
    assert "/why?" in why
    html = client.get(why).get_data(as_text=True)
    assert "Ông/Bà chưa hài lòng về điều gì?" in html and "Thời gian chờ đợi lâu" in html
    fields = form_fields(html)
    done = client.post(why.split("?")[0], data={**fields, "reason": ["waiting_time", "fees"],
                                                "comment": "Chờ quá lâu"})
    assert done.status_code == 303 and "/thanks" in done.headers["Location"]
    [(_, score, reasons, comment, *_)] = _ratings(database)
    assert (score, reasons, comment) == (1, '["waiting_time", "fees"]', "Chờ quá lâu")


def test_a_comment_too_long_is_shown_again_not_dropped(client, counter_path, database):
    answer, _ = _rate(client, counter_path, 1)
    fields = form_fields(client.get(answer.headers["Location"]).get_data(as_text=True))
    long = "dài " * 200
    again = client.post(answer.headers["Location"].split("?")[0], data={**fields, "comment": long})
    assert again.status_code == 400 and long.strip() in again.get_data(as_text=True)


def test_a_double_tap_or_resubmit_is_one_rating(client, counter_path, database):
    answer, fields = _rate(client, counter_path, 3)
    again = client.post(counter_path, data={**fields, "score": 3})
    assert again.status_code == 303 and "/thanks" in again.headers["Location"]
    assert len(_ratings(database)) == 1


def test_the_same_browser_rates_a_counter_once_in_the_repeat_window(client, counter_path, database):
    _rate(client, counter_path, 4)
    second = client.get(counter_path)
    assert "Ông/Bà đã đánh giá quầy này" in second.get_data(as_text=True)
    fields = form_fields(client.get(counter_path.replace("/r/", "/r/")).get_data(as_text=True))
    assert "client_id" not in fields  # no form to send again
    assert len(_ratings(database)) == 1


def test_without_the_csrf_token_nothing_is_stored(client, counter_path, database):
    page = client.get(counter_path)
    fields = form_fields(page.get_data(as_text=True))
    answer = client.post(counter_path, data={"client_id": fields["client_id"], "score": 4})
    assert answer.status_code == 400 and "Xin chạm lại" in answer.get_data(as_text=True)
    assert _ratings(database) == []


def test_a_rotated_code_answers_politely_and_an_unknown_one_says_so(client, counter_path, runner):
    result = runner.invoke(args=["counter", "rotate", "D", "--counter", "Quầy 1"])
    new_path = result.output.strip().splitlines()[-1][len(BASE):]
    assert new_path != counter_path
    old = client.get(counter_path)
    assert old.status_code == 410 and "Mã này không còn được sử dụng" in old.get_data(as_text=True)
    assert client.get(new_path).status_code == 200
    assert client.get("/r/ZZZZZZ").status_code == 404
    assert client.get(counter_path.lower().replace("/r/", "/r/")).status_code in (200, 410)


def test_english_and_the_configured_languages_are_offered(database, province):
    from server import create_app

    app = create_app({"DATABASE": str(database), "TESTING": True, "SECRET_KEY": "k" * 40,
                      "LANGUAGES": {"ede": {"name": "Êđê", "texts": {"question": "Ih mâo hơ̆k mơak?"}}}})
    path = app.test_cli_runner().invoke(args=["counter", "link", "D", "--counter", "Quầy 1"]).output.split()[-1]
    path = path[path.index("/r/"):]
    client = app.test_client()
    html = client.get(path).get_data(as_text=True)
    assert 'hreflang="en"' in html and "Êđê" in html and '<html lang="vi">' in html
    assert "How satisfied are you" in client.get(path + "?lang=en").get_data(as_text=True)
    assert "Ih mâo hơ̆k mơak?" in client.get(path + "?lang=ede").get_data(as_text=True)


def test_web_ratings_are_counted_in_stats_by_channel(client, counter_path, token):
    _rate(client, counter_path, 1)
    assert client.get("/api/v1/stats?channel=bogus", headers=auth(token)).status_code == 400
    for channel, expected in (("web", 1), ("all", 1), ("kiosk", 0)):
        rows = client.get(f"/api/v1/stats?office=D&period=day&channel={channel}", headers=auth(token)).json["rows"]
        assert sum(row["responses"] for row in rows) == expected, channel


def test_an_address_sending_too_fast_is_flagged_then_limited(app, client, counter_path, database):
    app.config["WEB_RATINGS_PER_MINUTE"] = 3
    for _ in range(3):
        client.delete_cookie("rated", path="/r/")
        answer, _ = _rate(client, counter_path, 4)
        assert answer.status_code == 303
    client.delete_cookie("rated", path="/r/")
    limited, _ = _rate(client, counter_path, 4)
    assert limited.status_code == 429 and "Xin thử lại sau một phút" in limited.get_data(as_text=True)
    assert [row[4] for row in _ratings(database)] == [0, 1, 1]  # the burst is kept, flagged
    with sqlite3.connect(database) as conn:
        counted = conn.execute("SELECT key, SUM(ratings) FROM web_address_counts GROUP BY key").fetchall()
        columns = [row[1] for row in conn.execute("PRAGMA table_info(ratings)")]
    assert len(counted) == 1 and counted[0][1] == 3 and "127.0.0.1" not in counted[0][0]
    assert not {"ip", "address", "user_agent"} & set(columns)



def _simultaneous_taps(app, counter_path, monkeypatch):
    """Two phones behind one address tap at the same moment; the address's count is read slowly,
    so each read happens before the other tap is stored unless the reads take turns."""
    from web import storage

    read = storage.hits_since

    def slow(db, key, since):
        answer = read(db, key, since)
        time.sleep(0.3)
        return answer

    monkeypatch.setattr(storage, "hits_since", slow)
    forms = []
    for _ in range(2):
        client = app.test_client()
        forms.append((client, form_fields(client.get(counter_path).get_data(as_text=True))))
    start = threading.Barrier(2)

    def tap(client, fields):
        start.wait()
        return client.post(counter_path, data={**fields, "score": 4}).status_code

    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        return sorted(pool.map(lambda pair: tap(*pair), forms))


def test_the_address_limit_and_burst_rule_hold_across_the_utc_midnight_when_its_key_changes(
        app, client, counter_path, database, monkeypatch):
    """The address's hash is keyed with the UTC date, so it changes at 00:00 UTC: 07:00 in
    Vietnam, when the offices open. A tap just after it is still counted with the one just before."""
    app.config["WEB_RATINGS_PER_MINUTE"] = 1
    pin_clock(monkeypatch, dt.datetime(2026, 12, 1, 23, 59, 50, tzinfo=dt.UTC))
    assert _rate(client, counter_path, 4)[0].status_code == 303
    client.delete_cookie("rated", path="/r/")  # another browser behind the same address
    pin_clock(monkeypatch, dt.datetime(2026, 12, 2, 0, 0, 5, tzinfo=dt.UTC))
    limited, _ = _rate(client, counter_path, 4)
    assert limited.status_code == 429  # 15 s after its first: over the limit of one a minute
    app.config["WEB_RATINGS_PER_MINUTE"] = 10
    client.delete_cookie("rated", path="/r/")
    assert _rate(client, counter_path, 4)[0].status_code == 303
    assert [row[4] for row in _ratings(database)] == [0, 1]  # and within the burst window: flagged


def test_simultaneous_taps_from_one_address_cannot_pass_its_limit(app, counter_path, database, monkeypatch):
    app.config["WEB_RATINGS_PER_MINUTE"] = 1
    assert _simultaneous_taps(app, counter_path, monkeypatch) == [303, 429]
    assert len(_ratings(database)) == 1


def test_simultaneous_taps_from_one_address_are_a_burst(app, counter_path, database, monkeypatch):
    assert _simultaneous_taps(app, counter_path, monkeypatch) == [303, 303]
    assert sorted(row[4] for row in _ratings(database)) == [0, 1]  # the second is flagged, kept

def _link(client, token, **fields):
    answer = client.post("/api/v1/rating-links", headers=auth(token),
                         json={"office": "D", "counter": "Quầy 1", "staff": "CB1", "service": "1.001",
                               "reference": "H12.34-260301-0001", **fields})
    assert answer.status_code == 201, answer.json
    # The address is the signed random nonce kept in web_links and nothing else, so it cannot carry
    # the dossier reference. (Looking for "H12" in it failed for about one link in 8,000: its
    # random base64 spells "H12" by chance.)
    with client.application.app_context():
        [nonce] = get_db().execute("SELECT nonce FROM web_links ORDER BY id DESC LIMIT 1").fetchone()
    assert re.fullmatch(r"[A-Za-z0-9_-]{22}", nonce)  # secrets.token_urlsafe(16)
    assert answer.json["url"] == links.link_url(BASE, client.application.config["SECRET_KEY"], nonce)
    return answer.json["url"][len(BASE):]


def test_a_dossier_link_counts_once_and_can_be_changed_for_ten_minutes(app, client, token, database):
    path = _link(client, token)
    first, _ = _rate(client, path, 2)
    assert first.status_code == 303
    again = client.get(path).get_data(as_text=True)
    assert "Có thể sửa đến" in again and "Bình thường" in again
    changed, _ = _rate(client, path, 4)
    assert changed.status_code == 303
    [(channel, score, _, _, _, counter_id, staff_id, reference)] = _ratings(database)
    assert (channel, score, reference) == ("web", 4, "H12.34-260301-0001") and counter_id and staff_id
    with app.app_context():
        db = get_db()
        with write_transaction(db):
            db.execute("UPDATE web_links SET rated_at = ?",
                       [to_stored(dt.datetime.now(dt.UTC) - dt.timedelta(minutes=11))])
    late = client.get(path)
    assert late.status_code == 200 and "Hồ sơ này đã được đánh giá" in late.get_data(as_text=True)
    assert len(_ratings(database)) == 1


def test_a_dossier_link_opened_in_two_tabs_gives_one_rating(client, token, database):
    path = _link(client, token)
    tab_one = form_fields(client.get(path).get_data(as_text=True))
    tab_two = form_fields(client.get(path).get_data(as_text=True))
    client.post(path, data={**tab_one, "score": 4})
    client.post(path, data={**tab_two, "score": 3})
    assert [row[1] for row in _ratings(database)] == [3]


def test_an_expired_or_changed_link_gets_a_clear_page(client, token, database):
    path = _link(client, token, expires_in_hours=0.0001)
    import time
    time.sleep(0.5)
    expired = client.get(path)
    assert expired.status_code == 410 and "đã hết hạn" in expired.get_data(as_text=True)
    good = _link(client, token)
    tampered = client.get(good[:-3] + ("AAA" if not good.endswith("AAA") else "BBB"))
    assert tampered.status_code == 404 and "không hợp lệ" in tampered.get_data(as_text=True)
    assert client.post(good[:-2] + "xx", data={"score": 4}).status_code == 404
    assert _ratings(database) == []


def test_a_link_whose_last_character_was_changed_is_refused_even_where_base64_would_ignore_it(client, token):
    # A signature's last base64 character carries 4 bits and 2 unused ones: decoders ignore
    # those, so three other spellings of that character read as the same signature. The
    # tampered-link test above caught one once in about a thousand runs ("…xw" sent as "…xx").
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    good = _link(client, token)
    assert client.get(good).status_code == 200
    last = alphabet.index(good[-1])
    assert last % 4 == 0  # itsdangerous writes the canonical spelling
    for other in (alphabet[last + 1], alphabet[last + 2], alphabet[last + 3]):
        changed = client.get(good[:-1] + other)
        assert changed.status_code == 404 and "không hợp lệ" in changed.get_data(as_text=True), other
        assert client.post(good[:-1] + other, data={"score": 4}).status_code == 404


def test_rating_links_are_checked_and_scoped_like_invitations(client, province, token):
    bad = [({}, 400, "office"), ({"office": "NOPE"}, 400, "office"), ({"office": "D", "counter": "Quầy 9"}, 400,
           "counter"), ({"office": "D", "staff": "XX"}, 400, "staff"),
           ({"office": "D", "expires_in_hours": 0}, 400, "expires_in_hours"),
           ({"office": "D", "expires_in_hours": True}, 400, "expires_in_hours"),
           ({"office": "D", "reference": "x" * 65}, 400, "reference")]
    for body, status, field in bad:
        answer = client.post("/api/v1/rating-links", headers=auth(token), json=body)
        assert answer.status_code == status and answer.json["error"].startswith(field), (body, answer.json)
    assert client.post("/api/v1/rating-links", json={"office": "D"}).status_code == 401
    viewer = add_user(province, "xem", "viewer", "D")
    assert client.post("/api/v1/rating-links", headers=auth(viewer), json={"office": "D"}).status_code == 403
    local = add_user(province, "huyen2", "supervisor", "E")
    assert client.post("/api/v1/rating-links", headers=auth(local), json={"office": "D"}).status_code == 403


def test_the_page_with_its_styles_is_small(client, counter_path):
    page = client.get(counter_path)
    total = len(page.data) + len(client.get("/r/static/web.css").data) + len(client.get("/r/levels.css").data)
    assert total < 60_000


def test_a_phone_keeps_the_styles_but_never_the_pages(client, counter_path):
    """On 3G every page (faces, reasons, thanks) would fetch the two stylesheets again, and
    through nginx each counts against the address's limit on /r/."""
    page = client.get(counter_path)
    assert page.headers["Cache-Control"] == "no-store"
    for stylesheet in ("/r/static/web.css", "/r/levels.css"):
        answer = client.get(stylesheet)
        assert answer.status_code == 200
        assert "no-store" not in answer.headers["Cache-Control"] and "max-age=3600" in answer.headers["Cache-Control"]


def test_a_form_is_read_as_werkzeug_reads_it(app, client, counter_path, database):
    """The pages read their urlencoded forms themselves (web.pages.read_form_in_one_read):
    the same fields, a body that is not UTF-8 stores nothing, one over the limit is a 413."""
    page = client.get(counter_path)
    fields = form_fields(page.get_data(as_text=True))
    bad = "&".join(f"{name}={value}" for name, value in fields.items()).encode() + b"&score=4&x=\xff\xfe"
    answer = client.post(counter_path, data=bad, content_type="application/x-www-form-urlencoded")
    assert answer.status_code == 400 and "Xin chạm lại" in answer.get_data(as_text=True)
    assert _ratings(database) == []
    app.config["MAX_CONTENT_LENGTH"] = 2000
    big = client.post(counter_path, data={**fields, "score": 4, "comment": "x" * 3000})
    assert big.status_code == 413 and _ratings(database) == []
    answer = client.post(counter_path, data={**fields, "score": "4", "unused": ""})
    assert answer.status_code == 303 and [row[1] for row in _ratings(database)] == [4]


def test_a_stored_web_rating_is_counted_in_the_metrics(client, counter_path):
    from server.observability import RATINGS

    before = RATINGS.labels("web", "accepted")._value.get()
    answer, _ = _rate(client, counter_path, 4)
    assert answer.status_code == 303
    text = client.get("/metrics").get_data(as_text=True)
    line = next(line for line in text.splitlines()
                if line.startswith('satisfaction_ratings_total{channel="web",result="accepted"}'))
    assert float(line.split()[-1]) == before + 1
