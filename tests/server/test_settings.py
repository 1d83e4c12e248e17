"""Every setting is documented, and settings come from code, instance/config.py and the environment."""

import re

from server import create_app
from server.settings import all_settings
from tests.support import ROOT


def test_every_setting_is_documented_in_the_readme():
    readme = (ROOT / "README.md").read_text()
    missing = [s.name for s in all_settings() if f"`SATISFACTION_{s.name}`" not in readme]
    assert missing == []


def test_every_documented_setting_exists():
    readme = (ROOT / "README.md").read_text()
    documented = set(re.findall(r"`SATISFACTION_([A-Z0-9_]+)`", readme))
    assert documented - {s.name for s in all_settings()} == set()


def test_environment_overrides_instance_config_which_overrides_defaults(tmp_path, monkeypatch):
    instance = tmp_path / "instance"
    instance.mkdir()
    (instance / "config.py").write_text("TIMEZONE = 'Asia/Bangkok'\nMISUSE_INTERVAL_SECONDS = 5\n")
    monkeypatch.setenv("SATISFACTION_MISUSE_INTERVAL_SECONDS", "4")
    monkeypatch.setenv("SATISFACTION_DATABASE", str(tmp_path / "x.db"))
    monkeypatch.setenv("SATISFACTION_SECRET_KEY", "a-test-secret-that-is-long-enough")
    from flask import Flask
    monkeypatch.setattr(Flask, "auto_find_instance_path", lambda self: str(instance))
    app = create_app()
    assert app.config["TIMEZONE"] == "Asia/Bangkok"
    assert app.config["MISUSE_INTERVAL_SECONDS"] == 4
    assert app.config["SCALE"] == 4
    assert app.config["DATABASE"] == str(tmp_path / "x.db")
