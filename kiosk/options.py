"""The kiosk's command line and config file (TOML), merged: the command line wins.

    python -m kiosk --server URL --token TOKEN [--data-dir DIR] [--fullscreen]
    python -m kiosk --config /etc/satisfaction-kiosk.toml
    python -m kiosk --server URL --pair CODE      # exchange an installer's code for the token

Without --token (or `token` in the file) the kiosk uses the token a --pair stored in its
data folder.
"""

import argparse
import os
import tomllib
from dataclasses import dataclass, fields
from pathlib import Path

from kiosk.datadir import APP_NAME, default_data_dir


class OptionsError(ValueError):
    """The options cannot start a kiosk; the message says what to give."""


@dataclass
class Options:
    server: str | None = None
    token: str | None = None
    data_dir: str | None = None
    fullscreen: bool = False
    size: str = "800x480"
    pair: str | None = None
    batch_size: int = 250
    retry_max_seconds: float = 60.0
    config: str | None = None

    @property
    def window_size(self):
        try:
            width, height = (int(part) for part in self.size.lower().split("x"))
        except ValueError:
            raise OptionsError(f"size must be WIDTHxHEIGHT, e.g. 800x480, not {self.size!r}") from None
        return width, height


def parser():
    arguments = argparse.ArgumentParser(
        prog="python -m kiosk", description="The satisfaction kiosk at a counter.",
        epilog="Example: python -m kiosk --server https://hailong.example.gov.vn --pair K7QX-3MZP")
    arguments.add_argument("--server", help="The server's base URL, e.g. http://10.0.0.5:5000")
    arguments.add_argument("--token", help="This kiosk's token (from flask kiosk add)")
    arguments.add_argument("--pair", metavar="CODE", help="Exchange a one-time pairing code for the token, then exit")
    arguments.add_argument("--data-dir", help=f"Outbox, cached config and token (default ~/.local/share/{APP_NAME})")
    arguments.add_argument("--fullscreen", action="store_true", default=None, help="Full screen, no cursor")
    arguments.add_argument("--size", help="Window size when not full screen (default 800x480)")
    arguments.add_argument("--config", help=f"A TOML file with these options (default ~/.config/{APP_NAME}/kiosk.toml)")
    return arguments


def default_config_path(environ=os.environ):
    base = environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return Path(base) / APP_NAME / "kiosk.toml"


def load(argv, environ=os.environ):
    given = vars(parser().parse_args(argv))
    path = given.get("config")
    from_file = _read_file(Path(path) if path else default_config_path(environ), required=bool(path))
    known = {field.name for field in fields(Options)}
    unknown = set(from_file) - known
    if unknown:
        raise OptionsError(f"unknown setting(s) in the config file: {', '.join(sorted(unknown))}")
    merged = {**from_file, **{name: value for name, value in given.items() if value is not None}}
    options = Options(**merged)
    options.data_dir = str(Path(options.data_dir or default_data_dir(environ)).expanduser())
    return options


def _read_file(path, required):
    if not path.exists():
        if required:
            raise OptionsError(f"no config file at {path}")
        return {}
    try:
        with open(path, "rb") as handle:
            return {key.replace("-", "_"): value for key, value in tomllib.load(handle).items()}
    except tomllib.TOMLDecodeError as problem:
        raise OptionsError(f"{path} is not valid TOML: {problem}") from None
