"""Fixtures for the dashboards: the demo province behind the app, and logged-in clients."""

import pytest

from server import create_app
from tests.dashboards.support import log_in


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
