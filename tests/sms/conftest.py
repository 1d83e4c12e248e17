"""Fixtures for the SMS channel's tests: an app on a real SQLite file, signed webhooks."""

import pytest

from tests.sms.fake_twilio import FakeTwilio
from tests.sms.support import make_app
from tests.support import add_offices, add_user, auth


@pytest.fixture
def sms_app(database):
    return make_app(database)


@pytest.fixture
def sms_province(sms_app):
    """The test province (P > D > C, P > E) with an admin token and a supervisor of D."""
    return add_offices(sms_app)


@pytest.fixture
def admin(sms_province):
    return auth(add_user(sms_province))


@pytest.fixture
def fake_twilio():
    with FakeTwilio() as fake:
        yield fake
