"""Dashboard users: loading them for Flask-Login, checking passwords, login sessions, the
throttle on failed logins.

Sessions live in the `login_sessions` table; the signed cookie carries only a random key
whose hash is stored there. Logging out, a password change, disabling the user and "log out
everywhere" end rows, so a copied cookie stops working at once; an idle session ends after
SESSION_IDLE_HOURS. An ended row is never revived, so re-enabling a user leaves old
sessions dead.

Throttle, two parts, both keyed by what was typed (a name that does not exist is treated
exactly like one that does, so the answers tell nothing about which names exist):
- lockout per (username, client address): LOGIN_MAX_FAILURES failures within
  LOGIN_LOCKOUT_MINUTES lock that address out of that name for LOGIN_LOCKOUT_MINUTES, without
  even checking the password. Someone failing on `admin` from elsewhere does not lock the
  real admin out: behind the provincial proxy every supervisor shares one address, which is
  why the address alone is not the key either.
- slow-down per username: once a name has LOGIN_MAX_FAILURES failures within the lockout
  time (from any addresses), an address that has itself failed on that name may try again
  only LOGIN_SLOWDOWN_SECONDS after the name's latest failure. An address that has not
  failed on the name is never held up: the real user still logs in.
"""

import datetime as dt
import json
import secrets

from flask_login import UserMixin

from server.auth import check_password, hash_password, token_hash
from server.timeutil import from_stored, to_stored

# Checked when the username is unknown, so a wrong name costs as long as a wrong password.
_DUMMY_HASH = hash_password("not-a-real-password")
USER_COLUMNS = ("id", "username", "role", "office_id", "password_hash", "disabled", "phone", "email")
# How often a session's last-seen time is written: idle time is measured to within this.
TOUCH_INTERVAL = dt.timedelta(minutes=5)
MAX_AGENT = 200


class DashboardUser(UserMixin):
    def __init__(self, row, session_key=None, session_id=None):
        self.row = row
        self.id = row["id"]
        self.username = row["username"]
        self.role = row["role"]
        self.office_id = row["office_id"]
        self.session_key = session_key
        self.session_id = session_id

    def get_id(self):
        # Flask-Login keeps this in the signed cookie: the session's key, never the user id.
        return self.session_key

    def as_dict(self):
        return {"id": self.id, "username": self.username, "role": self.role, "office_id": self.office_id}

    @property
    def can_write(self):
        return self.role in ("admin", "supervisor")


def user_row(db, user_id=None, username=None):
    column, value = ("id", user_id) if user_id is not None else ("username", username)
    rows = db.execute(f"SELECT {', '.join(USER_COLUMNS)} FROM users WHERE {column} = ?", [value]).fetchall()
    return dict(zip(USER_COLUMNS, rows[0], strict=True)) if rows else None


def authenticate(db, username, password):
    """The user's row if the name and password match an enabled account, else None."""
    row = user_row(db, username=username)
    if row is None:
        check_password(_DUMMY_HASH, password)
        return None
    if not check_password(row["password_hash"], password) or row["disabled"]:
        return None
    return row


# Sessions


def start_session(db, row, now, address, agent):
    """A new login session for this user row; returns the DashboardUser to log in."""
    key = secrets.token_urlsafe(32)
    stamp = to_stored(now)
    session_id = db["login_sessions"].insert({
        "key_hash": token_hash(key), "user_id": row["id"], "created_at": stamp, "last_seen_at": stamp,
        "address": (address or "")[:64] or None, "agent": (agent or "")[:MAX_AGENT] or None}).last_pk
    return DashboardUser(row, key, session_id)


def load_session_user(db, key, now, idle_hours, touch):
    """The user of a live session key, or None (unknown, ended, idle too long, user disabled).

    `touch(session_id)` is called when the last-seen time should move on; it writes.
    """
    if not key or len(key) > 100:
        return None
    rows = db.execute(
        f"""SELECT s.id, s.last_seen_at, {', '.join('u.' + c for c in USER_COLUMNS)}
            FROM login_sessions s JOIN users u ON u.id = s.user_id
            WHERE s.key_hash = ? AND s.ended_at IS NULL""", [token_hash(key)]).fetchall()
    if not rows:
        return None
    session_id, last_seen, *user = rows[0]
    row = dict(zip(USER_COLUMNS, user, strict=True))
    seen = from_stored(last_seen)
    if row["disabled"] or seen <= now - dt.timedelta(hours=idle_hours):
        return None
    if seen <= now - TOUCH_INTERVAL:
        touch(session_id)
    return DashboardUser(row, key, session_id)


