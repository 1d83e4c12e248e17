"""Every setting the server reads, declared once with its type: Setting(name, default, type, help).

Defaults live here and in each component's declaration (`server.components`);
`instance/config.py` overrides them, then environment variables with the prefix
`SATISFACTION_` (for example `SATISFACTION_DATABASE`). `convert_all` turns every value into
its declared type once, when the app is built, so code reads `app.config[...]` as it is:
a boolean `"false"` is False, a secret `12345` stays the string "12345", and only a JSON
setting is parsed as JSON. A value that does not convert stops start-up with a message
naming the setting. A test checks that every name here is documented in README.md.

Pure: imports nothing of Flask or SQLite, so a component can declare settings cheaply.
"""

import ipaddress
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

DEV_SECRET_KEY = "dev-only-secret-change-me"
PREFIX = "SATISFACTION_"


class ConfigurationError(RuntimeError):
    """The server must not start with this configuration."""


# Converters: each takes a value from the code, config.py (any Python value) or the
# environment (always a string) and returns the typed value or raises ValueError.
def text(value):
    if isinstance(value, bool | dict | list):
        raise ValueError("expected text")
    return str(value)


def secret(value):
    """Text that is never shown (tokens, passwords, keys): digits stay a string."""
    return text(value)


def integer(value):
    if isinstance(value, bool):
        raise ValueError("expected a whole number")
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError("expected a whole number")
        return int(value)
    return int(str(value).strip())


def number(value):
    if isinstance(value, bool):
        raise ValueError("expected a number")
    return float(str(value).strip()) if isinstance(value, str) else float(value)


_TRUE, _FALSE = {"true", "1", "yes", "on"}, {"false", "0", "no", "off", ""}


def boolean(value):
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    word = str(value).strip().lower()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise ValueError("expected true/false, 1/0 or yes/no")


