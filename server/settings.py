"""Every setting the server reads, declared once: (name, default, help).

Defaults live here; `instance/config.py` overrides them, then environment variables
with the prefix `SATISFACTION_` (for example `SATISFACTION_DATABASE`). Values from the
environment are parsed as JSON when they parse, so `SATISFACTION_SCALE=5` is a number.
A test checks that every name here is documented in README.md.
"""

import importlib
from dataclasses import dataclass
from typing import Any

DEV_SECRET_KEY = "dev-only-secret-change-me"


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    help: str


SETTINGS = [
    Setting("DATABASE", None, "Path of the SQLite database file (default: instance/satisfaction.db)."),
    Setting("SECRET_KEY", DEV_SECRET_KEY, "Signs sessions and keyed hashes; set a long random value in production."),
    Setting("TIMEZONE", "Asia/Ho_Chi_Minh", "Local time zone: periods (day, week, month, ...) are cut in it."),
    Setting("SCALE", 4, "The rating scale: 3, 4 or 5 for a built-in Vietnamese scale, or a JSON list of levels "
            "({score, vi, en, colour, dissatisfied})."),
    Setting("REASONS", None, "Reason codes for poor ratings as a JSON list of {code, vi, en}; default: the eight "
            "provincial survey reasons."),
    Setting("LANGUAGES", None, "Extra kiosk languages as a JSON object {code: {name, texts, levels, reasons}}; "
            "Vietnamese and English are built in."),
    Setting("BUSY_TIMEOUT_MS", 5000,
            "How long a write waits for its turn among writers, then for SQLite's lock, before failing."),
    Setting("SQLITE_SYNCHRONOUS", "FULL",
            "SQLite synchronous mode; FULL keeps an acknowledged rating through a power cut."),
    Setting("MAX_CONTENT_LENGTH", 1_000_000, "Largest request body in bytes; bigger bodies get 413."),
    Setting("MAX_BATCH", 500, "Most ratings in one POST /api/v1/ratings."),
    Setting("FUTURE_TOLERANCE_SECONDS", 600, "A rating's created_at may be at most this far in the future."),
    Setting("MISUSE_INTERVAL_SECONDS", 3.0, "Ratings from one kiosk closer together than this are flagged as misuse."),
    Setting("KIOSK_THANKS_SECONDS", 4, "Kiosk: how long the thank-you shows before returning to idle."),
    Setting("KIOSK_REASONS_TIMEOUT_SECONDS", 20,
            "Kiosk: the reasons screen sends without reasons after this idle time."),
    Setting("KIOSK_COOLDOWN_SECONDS", 2, "Kiosk: taps this soon after a rating are not counted again."),
    Setting("KIOSK_HEARTBEAT_SECONDS", 60, "Kiosk: how often a kiosk reports its queue and version."),
    Setting("DEMO_RATINGS", 60000, "How many ratings `make run` seeds into a new demo database."),
    Setting("TRUSTED_PROXIES", 0, "How many proxies (nginx) stand in front: their X-Forwarded-* headers are trusted; "
            "0 trusts none."),
    Setting("SESSION_COOKIE_SECURE", True, "Send the login cookie over HTTPS only (make run turns it off for "
            "its plain-HTTP demo)."),
    Setting("METRICS_ALLOWED", ["127.0.0.1/32", "::1/128"], "Addresses (CIDR) that may read /metrics."),
    Setting("LOG_LEVEL", "INFO", "Level of the JSON log lines written to standard error."),
    # Read by deploy/gunicorn.conf.py from the environment, before the application exists.
    Setting("BIND", "127.0.0.1:8000", "Address gunicorn listens on (deploy/gunicorn.conf.py)."),
    Setting("WORKERS", "min(4, cores + 1)", "gunicorn worker processes (deploy/gunicorn.conf.py)."),
    Setting("THREADS", 4, "Threads per gunicorn worker (deploy/gunicorn.conf.py)."),
    Setting("FORWARDED_ALLOW_IPS", "127.0.0.1", "Proxies gunicorn takes X-Forwarded-* from (deploy/gunicorn.conf.py)."),
    Setting("COMMENT_RETENTION_DAYS", 365,
            "Days a citizen's free-text comment is kept; `flask purge` then erases it (the rating stays)."),
    Setting("REFERENCE_RETENTION_DAYS", 365,
            "Days a dossier reference (which leads to a person through the dossier system) is kept on an "
            "SMS rating and its invitation; `flask purge` then erases it (the rating stays)."),
]

# Packages that declare settings of their own, next to their code, in a SETTINGS list.
PACKAGE_SETTINGS = ["sms.settings", "dashboards.settings"]


def all_settings():
    settings = list(SETTINGS)
    for module in PACKAGE_SETTINGS:
        settings.extend(importlib.import_module(module).SETTINGS)
    return settings


def defaults():
    return {setting.name: setting.default for setting in all_settings()}
