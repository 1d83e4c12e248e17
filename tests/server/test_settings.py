"""Every setting is documented, and settings come from code, instance/config.py and the environment."""

import json
import re

import pytest

from server import ConfigurationError, create_app
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


def _app_from_environment(tmp_path, monkeypatch, **environment):
    monkeypatch.setenv("SATISFACTION_DATABASE", str(tmp_path / "x.db"))
    monkeypatch.setenv("SATISFACTION_SECRET_KEY", "a-test-secret-that-is-long-enough")
    for name, value in environment.items():
        monkeypatch.setenv(f"SATISFACTION_{name}", value)
    from flask import Flask
    monkeypatch.setattr(Flask, "auto_find_instance_path", lambda self: str(tmp_path / "no-instance"))
    return create_app()


def test_a_numeric_twilio_auth_token_stays_text_and_webhook_signatures_still_check(tmp_path, monkeypatch):
    app = _app_from_environment(tmp_path, monkeypatch, TWILIO_AUTH_TOKEN="12345", NUMBER_HASH_KEY="00777")
    assert app.config["TWILIO_AUTH_TOKEN"] == "12345"
    assert app.config["NUMBER_HASH_KEY"] == "00777"
    from twilio.request_validator import RequestValidator
    url = app.config["PUBLIC_BASE_URL"] + "/sms/twilio/inbound"
    form = {"From": "+84912345678", "Body": "4", "MessageSid": "SM" + "0" * 32}
    signature = RequestValidator("12345").compute_signature(url, form)
    response = app.test_client().post("/sms/twilio/inbound", data=form, headers={"X-Twilio-Signature": signature})
    assert response.status_code == 200


@pytest.mark.parametrize("written, meant", [("false", False), ("0", False), ("no", False), ("FALSE", False),
                                            ("true", True), ("1", True), ("yes", True), ("On", True)])
def test_a_boolean_written_as_a_word_means_what_it_says(tmp_path, monkeypatch, written, meant):
    app = _app_from_environment(tmp_path, monkeypatch, PUBLIC_PAGE=written, SESSION_COOKIE_SECURE=written)
    assert app.config["PUBLIC_PAGE"] is meant
    assert app.config["SESSION_COOKIE_SECURE"] is meant


def test_false_in_instance_config_as_a_string_turns_the_public_page_off(tmp_path, monkeypatch):
    instance = tmp_path / "instance"
    instance.mkdir()
    (instance / "config.py").write_text("PUBLIC_PAGE = 'false'\nSECRET_KEY = 'a-test-secret-that-is-long-enough'\n")
    monkeypatch.setenv("SATISFACTION_DATABASE", str(tmp_path / "x.db"))
    from flask import Flask
    monkeypatch.setattr(Flask, "auto_find_instance_path", lambda self: str(instance))
    app = create_app()
    assert app.config["PUBLIC_PAGE"] is False
    assert app.test_client().get("/public").status_code == 404


@pytest.mark.parametrize("name, written, typed", [
    ("MAX_BATCH", "250", 250), ("MISUSE_INTERVAL_SECONDS", "2.5", 2.5), ("TIMEZONE", "Asia/Bangkok", "Asia/Bangkok"),
    ("SCALE", "5", 5), ("SCALE", json.dumps([{"score": n, "vi": f"Mức {n}", "en": f"Level {n}", "colour": "#808080",
                                              "dissatisfied": n == 1} for n in (1, 2, 3)]), None),
    ("METRICS_ALLOWED", "10.0.0.0/8,127.0.0.1", ["10.0.0.0/8", "127.0.0.1/32"]),
    ("SMS_SEND_RATE", "3", 3.0), ("SMTP_PASSWORD", "123", "123"),
])
def test_each_setting_is_converted_to_its_declared_type_once(tmp_path, monkeypatch, name, written, typed):
    app = _app_from_environment(tmp_path, monkeypatch, **{name: written})
    value = app.config[name]
    if typed is None:
        assert isinstance(value, list) and len(value) == 3 and app.extensions["scale"].size == 3
    else:
        assert value == typed and type(value) is type(typed)


@pytest.mark.parametrize("name, written", [("MAX_BATCH", "lots"), ("MAX_BATCH", "2.5"), ("PUBLIC_PAGE", "maybe"),
                                           ("SCALE", "[1, 2"), ("MISUSE_INTERVAL_SECONDS", "soon"),
                                           ("METRICS_ALLOWED", "not-an-address")])
def test_a_bad_value_stops_start_up_naming_the_setting(tmp_path, monkeypatch, name, written):
    with pytest.raises(ConfigurationError, match=f"SATISFACTION_{name}"):
        _app_from_environment(tmp_path, monkeypatch, **{name: written})


def test_a_bad_secret_is_named_but_never_shown(tmp_path, monkeypatch):
    from server.settings import Setting, secret
    with pytest.raises(ConfigurationError) as raised:
        Setting("X_TOKEN", "", secret, "").convert({"not": "text"})
    assert "SATISFACTION_X_TOKEN" in str(raised.value) and "not" not in str(raised.value).split(":")[0]
    assert "(hidden)" in str(raised.value)


def test_every_setting_declares_a_converter_its_default_passes():
    for setting in all_settings():
        assert callable(setting.type), setting.name
        if setting.default is not None:
            setting.convert(setting.default)
