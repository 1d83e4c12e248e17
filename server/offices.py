"""Offices, counters, staff and kiosks: storage and the admin operations on them."""

import datetime as dt
import json
import re
import secrets
import threading

from server import auth
from server.db import change_markers
from server.hierarchy import Office, OfficeTree
from server.timeutil import now_stored, utcnow

# township: thị trấn, a district town (commune level) until the districts went in mid-2025.
KINDS = ("province", "centre", "district", "commune", "ward", "township", "branch")


class OfficeError(ValueError):
    """An office operation that cannot be done, with a message for the user."""


_tree_cache = {}
_tree_lock = threading.Lock()


def load_tree(db, markers=None):
    """The office tree, rebuilt only when the offices changed (see the offices_version trigger).

    `markers`: server.db.change_markers(db) when the caller has just read them."""
    meta = markers or change_markers(db)
    key, version = meta["database_id"], meta["offices_version"]
    with _tree_lock:
        cached = _tree_cache.get(key)
        if cached is not None and cached[0] == version:
            return cached[1]
    rows = db.execute(
        """SELECT id, code, name, kind, parent_id, merged_into, merged_at, active_from, active_to
           FROM offices ORDER BY code"""
    ).fetchall()
    parents, names, kiosk_moves = {}, {}, []
    for change, office_id, kiosk_id, effective, before, after in db.execute(
            """SELECT change, office_id, kiosk_id, effective, before, after FROM office_changes
               WHERE change IN ('move', 'rename', 'kiosk_move') ORDER BY effective, id"""):
        before, after = json.loads(before), json.loads(after)
        if change == "kiosk_move":
            if not any(m[0] == kiosk_id for m in kiosk_moves):
                kiosk_moves.append((kiosk_id, "0000-01-01", before["office"], before["counter"]))
            kiosk_moves.append((kiosk_id, effective, after["office"], after["counter"]))
            continue
        history, key = (parents, "parent") if change == "move" else (names, "name")
        entries = history.setdefault(office_id, [("0000-01-01", before[key])])
        entries.append((effective, after[key]))
    tree = OfficeTree([Office(*row, parents=tuple(parents.get(row[0], ())), names=tuple(names.get(row[0], ())))
                       for row in rows], kiosk_moves)
    with _tree_lock:
        _tree_cache[key] = (version, tree)
    return tree


def office_by_code(db, code):
    rows = list(db.query("SELECT * FROM offices WHERE code = ?", [code]))
    if not rows:
        raise OfficeError(f"no office with code {code!r}")
    return rows[0]


def add_office(db, code, name, parent_code=None, kind="commune", active_from=None):
    code = (code or "").strip().upper()
    if not re.fullmatch(r"[A-Z0-9][A-Z0-9_-]{0,31}", code):
        raise OfficeError("office code must be 1-32 unaccented letters, digits, '-' or '_' (citizens text it)")
    if not (name or "").strip():
        raise OfficeError("office name must not be empty")
    if kind not in KINDS:
        raise OfficeError(f"kind must be one of {', '.join(KINDS)}")
    if list(db.query("SELECT 1 FROM offices WHERE code = ?", [code])):
        raise OfficeError(f"office {code} already exists")
    parent_id = office_by_code(db, parent_code.upper())["id"] if parent_code else None
    return db["offices"].insert({
        "code": code, "name": name.strip(), "kind": kind, "parent_id": parent_id,
        "active_from": active_from, "created_at": now_stored(),
    }).last_pk


def list_offices(db):
    return list(db.query(
        """SELECT o.code, o.name, o.kind, p.code AS parent, o.active_from, o.active_to,
                  m.code AS merged_into, o.merged_at
           FROM offices o LEFT JOIN offices p ON p.id = o.parent_id
           LEFT JOIN offices m ON m.id = o.merged_into ORDER BY o.code"""
    ))


def add_staff(db, code, name, office_code, counter_label=None):
    office = office_by_code(db, office_code.upper())
    if list(db.query("SELECT 1 FROM staff WHERE code = ?", [code])):
        raise OfficeError(f"staff {code} already exists")
    staff_id = db["staff"].insert({"code": code, "name": name, "office_id": office["id"]}).last_pk
    if counter_label:
        counter_id = ensure_counter(db, office["id"], counter_label)
        db["counters"].update(counter_id, {"staff_id": staff_id})
    return staff_id


def officer_serves(tree, staff_office_id, office_id):
    """Whether an officer of `staff_office_id` may be credited at a counter of `office_id`:
    only officers of that office's subtree (or of its successor's, once it was merged)."""
    return any(tree.contains(place, staff_office_id) for place in {office_id, tree.successor(office_id)})


def ensure_counter(db, office_id, label):
    label = (label or "").strip()
    if not label:
        raise OfficeError("counter label must not be empty")
    rows = db.execute("SELECT id FROM counters WHERE office_id = ? AND label = ?", [office_id, label]).fetchall()
    if rows:
        return rows[0][0]
    return db["counters"].insert({"office_id": office_id, "label": label}).last_pk