def json_value(value):
    """JSON where the setting is structured (a scale, a list of reasons): strings are parsed."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except json.JSONDecodeError as error:
            raise ValueError(f"not valid JSON ({error.msg})") from None
    return value


def networks(value):
    """A list of CIDR blocks, as a JSON list or comma-separated."""
    if isinstance(value, str):
        value = json.loads(value) if value.strip().startswith("[") else [v for v in value.split(",") if v.strip()]
    if not isinstance(value, list | tuple):
        raise ValueError("expected a list of addresses (CIDR)")
    return [str(ipaddress.ip_network(str(v).strip(), strict=False)) for v in value]


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    type: Callable[[Any], Any]
    help: str

    def convert(self, value):
        """The typed value; None stays None (an optional setting left unset)."""
        if value is None:
            return None
        try:
            return self.type(value)
        except (TypeError, ValueError) as error:
            shown = "(hidden)" if self.type is secret else repr(value)[:80]
            raise ConfigurationError(f"{PREFIX}{self.name} = {shown}: {error}") from None


SETTINGS = [
    Setting("DATABASE", None, text, "Path of the SQLite database file (default: instance/satisfaction.db)."),
    Setting("SECRET_KEY", DEV_SECRET_KEY, secret,
            "Signs sessions and keyed hashes; set a long random value in production."),
    Setting("TIMEZONE", "Asia/Ho_Chi_Minh", text, "Local time zone: periods (day, week, month, ...) are cut in it."),
    Setting("SCALE", 4, json_value, "The rating scale: 3, 4 or 5 for a built-in Vietnamese scale, or a JSON list of "
            "levels ({score, vi, en, colour, dissatisfied})."),
    Setting("REASONS", None, json_value, "Reason codes for poor ratings as a JSON list of {code, vi, en}; default: "
            "the eight provincial survey reasons."),
    Setting("LANGUAGES", None, json_value, "Extra kiosk languages as a JSON object {code: {name, texts, levels, "
            "reasons}}; Vietnamese and English are built in."),
    Setting("BUSY_TIMEOUT_MS", 5000, integer,
            "How long a write waits for its turn among writers, then for SQLite's lock, before failing."),
    Setting("SQLITE_SYNCHRONOUS", "FULL", text,
            "SQLite synchronous mode; FULL keeps an acknowledged rating through a power cut."),
    Setting("MAX_CONTENT_LENGTH", 1_000_000, integer, "Largest request body in bytes; bigger bodies get 413."),
    Setting("MAX_BATCH", 500, integer, "Most ratings in one POST /api/v1/ratings."),
    Setting("FUTURE_TOLERANCE_SECONDS", 600, integer,
            "A rating's created_at may be at most this far in the future."),
    Setting("MISUSE_INTERVAL_SECONDS", 3.0, number,
            "Ratings from one kiosk closer together than this are flagged as misuse."),
    Setting("KIOSK_THANKS_SECONDS", 4, number, "Kiosk: how long the thank-you shows before returning to idle."),
    Setting("KIOSK_REASONS_TIMEOUT_SECONDS", 20, number,
            "Kiosk: the reasons screen sends without reasons after this idle time."),
    Setting("KIOSK_COOLDOWN_SECONDS", 2, number, "Kiosk: taps this soon after a rating are not counted again."),
    Setting("KIOSK_HEARTBEAT_SECONDS", 60, number, "Kiosk: how often a kiosk reports its queue and version."),
    Setting("DEMO_RATINGS", 60000, integer, "How many ratings `make run` seeds into a new demo database."),
    Setting("TRUSTED_PROXIES", 0, integer, "How many proxies (nginx) stand in front: their X-Forwarded-* headers are "
            "trusted; 0 trusts none."),
    Setting("SESSION_COOKIE_SECURE", True, boolean, "Send the login cookie over HTTPS only (make run turns it off "
            "for its plain-HTTP demo)."),
    Setting("METRICS_ALLOWED", ["127.0.0.1/32", "::1/128"], networks, "Addresses (CIDR) that may read /metrics."),
    Setting("PAIRING_RATE_LIMIT", "10/minute", text,
            "Most POST /api/v1/kiosk/pair attempts from one address (per server process), as Flask-Limiter reads "
            "it: '10/minute', '100/hour'."),
    Setting("LOG_LEVEL", "INFO", text, "Level of the JSON log lines written to standard error."),
    # Read by deploy/gunicorn.conf.py from the environment, before the application exists.
    Setting("BIND", "127.0.0.1:8000", text, "Address gunicorn listens on (deploy/gunicorn.conf.py)."),
    Setting("WORKERS", "min(4, cores + 1)", text, "gunicorn worker processes (deploy/gunicorn.conf.py)."),
    Setting("THREADS", 4, integer, "Threads per gunicorn worker (deploy/gunicorn.conf.py)."),
    Setting("FORWARDED_ALLOW_IPS", "127.0.0.1", text,
            "Proxies gunicorn takes X-Forwarded-* from (deploy/gunicorn.conf.py)."),
    Setting("COMMENT_RETENTION_DAYS", 365, integer,
            "Days a citizen's free-text comment is kept; `flask purge` then erases it (the rating stays)."),
    Setting("REFERENCE_RETENTION_DAYS", 365, integer,
            "Days a dossier reference (which leads to a person through the dossier system) is kept on a "
            "rating and its invitation; `flask purge` then erases it (the rating stays)."),
]


def all_settings(components=None):
    """The core's settings and those of each component (default: the app's declared list)."""
    if components is None:
        from server.components import load
        components = load()
    settings = list(SETTINGS)
    for component in components:
        settings.extend(component.settings)
    return settings


def defaults(settings):
    return {setting.name: setting.default for setting in settings}


def environment_values(environ, settings):
    """Every SATISFACTION_NAME in `environ`: declared settings as strings (converted by type
    later), anything else (one of Flask's own, say SESSION_COOKIE_SAMESITE) parsed as JSON
    when it parses, as Flask's from_prefixed_env does."""
    declared = {s.name for s in settings}
    values = {}
    for key, raw in environ.items():
        if not key.startswith(PREFIX) or key == PREFIX:
            continue
        name = key[len(PREFIX):]
        if name in declared:
            values[name] = raw
        else:
            try:
                values[name] = json.loads(raw)
            except json.JSONDecodeError:
                values[name] = raw
    return values


def convert_all(config, settings):
    """Convert every declared setting in `config` (a dict, changed in place) to its type."""
    for setting in settings:
        if setting.name in config:
            config[setting.name] = setting.convert(config[setting.name])
