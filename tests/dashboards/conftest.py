"""Fixtures for the dashboards: the demo province behind the app, and logged-in clients."""

import re

import pytest

from server import create_app

PASSWORD = "demo-password"
# The demo database ends on 2026-10-31; views name their dates so tests do not age.
YEAR = {"preset": "custom", "from": "2025-11-01", "to": "2026-10-31"}


def csrf_token(html):
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "the page has no CSRF token"
    return match.group(1)


def log_in(client, username, password=PASSWORD):
    token = csrf_token(client.get("/login").text)
    return client.post("/login", data={"username": username, "password": password, "csrf_token": token})


def post_form(client, url, data, page=None):
    """POST a form the way a browser does: with the CSRF token from the page."""
    token = csrf_token(client.get(page or url).text)
    return client.post(url, data={**data, "csrf_token": token})


@pytest.fixture
def demo_app(demo_copy):
    return create_app({"DATABASE": str(demo_copy), "SQLITE_SYNCHRONOUS": "NORMAL", "TESTING": True})


@pytest.fixture
def as_user(demo_app):
    """as_user(name) -> a test client logged in as that demo user."""
    def make(username):
        client = demo_app.test_client()
        response = log_in(client, username)
        assert response.status_code == 302, response.text
        return client
    return make