def add_kiosk(db, office_code, counter_label, with_pairing_code=False):
    """Create a kiosk at a counter; returns (kiosk id, token, pairing code or None)."""
    office = office_by_code(db, office_code.upper())
    if office["merged_into"] is not None:
        raise OfficeError(f"office {office['code']} was merged on {office['merged_at']}; "
                          "add the kiosk to its successor")
    if office["active_to"] is not None:
        raise OfficeError(f"office {office['code']} closed after {office['active_to']}")
    counter_id = ensure_counter(db, office["id"], counter_label)
    token = auth.new_token(auth.KIOSK_PREFIX)
    row = {"office_id": office["id"], "counter_id": counter_id, "token_hash": auth.token_hash(token),
           "created_at": now_stored()}
    code = None
    if with_pairing_code:
        code = new_pairing_code()
        row["pairing_code_hash"] = auth.token_hash(normalise_pairing_code(code))
        row["pairing_expires_at"] = (utcnow() + dt.timedelta(hours=24)).isoformat()
    kiosk_id = db["kiosks"].insert(row).last_pk
    return kiosk_id, token, code


# Twelve characters from 32 (60 bits): at the server's whole capacity, about 1,000 guesses a
# second for 24 hours, the chance of hitting a live code is below one in ten million, before
# any rate limit. Shown in groups of four; dashes and spaces are ignored when typed.
PAIRING_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
PAIRING_LENGTH = 12


def new_pairing_code():
    """Twelve characters an installer can read out and type (no 0/O or 1/I), as XXXX-XXXX-XXXX."""
    code = "".join(secrets.choice(PAIRING_ALPHABET) for _ in range(PAIRING_LENGTH))
    return "-".join(code[i:i + 4] for i in range(0, PAIRING_LENGTH, 4))


class PairingError(OfficeError):
    """A pairing code that cannot be exchanged; `status` is the HTTP status to answer with.

    (status, message), like server.api.error and every other error that carries a status."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status


def normalise_pairing_code(code):
    """Installers read codes out and type them: ignore case, spaces and dashes."""
    return re.sub(r"[\s-]", "", code).upper()


def find_pairing(db, code, now):
    """PairingError (404 or 410) unless the code is live; a read, for before the write lock."""
    rows = db.execute("SELECT pairing_expires_at FROM kiosks WHERE pairing_code_hash = ? AND revoked_at IS NULL",
                      [auth.token_hash(normalise_pairing_code(code))]).fetchall()
    if not rows:
        raise PairingError(404, "code: unknown or already used; ask for a new one (flask kiosk add ... --pairing-code)")
    if dt.datetime.fromisoformat(rows[0][0]) <= now:
        raise PairingError(410, "code: expired; ask for a new one (flask kiosk add ... --pairing-code)")


def pair_kiosk(db, code, now):
    """Exchange a one-time pairing code for a fresh kiosk token; returns (kiosk row, token).

    Call inside a write transaction, so two kiosks racing with one code cannot both win.
    The code is cleared on use and only the new token's hash is kept.
    """
    rows = list(db.query(
        """SELECT k.id, k.pairing_expires_at, o.code AS office, o.name AS office_name, c.label AS counter
           FROM kiosks k JOIN offices o ON o.id = k.office_id JOIN counters c ON c.id = k.counter_id
           WHERE k.pairing_code_hash = ? AND k.revoked_at IS NULL""",
        [auth.token_hash(normalise_pairing_code(code))],
    ))
    if not rows:
        raise PairingError(404, "code: unknown or already used; ask for a new one (flask kiosk add ... --pairing-code)")
    kiosk = rows[0]
    if dt.datetime.fromisoformat(kiosk["pairing_expires_at"]) <= now:
        raise PairingError(410, "code: expired; ask for a new one (flask kiosk add ... --pairing-code)")
    token = auth.new_token(auth.KIOSK_PREFIX)
    db["kiosks"].update(kiosk["id"], {"token_hash": auth.token_hash(token), "pairing_code_hash": None,
                                      "pairing_expires_at": None})
    return kiosk, token


def revoke_kiosk(db, kiosk_id):
    rows = db.execute("SELECT revoked_at FROM kiosks WHERE id = ?", [kiosk_id]).fetchall()
    if not rows:
        raise OfficeError(f"no kiosk with id {kiosk_id}")
    if rows[0][0] is not None:
        raise OfficeError(f"kiosk {kiosk_id} was already revoked at {rows[0][0]}")
    db["kiosks"].update(kiosk_id, {"revoked_at": now_stored()})


def list_kiosks(db):
    return list(db.query(
        """SELECT k.id, o.code AS office, c.label AS counter, k.created_at, k.revoked_at,
                  k.last_seen_at, k.queue_length, k.last_sync_at, k.app_version
           FROM kiosks k JOIN offices o ON o.id = k.office_id JOIN counters c ON c.id = k.counter_id
           ORDER BY k.id"""
    ))
