"""Fixtures shared by every package's tests: real SQLite files, the app, tokens, servers.

Only fixtures live here; the helpers tests import are in tests/support.py."""

import os
import shutil

import pytest

os.environ.setdefault("KIVY_NO_ARGS", "1")

from server import create_app  # noqa: E402
from tests.support import (  # noqa: E402
    DEMO_END,
    DEMO_RATINGS,
    DEMO_SEED,
    ServerProcess,
    add_kiosk,
    add_offices,
    add_user,
    flask_cli,
    launch_chromium,
)


@pytest.fixture
def database(tmp_path):
    return tmp_path / "satisfaction.db"


@pytest.fixture
def app(database):
    return create_app({"DATABASE": str(database), "SQLITE_SYNCHRONOUS": "NORMAL", "TESTING": True})


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def province(app):
    """The test province, with officer CB1 on duty at D's Quầy 1."""
    return add_offices(app, staff=[("CB1", "Nguyễn Văn An", "D", "Quầy 1")])


@pytest.fixture
def kiosk(province):
    return add_kiosk(province)


@pytest.fixture
def admin_token(province):
    return add_user(province)


@pytest.fixture(scope="session")
def demo_database(tmp_path_factory):
    """A seeded demo province (40,000 ratings over two years, fixed seed and end date), built once per worker."""
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    flask_cli(path, "init-db")
    flask_cli(path, "seed-demo", "--ratings", str(DEMO_RATINGS), "--seed", str(DEMO_SEED),
              "--end", DEMO_END.isoformat())
    return path


@pytest.fixture
def demo_copy(demo_database, tmp_path):
    """A private copy of the demo database that a test may change."""
    target = tmp_path / "demo.db"
    shutil.copy(demo_database, target)
    return target


@pytest.fixture
def live_server(database):
    """The real server under gunicorn on loopback, on an empty database."""
    with ServerProcess(database) as server:
        yield server


@pytest.fixture(scope="module")
def browser():
    """One chromium per test module (Playwright's sync API allows one instance per thread at a time)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        yield chromium
        chromium.close()
