"""Reorganisations: mergers, changes of parent, renamings, closings and kiosk moves.

Each change takes effect on a local date and may be recorded any time before or after it
(decrees come first, the IT officer later). Recording writes the office row and a row of
`office_changes` (the office's history), in the caller's write transaction, with the
caller's audit entry. Ratings already stored that the change covers (a late merger: ratings
still at the old office; a late kiosk move: ratings still at the old counter) are then moved
by `reattribute`, a batch per write transaction, with their rollups in the same transaction,
so the figures agree with the ratings after every batch. An interrupted run leaves the
change pending; the next run (`flask office reattribute`, or any later change) goes on.
"""

import dataclasses
import datetime as dt
import json

from server import offices
from server.db import write_transaction
from server.offices import OfficeError, load_tree, office_by_code
from server.timeutil import now_stored

BATCH = 5000
_RATING = ("id", "office_id", "counter_id", "staff_id", "local_day", "channel", "score", "reasons", "misuse",
           "kiosk_id", "created_at", "client_id")


def _day(value):
    try:
        return value if isinstance(value, dt.date) else dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        raise OfficeError("effective: must be a date as YYYY-MM-DD") from None


def check_day(value):
    """The date, or OfficeError naming the field."""
    return _day(value)


def _record(db, change, office_id, effective, before, after, actor, kiosk_id=None, pending=0):
    return db["office_changes"].insert({
        "change": change, "office_id": office_id, "kiosk_id": kiosk_id, "effective": effective.isoformat(),
        "before": json.dumps(before, ensure_ascii=False), "after": json.dumps(after, ensure_ascii=False),
        "recorded_at": now_stored(), "recorded_by": actor, "pending": pending,
    }).last_pk


def _not_gone(office, effective, what):
    if office["merged_into"] is not None and office["merged_at"] <= effective.isoformat():
        raise OfficeError(f"office {office['code']} was merged on {office['merged_at']}: "
                          f"{what} its successor")
    closed = office["merged_into"] is None and office["active_to"] is not None
    if closed and office["active_to"] < effective.isoformat():
        raise OfficeError(f"office {office['code']} closed after {office['active_to']}")


def merge(db, old_code, new_code, effective, actor=None):
    """From `effective` on, OLD's ratings belong to NEW; its history stays with OLD."""
    effective = _day(effective)
    old, new = office_by_code(db, old_code.strip().upper()), office_by_code(db, new_code.strip().upper())
    if old["id"] == new["id"]:
        raise OfficeError("an office cannot be merged into itself")
    if old["merged_into"] is not None:
        raise OfficeError(f"office {old['code']} was already merged on {old['merged_at']}")
    if old["active_to"] is not None:
        raise OfficeError(f"office {old['code']} closed after {old['active_to']}")
    if old["id"] in load_tree(db).lineage(new["id"], "current"):
        raise OfficeError(f"{new['code']} lies under {old['code']}: merging would make a loop")
    _not_gone(new, effective, "merge into")
    db["offices"].update(old["id"], {
        "merged_into": new["id"], "merged_at": effective.isoformat(),
        "active_to": (effective - dt.timedelta(days=1)).isoformat(),
    })
    return _record(db, "merge", old["id"], effective, {}, {"into": new["id"], "into_code": new["code"]}, actor,
                   pending=1)


def move(db, code, parent_code, effective, actor=None):
    """From `effective` on, the office sits under NEW_PARENT (as communes did when districts went)."""
    effective = _day(effective)
    office, parent = office_by_code(db, code.strip().upper()), office_by_code(db, parent_code.strip().upper())
    tree = load_tree(db)
    if office["id"] == parent["id"]:
        raise OfficeError("an office cannot be its own parent")
    if office["id"] in tree.lineage(parent["id"], "current"):
        raise OfficeError(f"{parent['code']} lies under {office['code']}: the move would make a loop")
    _not_gone(office, effective, "move")
    _not_gone(parent, effective, "move the office under")
    before = tree.parent_on(office["id"], effective.isoformat())
    if before == parent["id"]:
        raise OfficeError(f"office {office['code']} is already under {parent['code']} on {effective}")
    change_id = _record(db, "move", office["id"], effective, {"parent": before}, {"parent": parent["id"]}, actor)
    latest = load_tree(db).parent_on(office["id"], "9999-12-31")
    db["offices"].update(office["id"], {"parent_id": latest})
    return change_id


