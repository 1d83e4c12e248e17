"""The core names no component: pure modules import light, and an app with no components serves."""

import datetime as dt
import subprocess
import sys
import tokenize

import pytest

from server import create_app
from server.components import load
from tests.support import ROOT, add_kiosk, add_offices, add_user, auth, pin_clock, rating

PURE_MODULES = ["server.periods", "server.figures", "server.scale", "sms.dialogue", "sms.parser", "sms.segments",
                "dashboards.charts", "dashboards.alert_rules", "dashboards.ranking", "kiosk.flow"]
HEAVY = ["flask", "sqlite_utils", "sqlite3", "kivy", "twilio", "plotly", "werkzeug"]


@pytest.mark.parametrize("module", PURE_MODULES)
def test_a_pure_module_imports_without_flask_sqlite_kivy_or_twilio(module):
    probe = f"import sys, {module}; print([m for m in {HEAVY!r} if m in sys.modules])"
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]", f"importing {module} loaded {result.stdout.strip()}"


def test_reading_every_component_declaration_imports_no_framework():
    probe = ("import sys; from server.components import load; from server.settings import SETTINGS; "
             "import importlib; [importlib.import_module(n + '.component') for n in ('sms', 'dashboards')]; "
             f"print([m for m in {HEAVY!r} if m in sys.modules])")
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


COMPONENT_NAMES = ("sms", "dashboards", "web", "cases", "dossiers")


def _core_modules():
    return [path for path in sorted((ROOT / "server").glob("*.py")) if path.name not in ("app.py", "demo.py")]


def test_the_core_modules_name_no_component():
    """Only the assembly (server/app.py) lists the components; the rest of the core iterates it."""
    named = []
    for path in _core_modules():
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if any(f"{word} {package}" in line for word in ("import", "from") for package in COMPONENT_NAMES):
                named.append(f"{path.name}:{number}: {line.strip()}")
    assert named == []


def test_the_core_code_holds_no_components_channel_metric_or_name():
    """Not in a name (an SMS counter), not as a value ("sms" in a list of channels): what a
    component brings reaches the core through its declaration. Comments may mention them,
    and a shipped migration keeps its CHECK (migrations are never edited)."""
    found = []
    for path in _core_modules():
        with path.open("rb") as source:
            for token in tokenize.tokenize(source.readline):
                if token.type == tokenize.NAME and any(word in token.string.lower() for word in ("sms", "twilio")):
                    found.append(f"{path.name}:{token.start[0]}: {token.string}")
                elif token.type == tokenize.STRING and token.string.strip("\"'rbf").lower() in COMPONENT_NAMES:
                    found.append(f"{path.name}:{token.start[0]}: {token.string}")
    assert found == []


def test_an_app_without_components_takes_kiosk_ratings_and_answers_stats(tmp_path, monkeypatch):
    app = create_app({"DATABASE": str(tmp_path / "core.db"), "SQLITE_SYNCHRONOUS": "NORMAL", "TESTING": True},
                     components=[])
    add_offices(app, staff=[("CB1", "Nguyễn Văn An", "D", "Quầy 1")])
    _, kiosk_token = add_kiosk(app)
    user_token = add_user(app)
    client = app.test_client()

    # The server's clock pinned mid-year: from the machine's, the first rating fell in last
    # year's row in the first minute of a local year.
    now = pin_clock(monkeypatch, dt.datetime(2026, 6, 15, 3, 0, tzinfo=dt.UTC))
    ratings = [rating(4, now - dt.timedelta(minutes=1)), rating(1, now)]
    delivered = client.post("/api/v1/ratings", json={"ratings": ratings}, headers=auth(kiosk_token))
    assert [r["status"] for r in delivered.get_json()["results"]] == ["accepted", "accepted"]
    stats = client.get("/api/v1/stats?office=P&period=year", headers=auth(user_token)).get_json()
    assert [(row["office"], row["responses"]) for row in stats["rows"]] == [("P", 2)]

    # Nothing of the components is there: no SMS route, no dashboards, no SMS tables.
    assert client.post("/api/v1/invitations", json={}, headers=auth(user_token)).status_code == 404
    assert client.get("/login").status_code == 404
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert "/api/v1/ratings" in paths and "/api/v1/invitations" not in paths
    with app.app_context():
        from server.db import get_db
        tables = {t for t in get_db().table_names()}
    assert "ratings" in tables and not any(t.startswith("sms_") for t in tables)


def test_the_default_app_is_assembled_from_the_declared_components(app):
    assert [c.name for c in app.extensions["components"]] == [c.name for c in load()]
    assert app.extensions["channels"][0] == "kiosk"
    assert "sms" in app.extensions["channels"]
    paths = app.test_client().get("/api/v1/openapi.json").get_json()["paths"]
    assert "/api/v1/invitations" in paths
