"""Dashboard users: loading them for Flask-Login, checking passwords, the login lockout.

Lockout: after LOGIN_MAX_FAILURES failed logins for one username within
LOGIN_LOCKOUT_MINUTES, further attempts on that name are refused for LOGIN_LOCKOUT_MINUTES
without even checking the password, and the page says so without saying whether the name
exists. Per username, not per address: behind the provincial proxy every supervisor shares
one address, and a lock on it would let one bad actor lock everybody out.
"""

import datetime as dt
import hashlib
import json

from flask_login import UserMixin

from server.auth import check_password, hash_password
from server.timeutil import from_stored, to_stored

# Checked when the username is unknown, so a wrong name costs as long as a wrong password.
_DUMMY_HASH = hash_password("not-a-real-password")
USER_COLUMNS = ("id", "username", "role", "office_id", "password_hash", "disabled", "phone", "email")


class DashboardUser(UserMixin):
    def __init__(self, row):
        self.row = row
        self.id = row["id"]
        self.username = row["username"]
        self.role = row["role"]
        self.office_id = row["office_id"]

    def get_id(self):
        # The session names the password too: changing it or disabling the user ends old sessions.
        return f"{self.id}:{session_version(self.row['password_hash'])}"

    def as_dict(self):
        return {"id": self.id, "username": self.username, "role": self.role, "office_id": self.office_id}

    @property
    def is_admin(self):
        return self.role == "admin"

    @property
    def can_write(self):
        return self.role in ("admin", "supervisor")


def session_version(password_hash):
    return hashlib.sha256(password_hash.encode()).hexdigest()[:16]


def user_row(db, user_id=None, username=None):
    column, value = ("id", user_id) if user_id is not None else ("username", username)
    rows = db.execute(f"SELECT {', '.join(USER_COLUMNS)} FROM users WHERE {column} = ?", [value]).fetchall()
    return dict(zip(USER_COLUMNS, rows[0], strict=True)) if rows else None


def load_session_user(db, session_id):
    user_id, _, version = (session_id or "").partition(":")
    if not user_id.isdigit():
        return None
    row = user_row(db, user_id=int(user_id))
    if row is None or row["disabled"] or session_version(row["password_hash"]) != version:
        return None
    return DashboardUser(row)


def authenticate(db, username, password):
    """The user if the name and password match an enabled account, else None."""
    row = user_row(db, username=username)
    if row is None:
        check_password(_DUMMY_HASH, password)
        return None
    if not check_password(row["password_hash"], password) or row["disabled"]:
        return None
    return DashboardUser(row)


def failure_keys(username):
    return [f"user:{username.strip().lower()}"]


def locked_until(db, keys, now):
    """The latest lockout end among these keys that is still in the future, or None."""
    rows = db.execute(
        "SELECT MAX(locked_until) FROM login_failures WHERE key IN (SELECT value FROM json_each(?))"
        " AND locked_until > ?", [json.dumps(list(keys)), to_stored(now)]).fetchone()
    return from_stored(rows[0]) if rows and rows[0] else None


def record_failure(db, keys, now, max_failures, lockout_minutes):
    """Count a failed login against each key; lock a key that reaches its limit."""
    window = dt.timedelta(minutes=lockout_minutes)
    for key in keys:
        limit = max_failures
        row = db.execute("SELECT failures, first_failure_at FROM login_failures WHERE key = ?", [key]).fetchone()
        if row is None or from_stored(row[1]) < now - window:
            failures, first = 1, now
        else:
            failures, first = row[0] + 1, from_stored(row[1])
        locked = to_stored(now + window) if failures >= limit else None
        db.execute(
            """INSERT INTO login_failures (key, failures, first_failure_at, locked_until) VALUES (?, ?, ?, ?)
               ON CONFLICT (key) DO UPDATE SET failures = excluded.failures,
                 first_failure_at = excluded.first_failure_at,
                 locked_until = COALESCE(excluded.locked_until, login_failures.locked_until)""",
            [key, 0 if locked else failures, to_stored(now if locked else first), locked])


def clear_failures(db, username):
    db.execute("DELETE FROM login_failures WHERE key = ?", [f"user:{username.strip().lower()}"])
