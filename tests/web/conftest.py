"""Fixtures of the web channel's tests: the test province with a counter page and a user token."""

import re

import pytest

from tests.conftest import add_user

BASE = "http://rate.test"


@pytest.fixture
def app(database):
    from server import create_app

    return create_app({"DATABASE": str(database), "SQLITE_SYNCHRONOUS": "NORMAL", "TESTING": True,
                       "WEB_BASE_URL": BASE, "SECRET_KEY": "web-tests-" + "x" * 30})


@pytest.fixture
def counter_path(province, runner):
    result = runner.invoke(args=["counter", "link", "D", "--counter", "Quầy 1"])
    assert result.exit_code == 0, result.output
    url = result.output.strip().splitlines()[-1]
    assert url.startswith(BASE + "/r/")
    return url[len(BASE):]


@pytest.fixture
def token(province):
    return add_user(province)


def form_fields(html):
    """The hidden fields of the page's form."""
    return dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', html))
