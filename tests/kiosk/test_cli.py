"""python -m kiosk: options from the command line, a TOML file, or what --pair stored."""

import subprocess
import sys

import pytest

from kiosk.__main__ import credentials
from kiosk.datadir import DataDir
from kiosk.options import OptionsError, load
from tests.kiosk.support import save_token
from tests.support import ROOT


def test_the_command_line_wins_over_the_config_file(tmp_path):
    config = tmp_path / "kiosk.toml"
    config.write_text('server = "http://10.0.0.5:5000"\ntoken = "kt_file"\nfullscreen = true\n'
                      'size = "1280x800"\nretry-max-seconds = 30\n', encoding="utf-8")
    options = load(["--config", str(config), "--token", "kt_cli", "--data-dir", str(tmp_path / "d")], {})
    assert (options.server, options.token, options.fullscreen, options.window_size, options.retry_max_seconds) == \
        ("http://10.0.0.5:5000", "kt_cli", True, (1280, 800), 30)


def test_a_paired_kiosk_needs_only_its_data_folder(tmp_path):
    data_dir = DataDir(tmp_path / "d")
    data_dir.save_credentials("http://10.0.0.5:5000", "kt_paired", {"kiosk_id": 3})
    options = load(["--data-dir", str(tmp_path / "d")], {"XDG_CONFIG_HOME": str(tmp_path)})
    assert credentials(options, data_dir) == ("http://10.0.0.5:5000", "kt_paired")


@pytest.mark.parametrize("text, message", [
    ('servr = "http://x"\n', "unknown setting(s) in the config file: servr"),
    ("server = \n", "is not valid TOML"),
])
def test_a_bad_config_file_is_named(tmp_path, text, message):
    config = tmp_path / "kiosk.toml"
    config.write_text(text, encoding="utf-8")
    with pytest.raises(OptionsError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load(["--config", str(config)], {})


def test_without_a_token_the_kiosk_says_how_to_get_one(tmp_path):
    result = subprocess.run([sys.executable, "-m", "kiosk", "--server", "http://127.0.0.1:9", "--data-dir",
                             str(tmp_path)], cwd=ROOT, capture_output=True, text=True, timeout=60,
                            env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"})
    assert result.returncode == 2
    assert "--pair CODE" in result.stderr and "--save-token" in result.stderr


def test_save_token_stores_the_token_from_stdin_in_a_0600_file_and_the_kiosk_uses_it(tmp_path):
    result = save_token("http://10.0.0.5:5000", "kt_from_flask", tmp_path / "d")
    assert "credentials.json" in result.stdout and "kt_from_flask" not in result.stdout + result.stderr
    assert (tmp_path / "d" / "credentials.json").stat().st_mode & 0o777 == 0o600
    options = load(["--server", "http://10.0.0.5:5000", "--data-dir", str(tmp_path / "d")],
                   {"XDG_CONFIG_HOME": str(tmp_path)})
    assert options.warnings == []
    assert credentials(options, DataDir(tmp_path / "d")) == ("http://10.0.0.5:5000", "kt_from_flask")


@pytest.mark.parametrize("given", ["", "kt_one\nkt_two\n", "kt one\n"])
def test_save_token_refuses_anything_but_one_token(tmp_path, given):
    result = subprocess.run([sys.executable, "-m", "kiosk", "--server", "http://10.0.0.5:5000", "--data-dir",
                             str(tmp_path / "d"), "--save-token"], input=given, cwd=ROOT, capture_output=True,
                            text=True, timeout=60, env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"})
    assert result.returncode == 2 and "one token on standard input" in result.stderr
    assert not (tmp_path / "d" / "credentials.json").exists()


def test_token_on_the_command_line_still_works_but_warns(tmp_path):
    options = load(["--server", "http://10.0.0.5:5000", "--token", "kt_cli", "--data-dir", str(tmp_path / "d")],
                   {"XDG_CONFIG_HOME": str(tmp_path)})
    assert credentials(options, DataDir(tmp_path / "d")) == ("http://10.0.0.5:5000", "kt_cli")
    assert len(options.warnings) == 1 and "ps" in options.warnings[0] and "--save-token" in options.warnings[0]


def test_a_token_in_a_config_file_others_can_read_warns(tmp_path):
    config = tmp_path / "kiosk.toml"
    config.write_text('server = "http://10.0.0.5:5000"\ntoken = "kt_file"\n', encoding="utf-8")
    config.chmod(0o644)
    assert "other users may read it" in load(["--config", str(config)], {}).warnings[0]
    config.chmod(0o600)
    assert load(["--config", str(config)], {}).warnings == []