def touch_session(db, session_id, now):
    db.execute("UPDATE login_sessions SET last_seen_at = ? WHERE id = ? AND ended_at IS NULL",
               [to_stored(now), session_id])


def end_session(db, session_id, now, why):
    db.execute("UPDATE login_sessions SET ended_at = ?, ended_why = ? WHERE id = ? AND ended_at IS NULL",
               [to_stored(now), why, session_id])


def end_sessions(db, user_id, now, why, keep=None):
    """End every live session of a user (but `keep`, a session id); returns how many ended."""
    return db.execute(
        "UPDATE login_sessions SET ended_at = ?, ended_why = ? WHERE user_id = ? AND ended_at IS NULL AND id IS NOT ?",
        [to_stored(now), why, user_id, keep]).rowcount


def live_sessions(db, user_id, now, idle_hours):
    idle_since = to_stored(now - dt.timedelta(hours=idle_hours))
    keys = ("id", "created_at", "last_seen_at", "address", "agent")
    rows = db.execute(f"""SELECT {', '.join(keys)} FROM login_sessions
                          WHERE user_id = ? AND ended_at IS NULL AND last_seen_at > ?
                          ORDER BY last_seen_at DESC""", [user_id, idle_since])
    return [dict(zip(keys, row, strict=True)) for row in rows]


# The throttle on failed logins


def _keys(username, address):
    name = username.strip().lower()
    return f"user:{name}", f"user:{name}|from:{address or 'unknown'}"


def refusal(db, username, address, now):
    """'locked' or 'slow' if this attempt must be refused without checking the password, else None."""
    name_key, pair_key = _keys(username, address)
    rows = {row[0]: row[1:] for row in db.execute(
        "SELECT key, failures, first_failure_at, locked_until FROM login_failures WHERE key IN (?, ?)",
        [name_key, pair_key])}
    stamp = to_stored(now)
    pair = rows.get(pair_key)
    if pair is None:
        return None  # this address has not failed on this name: never held up
    if pair[2] and pair[2] > stamp:
        return "locked"
    name = rows.get(name_key)
    if name and name[2] and name[2] > stamp:
        return "slow"
    return None


def record_failure(db, username, address, now, max_failures, lockout_minutes, slowdown_seconds):
    """Count a failed login for the (name, address) lockout and the name's slow-down."""
    name_key, pair_key = _keys(username, address)
    window = dt.timedelta(minutes=lockout_minutes)
    _count(db, pair_key, now, window, max_failures, window, restart_on_lock=True)
    _count(db, name_key, now, window, max_failures, dt.timedelta(seconds=slowdown_seconds), restart_on_lock=False)


def _count(db, key, now, window, limit, lock_for, restart_on_lock):
    row = db.execute("SELECT failures, first_failure_at FROM login_failures WHERE key = ?", [key]).fetchone()
    if row is None or from_stored(row[1]) < now - window:
        failures, first = 1, now
    else:
        failures, first = row[0] + 1, from_stored(row[1])
    locked = to_stored(now + lock_for) if failures >= limit else None
    if locked and restart_on_lock:
        failures, first = 0, now  # after the lockout, a fresh count
    db.execute(
        """INSERT INTO login_failures (key, failures, first_failure_at, locked_until) VALUES (?, ?, ?, ?)
           ON CONFLICT (key) DO UPDATE SET failures = excluded.failures,
             first_failure_at = excluded.first_failure_at,
             locked_until = COALESCE(excluded.locked_until, login_failures.locked_until)""",
        [key, failures, to_stored(first), locked])


def clear_failures(db, username, address):
    db.execute("DELETE FROM login_failures WHERE key IN (SELECT value FROM json_each(?))",
               [json.dumps(list(_keys(username, address)))])
