"""Helpers the dashboards' tests share: the demo's password and year, logging in, posting forms."""

import datetime as dt
import re

PASSWORD = "demo-password"
# The demo database ends on 2026-10-31; views name their dates so tests do not age.
YEAR = {"preset": "custom", "from": "2025-11-01", "to": "2026-10-31"}
# A page without dates (the public page, a report's retention cut) counts from the server's today:
# tests pin it (tests.support.pin_clock) to this moment a few weeks after the demo, as if it were new.
DEMO_NOW = dt.datetime(2026, 11, 18, 3, 0, tzinfo=dt.UTC)


CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_token(html):
    match = CSRF_FIELD.search(html)
    assert match, "the page has no CSRF token"
    return match.group(1)


def without_csrf_tokens(html):
    """The page with its CSRF tokens' values left out, for tests that a word is not on it: a token
    is 91 characters of random base64, which spell any short word now and then ("cdn" in any case
    once in about 1,300 tokens)."""
    return CSRF_FIELD.sub('name="csrf_token" value=""', html)


def log_in(client, username, password=PASSWORD):
    token = csrf_token(client.get("/login").text)
    return client.post("/login", data={"username": username, "password": password, "csrf_token": token})


def post_form(client, url, data, page=None):
    """POST a form the way a browser does: with the CSRF token from the page."""
    token = csrf_token(client.get(page or url).text)
    return client.post(url, data={**data, "csrf_token": token})