def rename(db, code, name, effective, actor=None):
    """From `effective` on, the office is called NAME; reports of earlier periods keep the old name."""
    effective = _day(effective)
    office = office_by_code(db, code.strip().upper())
    name = (name or "").strip()
    if not name:
        raise OfficeError("name: must not be empty")
    _not_gone(office, effective, "rename")
    tree = load_tree(db)
    before = tree.name_on(office["id"], effective.isoformat())
    if before == name:
        raise OfficeError(f"office {office['code']} is already called {name!r} on {effective}")
    change_id = _record(db, "rename", office["id"], effective, {"name": before}, {"name": name}, actor)
    db["offices"].update(office["id"], {"name": load_tree(db).name_on(office["id"], "9999-12-31")})
    return change_id


def close(db, code, effective, actor=None):
    """From `effective` on the office is closed without a successor: its kiosks are refused.

    Ratings already stored for days from `effective` on stay where they are (a citizen gave
    them); the answer counts them so the admin can decide.
    """
    effective = _day(effective)
    office = office_by_code(db, code.strip().upper())
    if office["merged_into"] is not None:
        raise OfficeError(f"office {office['code']} was merged on {office['merged_at']}")
    if office["active_to"] is not None:
        raise OfficeError(f"office {office['code']} is already closed after {office['active_to']}")
    if (office["active_from"] or "0000-01-01") > effective.isoformat():
        raise OfficeError(f"office {office['code']} opens only on {office['active_from']}")
    db["offices"].update(office["id"], {"active_to": (effective - dt.timedelta(days=1)).isoformat()})
    later = db.execute("SELECT COUNT(*) FROM ratings WHERE office_id = ? AND local_day >= ?",
                       [office["id"], effective.isoformat()]).fetchone()[0]
    _record(db, "close", office["id"], effective, {}, {"ratings_after": later}, actor)
    return later


def move_kiosk(db, kiosk_id, office_code, counter_label, effective, actor=None):
    """From `effective` on the kiosk stands at COUNTER of OFFICE (carried with its building)."""
    effective = _day(effective)
    rows = db.execute("SELECT office_id, counter_id, revoked_at FROM kiosks WHERE id = ?", [kiosk_id]).fetchall()
    if not rows:
        raise OfficeError(f"no kiosk with id {kiosk_id}")
    if rows[0][2] is not None:
        raise OfficeError(f"kiosk {kiosk_id} was revoked at {rows[0][2]}")
    office = office_by_code(db, office_code.strip().upper())
    _not_gone(office, effective, "move the kiosk to")
    counter_id = offices.ensure_counter(db, office["id"], counter_label)
    tree = load_tree(db)
    before_office, before_counter = tree.kiosk_place_on(kiosk_id, effective.isoformat(), rows[0][0], rows[0][1])
    if (before_office, before_counter) == (office["id"], counter_id):
        raise OfficeError(f"kiosk {kiosk_id} already stands there on {effective}")
    change_id = _record(db, "kiosk_move", office["id"], effective, {"office": before_office, "counter": before_counter},
                        {"office": office["id"], "counter": counter_id}, actor, kiosk_id=kiosk_id, pending=1)
    latest = load_tree(db).kiosk_place_on(kiosk_id, "9999-12-31", rows[0][0], rows[0][1])
    db["kiosks"].update(kiosk_id, {"office_id": latest[0], "counter_id": latest[1]})
    return change_id


# -- moving stored ratings -----------------------------------------------------------------

@dataclasses.dataclass
class Report:
    moved: int = 0
    offices: set = dataclasses.field(default_factory=set)
    batches: int = 0
    pending: int = 0  # changes still pending (an interrupted run)

    def __str__(self):
        text = f"moved {self.moved:,} ratings of {len(self.offices):,} offices"
        return text + (f"; {self.pending} changes still pending: run flask office reattribute" if self.pending else "")


def reattribute(db, batch=BATCH, max_batches=None, ingest=None):
    """Move the stored ratings every pending change covers; returns a Report.

    One write transaction per batch (ratings, their rollups, what components keep of them
    through `Ingest.on_ratings_moved`, and the change's progress together). `max_batches`
    stops early, as an interruption would; call again to go on.
    """
    if ingest is None:  # the app's: the core's and its components' rollups and hooks
        from flask import current_app
        ingest = current_app.extensions["ingest"]
    report = Report()
    while True:
        pending = db.execute("SELECT id, change, office_id, kiosk_id, effective, progress FROM office_changes "
                             "WHERE pending = 1 ORDER BY id LIMIT 1").fetchall()
        if not pending:
            return report
        if max_batches is not None and report.batches >= max_batches:
            report.pending = db.execute("SELECT COUNT(*) FROM office_changes WHERE pending = 1").fetchone()[0]
            return report
        with write_transaction(db):
            _one_batch(db, pending[0], batch, report, ingest)
        report.batches += 1


