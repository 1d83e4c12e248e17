"""The dashboards' retention rules, for `flask --app server purge` (see server/retention.py).

Failed-login records name what was typed as a username (sometimes a password typed in the
wrong field), so they go once they no longer count towards a lockout; ended login sessions
(an address and a browser) go a day later. (Lapsed job leases are the core's: server.retention.)
"""

import datetime as dt

from server.db import write_transaction
from server.timeutil import to_stored


def purge(app, db, now):
    window = dt.timedelta(minutes=app.config["LOGIN_LOCKOUT_MINUTES"])
    with write_transaction(db):
        failures = db.execute(
            """DELETE FROM login_failures WHERE first_failure_at <= ?
                 AND (locked_until IS NULL OR locked_until <= ?)""",
            [to_stored(now - window), to_stored(now)]).rowcount
        # Ended or idle login sessions name an address and a browser: kept a day, then gone.
        sessions = db.execute(
            "DELETE FROM login_sessions WHERE last_seen_at <= ? AND (ended_at IS NOT NULL OR last_seen_at <= ?)",
            [to_stored(now - dt.timedelta(days=1)),
             to_stored(now - dt.timedelta(hours=app.config["SESSION_IDLE_HOURS"]))]).rowcount
    return [("login_failures", "failed-login records past the lockout time", failures),
            ("login_sessions", "login sessions ended or idle over a day ago", sessions)]
