"""Fixtures of the web channel's tests: the test province with a counter page and a user token."""

import pytest

from tests.support import add_user
from tests.web.support import BASE


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