def _one_batch(db, change, batch, report, ingest):
    change_id, kind, office_id, kiosk_id, effective, progress = change
    columns = ", ".join(_RATING)
    if kind == "merge":
        # Whatever is still at OLD from the date on was stored before the merger was recorded.
        found = db.execute(f"SELECT {columns} FROM ratings WHERE office_id = ? AND local_day >= ? ORDER BY id LIMIT ?",
                           [office_id, effective, batch]).fetchall()
        cursor = None
    else:
        # A kiosk's ratings from the day on, in (created_at, client_id) order from where the scan got to.
        after = json.loads(progress) if progress else [(dt.date.fromisoformat(effective)
                                                         - dt.timedelta(days=1)).isoformat(), ""]
        found = db.execute(
            f"""SELECT {columns} FROM ratings WHERE kiosk_id = ? AND (created_at, client_id) > (?, ?)
                ORDER BY created_at, client_id LIMIT ?""", [kiosk_id, *after, batch]).fetchall()
        cursor = list(found[-1][-2:]) if found else None
    tree = load_tree(db)
    rollup, moved, places = ingest.rollups.changes(), 0, []
    for values in found:
        row = dict(zip(_RATING, values, strict=True))
        day = row["local_day"]
        if day < effective:
            continue
        target_office, target_counter = row["office_id"], row["counter_id"]
        if kind == "kiosk_move":
            target_office, target_counter = tree.kiosk_place_on(kiosk_id, day, row["office_id"], row["counter_id"])
        target_office = tree.successor_on(target_office, day)
        if (target_office, target_counter) == (row["office_id"], row["counter_id"]):
            continue
        rollup.add(row, -1)
        rollup.add({**row, "office_id": target_office, "counter_id": target_counter}, +1)
        db.execute("UPDATE ratings SET office_id = ?, counter_id = ? WHERE id = ?",
                   [target_office, target_counter, row["id"]])
        places.append((row["id"], target_office, target_counter))
        report.offices.add(row["office_id"])
        moved += 1
    rollup.apply(db)
    if places:
        for hook in ingest.on_ratings_moved:
            hook(db, places)
    report.moved += moved
    done = len(found) < batch or (kind == "merge" and not moved)
    db.execute("UPDATE office_changes SET moved = moved + ?, progress = ?, pending = ? WHERE id = ?",
               [moved, json.dumps(cursor) if cursor else None, 0 if done else 1, change_id])


# -- history -----------------------------------------------------------------------------

def history(db, code):
    """An office's changes, by effective date: (effective, change, text, recorded_at, recorded_by, moved)."""
    office = office_by_code(db, code.strip().upper())
    rows = db.execute(
        """SELECT c.effective, c.change, c.office_id, c.kiosk_id, c.before, c.after, c.recorded_at, c.recorded_by,
                  c.moved, c.pending
           FROM office_changes c
           WHERE c.office_id = ? OR (c.change = 'kiosk_move' AND json_extract(c.before, '$.office') = ?)
              OR (c.change = 'merge' AND json_extract(c.after, '$.into') = ?)
              OR (c.change = 'move' AND (json_extract(c.before, '$.parent') = ?
                                         OR json_extract(c.after, '$.parent') = ?))
           ORDER BY c.effective, c.id""", [office["id"]] * 5).fetchall()
    codes = dict(db.execute("SELECT id, code FROM offices").fetchall())
    labels = dict(db.execute("SELECT id, label FROM counters").fetchall())
    result = []
    for effective, change, office_id, kiosk_id, before, after, recorded_at, recorded_by, moved, pending in rows:
        before, after = json.loads(before), json.loads(after)
        result.append({"effective": effective, "change": change, "office": codes[office_id], "kiosk": kiosk_id,
                       "text": _describe(change, codes[office_id], kiosk_id, before, after, codes, labels),
                       "recorded_at": recorded_at, "recorded_by": recorded_by, "moved": moved,
                       "pending": bool(pending), "late": recorded_at[:10] > effective})
    opened = office["active_from"]
    if opened:
        result.insert(0, {"effective": opened, "change": "open", "office": office["code"], "kiosk": None,
                          "text": f"{office['code']} opened", "recorded_at": office["created_at"],
                          "recorded_by": None, "moved": 0, "pending": False, "late": False})
    return result


def _describe(change, code, kiosk_id, before, after, codes, labels):
    if change == "merge":
        return f"{code} merged into {after['into_code']}"
    if change == "move":
        return f"{code} moved from under {codes.get(before['parent'], '-')} to under {codes.get(after['parent'], '-')}"
    if change == "rename":
        return f"{code} renamed from {before['name']!r} to {after['name']!r}"
    if change == "close":
        return f"{code} closed" + (f" ({after['ratings_after']} ratings stored after the date stay under it)"
                                   if after.get("ratings_after") else "")
    return (f"kiosk {kiosk_id} moved from {codes[before['office']]} / {labels[before['counter']]} "
            f"to {codes[after['office']]} / {labels[after['counter']]}")
