"""python -m kiosk: options from the command line, a TOML file, or what --pair stored."""

import subprocess
import sys

import pytest

from kiosk.__main__ import credentials
from kiosk.datadir import DataDir
from kiosk.options import OptionsError, load
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
    assert "--pair CODE" in result.stderr
