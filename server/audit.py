"""The audit log: who did what to which office, kiosk, user, token or alert, and when.

`record` is called inside the write transaction of the change itself, so an entry exists
exactly when the change does. The actor is a username (web), `cli:<os user>` (command
line) or `kiosk:<id>` (a kiosk exchanging its pairing code). Details are a small JSON
object of what changed: never passwords, tokens, pairing codes, phone numbers or e-mail
addresses (callers name a changed field instead of giving its value).
"""

import getpass
import json
import os

from server.timeutil import now_stored

# Keys that would carry a secret or a contact; `record` refuses them.
FORBIDDEN_DETAILS = frozenset({"password", "password_hash", "token", "token_hash", "pairing_code",
                               "pairing_code_hash", "phone", "email"})
COLUMNS = ("id", "at", "actor", "action", "target", "office_id", "details")


def cli_actor():
    """`cli:<os user>`: the account that ran the command (the service account under systemd)."""
    try:
        name = getpass.getuser()
    except (KeyError, OSError):  # no passwd entry and no LOGNAME/USER (some containers)
        name = f"uid{os.getuid()}"
    return f"cli:{name}"


def cli_details(**details):
    """Details for a command-line action, naming who ran `sudo` when that is how it ran."""
    sudo_user = os.environ.get("SUDO_USER")
    if sudo_user and f"cli:{sudo_user}" != cli_actor():
        details["sudo_user"] = sudo_user
    return details


def record(db, actor, action, target, details=None, office_id=None):
    """Write one entry in the caller's open write transaction."""
    if not db.conn.in_transaction:
        raise RuntimeError("audit.record belongs inside the change's write transaction")
    details = details or {}
    leaked = FORBIDDEN_DETAILS & set(details)
    if leaked:
        raise ValueError(f"the audit log never keeps {', '.join(sorted(leaked))}")
    db.execute(
        "INSERT INTO audit_log (at, actor, action, target, office_id, details) VALUES (?, ?, ?, ?, ?, ?)",
        [now_stored(), actor, action, target, office_id, json.dumps(details, ensure_ascii=False, default=str)])


def _where(action, actor, office_ids):
    clauses, params = [], []
    if action:
        clauses.append("action = ?")
        params.append(action)
    if actor:
        clauses.append("actor = ?")
        params.append(actor)
    if office_ids is not None:
        clauses.append("office_id IN (SELECT value FROM json_each(?))")
        params.append(json.dumps(sorted(office_ids)))
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


def entries(db, action=None, actor=None, office_ids=None, limit=50, offset=0):
    """Entries newest first; `office_ids` (a set) limits them to those offices, None means all."""
    where, params = _where(action, actor, office_ids)
    rows = db.execute(f"SELECT {', '.join(COLUMNS)} FROM audit_log{where} ORDER BY id DESC LIMIT ? OFFSET ?",
                      [*params, limit, offset]).fetchall()
    found = [dict(zip(COLUMNS, row, strict=True)) for row in rows]
    for entry in found:
        entry["details"] = json.loads(entry["details"])
    return found


def distinct(db, column, office_ids=None):
    """The actions or actors in the log (for the page's filters), sorted."""
    if column not in ("action", "actor"):
        raise ValueError(column)
    where, params = _where(None, None, office_ids)
    return [row[0] for row in db.execute(f"SELECT DISTINCT {column} FROM audit_log{where} ORDER BY 1", params)]
