"""The dashboards' retention rules, for `flask --app server purge` (see server/retention.py).

Failed-login records name what was typed as a username (sometimes a password typed in the
wrong field), so they go once they no longer count towards a lockout; lapsed leases go too.
"""

import datetime as dt

from server.db import write_transaction
from server.timeutil import to_stored


def purge(app, db, now):
    window = dt.timedelta(minutes=float(app.config["LOGIN_LOCKOUT_MINUTES"]))
    with write_transaction(db):
        failures = db.execute(
            """DELETE FROM login_failures WHERE first_failure_at <= ?
                 AND (locked_until IS NULL OR locked_until <= ?)""",
            [to_stored(now - window), to_stored(now)]).rowcount
        leases = db.execute("DELETE FROM leases WHERE expires_at <= ?",
                            [to_stored(now - dt.timedelta(days=1))]).rowcount
    return [("login_failures", "failed-login records past the lockout time", failures),
            ("leases", "leases lapsed over a day ago", leases)]
