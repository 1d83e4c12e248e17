"""The pages' signing (web.signing): tokens and cookies are itsdangerous' own, and the forms'
CSRF token holds only with the cookie it was made for."""

import time

from itsdangerous import URLSafeSerializer, URLSafeTimedSerializer

from tests.web.support import form_fields
from web import guard, links, signing

SECRET = "signing-tests-" + "x" * 30


def test_links_and_cookies_read_as_itsdangerous_makes_them_and_back():
    # Links already printed on receipts and cookies already on phones stay valid.
    plain = URLSafeSerializer(SECRET, salt=links.SALT)
    assert links.signer(SECRET).dumps("abc") == plain.dumps("abc")
    assert links.nonce_of(SECRET, plain.dumps("nonce-1")) == "nonce-1"
    timed = URLSafeTimedSerializer(SECRET, salt=guard.SALT)
    now = int(time.time())
    cookie = guard.with_rating(SECRET, {}, 7, "id-1")
    assert timed.loads(cookie, max_age=60)["7"][1] == "id-1"
    assert guard.rated_counters(SECRET, timed.dumps({"7": [now, "id-1"]}), 1) == {"7": (now, "id-1")}
    assert guard.rated_counters("another-secret-" + "x" * 30, cookie, 1) == {}
    # A cookie naming many counters, which itsdangerous would have deflated, reads the same both ways.
    many = {str(n): (now, "id-1") for n in range(12)}
    crowded = guard.with_rating(SECRET, many, 99, "id-2")
    assert len(timed.loads(crowded, max_age=60)) == 13 and guard.rated_counters(SECRET, crowded, 1)["99"][1] == "id-2"
    assert guard.rated_counters(SECRET, timed.dumps({k: list(v) for k, v in many.items()}), 1) == many
    # A character the signature uses all of (base64 ignores 2 bits of the last one).
    changed = cookie[:-2] + ("A" if cookie[-2] != "A" else "B") + cookie[-1]
    assert guard.rated_counters(SECRET, changed, 1) == {}
    # The last character in another spelling base64 would read the same: refused too (web.signing).
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    last = alphabet.index(cookie[-1])
    assert last % 4 == 0
    for other in alphabet[last + 1:last + 4]:
        assert guard.rated_counters(SECRET, cookie[:-1] + other, 1) == {}


def test_the_csrf_token_holds_only_with_its_own_cookie():
    value, other = signing.new_csrf_value(), signing.new_csrf_value()
    token = signing.csrf_token(SECRET, value)
    assert signing.csrf_valid(SECRET, value, token)
    assert not signing.csrf_valid(SECRET, other, token)
    assert not signing.csrf_valid(SECRET, None, token)
    assert not signing.csrf_valid(SECRET, value, None) and not signing.csrf_valid(SECRET, value, "")
    assert not signing.csrf_valid("another-secret-" + "x" * 30, value, token)
    assert not signing.csrf_valid(SECRET, "short", signing.csrf_token(SECRET, "short"))


def test_a_form_sent_with_another_browsers_token_stores_nothing(app, counter_path, database):
    import sqlite3

    mine, theirs = app.test_client(), app.test_client()
    fields = form_fields(mine.get(counter_path).get_data(as_text=True))
    theirs.get(counter_path)  # a browser of its own, with its own cookie
    answer = theirs.post(counter_path, data={**fields, "score": 4})
    assert answer.status_code == 400 and "Xin chạm lại" in answer.get_data(as_text=True)
    without_cookie = app.test_client().post(counter_path, data={**fields, "score": 4})
    assert without_cookie.status_code == 400
    assert mine.post(counter_path, data={**fields, "score": 4}).status_code == 303
    with sqlite3.connect(database) as conn:
        assert conn.execute("SELECT COUNT(*) FROM ratings").fetchone()[0] == 1


def test_the_pages_set_no_session_cookie_and_a_csrf_cookie_only_for_their_own_kind(client, counter_path):
    page = client.get(counter_path)
    cookies = page.headers.getlist("Set-Cookie")
    assert [c.split("=", 1)[0] for c in cookies] == [signing.CSRF_COOKIE]
    assert "Path=/r/" in cookies[0] and "HttpOnly" in cookies[0] and "SameSite=Lax" in cookies[0]
    again = client.get(counter_path)  # the cookie is kept, not replaced on every page
    assert again.headers.getlist("Set-Cookie") == []
