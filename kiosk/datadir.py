"""The kiosk's data folder: the outbox, the cached server config and the paired credentials.

Files are replaced atomically (write, fsync, rename) so a power cut leaves the old file or
the new one, never half of one. The credentials file holds the kiosk's token: mode 0600.
"""

import json
import os
from pathlib import Path

APP_NAME = "satisfaction-kiosk"


def default_data_dir(environ=os.environ):
    base = environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return Path(base) / APP_NAME


class DataDir:
    def __init__(self, path):
        self.path = Path(path)
        self.path.mkdir(parents=True, exist_ok=True)

    @property
    def outbox_path(self):
        return self.path / "outbox.db"

    @property
    def config_path(self):
        return self.path / "config.json"

    @property
    def credentials_path(self):
        return self.path / "credentials.json"

    def load_config(self):
        """The last config the server sent, or None: with it the kiosk starts offline."""
        return _read_json(self.config_path)

    def save_config(self, config):
        _write_json(self.config_path, config)

    def load_credentials(self):
        return _read_json(self.credentials_path)

    def save_credentials(self, server, token, placement):
        _write_json(self.credentials_path, {"server": server, "token": token, **placement}, mode=0o600)


def _read_json(path):
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except FileNotFoundError:
        return None
    except ValueError:  # a file damaged by hand: better to refetch than to crash at the counter
        return None


def _write_json(path, value, mode=0o644):
    path = Path(path)
    temporary = path.with_name(path.name + ".tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        json.dump(value, handle, ensure_ascii=False, indent=1)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)
