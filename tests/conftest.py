"""Fixtures shared by every package's tests: real SQLite files, the app, tokens, servers."""

import datetime as dt
import os
import shutil
import uuid

import pytest

os.environ.setdefault("KIVY_NO_ARGS", "1")

from server import (
    create_app,  # noqa: E402
    offices,  # noqa: E402
)
from server.db import get_db, write_transaction  # noqa: E402
from tests.support import ServerProcess, flask_cli  # noqa: E402

DEMO_SEED = 11
DEMO_RATINGS = 20000
DEMO_END = dt.date(2026, 10, 31)


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


# A small province: root P, district D with commune C, and district E.
TEST_PROVINCE = [("P", "Tỉnh Thử", None, "province"), ("D", "Huyện Một", "P", "district"),
                 ("C", "Xã Một", "D", "commune"), ("E", "Huyện Hai", "P", "district")]


def add_offices(app, rows=TEST_PROVINCE, staff=()):
    """Offices (code, name, parent, kind) and staff (code, name, office, counter), in one transaction."""
    with app.app_context():
        db = get_db()
        with write_transaction(db):
            for row in rows:
                offices.add_office(db, *row)
            for row in staff:
                offices.add_staff(db, *row)
    return app


@pytest.fixture
def province(app):
    """The test province, with officer CB1 on duty at D's Quầy 1."""
    return add_offices(app, staff=[("CB1", "Nguyễn Văn An", "D", "Quầy 1")])


def add_kiosk(app, office="D", counter="Quầy 1"):
    with app.app_context():
        db = get_db()
        with write_transaction(db):
            kiosk_id, token, _ = offices.add_kiosk(db, office, counter)
    return kiosk_id, token


def add_user(app, name="admin", role="admin", office=None):
    scope = ["--office", office] if office else []
    arguments = ["user", "add", name, "--role", role, "--password", "correct-horse", *scope]
    result = app.test_cli_runner().invoke(args=arguments)
    assert result.exit_code == 0, result.output
    result = app.test_cli_runner().invoke(args=["user", "token", name])
    assert result.exit_code == 0, result.output
    return result.output.strip().splitlines()[-1]


@pytest.fixture
def kiosk(province):
    return add_kiosk(province)


@pytest.fixture
def admin_token(province):
    return add_user(province)


def auth(token):
    return {"Authorization": f"Bearer {token}"}


def rating(score=4, created_at=None, **extra):
    """A valid kiosk rating item."""
    moment = created_at or dt.datetime.now(dt.UTC)
    if isinstance(moment, dt.datetime):
        moment = moment.isoformat()
    return {"id": str(uuid.uuid4()), "score": score, "created_at": moment, **extra}


@pytest.fixture(scope="session")
def demo_database(tmp_path_factory):
    """A seeded demo province (20,000 ratings, fixed seed and end date), built once per worker."""
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
