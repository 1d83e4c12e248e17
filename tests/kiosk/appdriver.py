"""Run the real kiosk app in its own process (headless or under Xvfb) for the tests and the bench."""

import json
import os
import subprocess
import sys
from pathlib import Path

from server import create_app, offices
from server.db import get_db, write_transaction
from tests.support import ROOT

EXTRA_LANGUAGE = {"ede": {"name": "Ê Đê", "texts": {"question": "Ih mơak hĭ hŏng bruă ti anôk anei?",
                                                   "thanks": "Bơni kơ ih!"},
                          "levels": {"5": "Mơak snăk", "4": "Mơak", "1": "Amâo mơak ôh"}}}


def kiosk_env(tmp_path, display=None):
    env = dict(os.environ)
    env.update(KIVY_HOME=str(Path(tmp_path) / "kivy-home"), KIVY_NO_ARGS="1")
    env.pop("KIVY_NO_CONSOLELOG", None)  # Kivy checks only that it is set: any value silences the log
    if display:
        env["DISPLAY"] = display
        env.pop("SDL_VIDEODRIVER", None)
    else:
        env["SDL_VIDEODRIVER"] = "offscreen"
    return env


def config_from_server(database, office="D", counter="Quầy 1", **settings):
    """The kiosk config the real server code gives a kiosk at `office`/`counter`."""
    app = create_app({"DATABASE": str(database), "SQLITE_SYNCHRONOUS": "NORMAL", **settings})
    with app.app_context():
        db = get_db()
        with write_transaction(db):
            _, token, _ = offices.add_kiosk(db, office, counter)
    return app.test_client().get("/api/v1/kiosk/config", headers={"Authorization": f"Bearer {token}"}).json


def run_plan(tmp_path, argv, steps, name="plan", timeout=120, env=None):
    """Run `python -m kiosk ARGV` driven by `steps` (see tests/kiosk/headless.py), with `env` added
    to the kiosk's environment; returns its results."""
    tmp_path = Path(tmp_path)
    plan = {"argv": argv, "steps": steps, "result": str(tmp_path / f"{name}-result.json")}
    plan_path = tmp_path / f"{name}.json"
    plan_path.write_text(json.dumps(plan, ensure_ascii=False), encoding="utf-8")
    log = tmp_path / f"{name}.log"
    with open(log, "wb") as output:
        completed = subprocess.run([sys.executable, "-m", "tests.kiosk.headless", str(plan_path)], cwd=ROOT,
                                   env={**kiosk_env(tmp_path), **(env or {})}, stdout=output,
                                   stderr=subprocess.STDOUT, timeout=timeout)
    result_path = Path(plan["result"])
    assert completed.returncode == 0 and result_path.exists(), f"kiosk failed:\n{log.read_text()[-4000:]}"
    results = json.loads(result_path.read_text(encoding="utf-8"))
    assert not results["errors"], results["errors"]
    results["log"] = log.read_text(errors="replace")
    return results
