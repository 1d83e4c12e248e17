"""The kiosk's command line and config file (TOML), merged: the command line wins.

    python -m kiosk --server URL --pair CODE      # exchange an installer's code for the token
    python -m kiosk --server URL --save-token < FILE   # or store a token from `flask kiosk add`
    python -m kiosk [--server URL] [--data-dir DIR] [--fullscreen]
    python -m kiosk --config /etc/satisfaction-kiosk.toml

The token lives in the data folder's credentials.json (mode 0600), written by --pair or
--save-token, so it is never on a command line, where every user of the machine can read it
(`ps`, /proc/PID/cmdline). `--token TOKEN` (and `token` in the config file) still work for
setups written before, with a warning (`Options.warnings`).
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
    save_token: bool = False

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
    arguments.add_argument("--token", help="Deprecated: visible to every user in `ps`; use --save-token or --pair")
    arguments.add_argument("--save-token", action="store_true", default=None,
                           help="Read this kiosk's token (from flask kiosk add) from standard input, store it in "
                                "the data folder (mode 0600), then exit")
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
    options.warnings = token_warnings(given, from_file, Path(path) if path else default_config_path(environ))
    return options


def token_warnings(given, from_file, config_path):
    """What to tell the operator about a token given where others can read it."""
    if given.get("token") is not None:
        return ["--token puts the kiosk's token on the command line, where every user of this machine can read it "
                "(ps, /proc/PID/cmdline). Store it once with `python -m kiosk --server URL --save-token < FILE` "
                "(or pair with --pair CODE) and start the kiosk without --token."]
    if from_file.get("token") is not None and config_path.stat().st_mode & 0o077:
        return [f"{config_path} holds the kiosk's token and other users may read it: move the token to the data "
                "folder (`python -m kiosk --server URL --save-token < FILE`) and delete the `token` line."]
    return []


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
