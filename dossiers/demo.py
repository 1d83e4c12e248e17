"""The demo's dossiers, so every dossier page shows something true (`flask seed-demo`).

For each kiosk rating of the last half year, the dossier its citizen came for: received some days before and
returned at that counter a few minutes before the rating (so it is `matched`); besides
those, about three times as many dossiers nobody rated, so response rates come out
around 15-40 % as SMS surveys get. About 8 % miss their promised date: most of them with
an apology (most in time, some after the date), the rest without, and a few recent ones
still open past the date. One counter's ratings are pressed without citizens: no dossier
stands behind three in four of them, and the integrity page shows it. The states and
rollups are built directly (the generator's events are consistent by construction), then
the integrity check marks every kiosk rating, as the background job would.
"""

import datetime as dt
import random
import uuid
import zoneinfo

from dossiers import integrity, state, storage
from server.db import write_transaction
from server.timeutil import from_stored, to_stored

TIMEZONE = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")
PROMISED_AT = dt.time(16, 30)
UNRATED_PER_RATED = 3
# Dossiers for the last half year's kiosk ratings (at most this many), so that a 10-million
# rating bench database seeds in minutes like the rest of the demo.
DAYS = 183
MAX_RATED = 150_000
LATE_SHARE = 0.08
PRESSED_MATCHED_SHARE = 0.25
REASONS = ("Chờ ý kiến phối hợp của cơ quan liên quan", "Hồ sơ cần xác minh thêm thực địa",
           "Hệ thống liên thông gián đoạn", "Cán bộ thụ lý nghỉ ốm đột xuất")


def seed(app, db, seed_value=2025, end=None):
    rng = random.Random(seed_value * 7 + 14)
    timezone = app.extensions["timezone"]
    last = db.execute("SELECT MAX(local_day) FROM ratings").fetchone()[0]
    if last is None:
        return None
    first = (dt.date.fromisoformat(last) - dt.timedelta(days=DAYS)).isoformat()
    rows = db.execute("""SELECT office_id, counter_id, staff_id, created_at, service FROM ratings
                         WHERE local_day > ? AND channel = 'kiosk' AND counter_id IS NOT NULL
                         ORDER BY created_at DESC LIMIT ?""", [first, MAX_RATED]).fetchall()[::-1]
    if not rows:
        return None
    counters = sorted({row[1] for row in rows})
    pressed = counters[len(counters) // 2]
    now = max(from_stored(row[3]) for row in rows) + dt.timedelta(hours=6)
    events, dossiers, totals = [], [], {}
    stored, now_text = _Texts(), to_stored(now)
    local_day = lambda moment: moment.astimezone(timezone).date().isoformat()  # noqa: E731
    for number, (office_id, counter_id, staff_id, created_at, service) in enumerate(rows):
        if counter_id == pressed and rng.random() > PRESSED_MATCHED_SHARE:
            continue
        rated_at = from_stored(created_at)
        returned = rated_at - dt.timedelta(minutes=rng.randint(1, 15))
        for extra in range(1 + _poisson(rng, UNRATED_PER_RATED)):
            moment = returned if extra == 0 else returned - dt.timedelta(minutes=rng.randint(20, 600))
            code = f"H{office_id:03d}.{moment.astimezone(timezone):%y%m%d}-{number:06d}{extra}"
            dossier, apology = _dossier(rng, office_id, counter_id, staff_id, service, moment, now)
            stored.clear()  # each of a dossier's moments turned to text once, for its row and its events
            dossiers.append(_row(code, dossier, apology, rng, stored, now_text))
            events.extend(_events(rng, code, dossier, stored, now_text))
            state.add_contribution(totals, dossier, apology, local_day, +1)
    _bulk_insert(db, events, dossiers, totals)
    span = (now.date() - from_stored(rows[0][3]).date()).days + 2
    marks = integrity.mark_recent(app, db, span, now=now)
    late = sum(1 for row in dossiers if row["status"] != "cancelled" and row["promised_due_at"] and (
        (row["returned_at"] or now_text) > row["promised_due_at"]))
    return (f"Seeded {len(dossiers):,} dossiers ({late:,} late) with {len(events):,} events; "
            f"{marks['suspect']:,} of {marks['marked']:,} kiosk ratings marked suspect.")


def _bulk_insert(db, events, dossiers, totals):
    """Write the generated rows as a bulk load: the generator's rows are consistent by
    construction (no foreign key checks), in key order (the primary keys' indexes fill
    in order), the tables' secondary indexes dropped and then rebuilt in one sorted pass
    each, as the migrations created them. A crash mid-seed means seeding a new database."""
    previous_sync = db.conn.execute("PRAGMA synchronous").fetchone()[0]
    previous_keys = db.conn.execute("PRAGMA foreign_keys").fetchone()[0]
    db.conn.execute("PRAGMA synchronous = OFF")
    db.conn.execute("PRAGMA foreign_keys = OFF")
    indexes = db.execute("""SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL
                            AND tbl_name IN ('dossier_events', 'dossiers') ORDER BY name""").fetchall()
    try:
        with write_transaction(db):
            for name, _ in indexes:
                db.execute(f'DROP INDEX "{name}"')
            events.sort()
            storage.insert_events(db, events)
            dossiers.sort(key=lambda row: row["code"])
            storage.insert_dossiers(db, dossiers)
            storage.apply_rollup_totals(db, totals)
            for _, sql in indexes:
                db.execute(sql)
    finally:
        db.conn.execute(f"PRAGMA synchronous = {previous_sync}")
        db.conn.execute(f"PRAGMA foreign_keys = {previous_keys}")


def _poisson(rng, mean):
    return sum(1 for _ in range(int(mean * 2)) if rng.random() < 0.5)


def _dossier(rng, office_id, counter_id, staff_id, service, returned, now):
    """A returned (or, recently, still open) dossier and its apology time, if any."""
    received = returned - dt.timedelta(days=rng.randint(1, 12), minutes=rng.randint(0, 300))
    late = rng.random() < LATE_SHARE
    local_return = returned.astimezone(TIMEZONE)
    # Promised for an afternoon hour on a given day, as receipts print it ("hẹn trả 16 giờ 30 ngày ...").
    days = -rng.randint(1, 4) if late else rng.randint(1, 5)
    promised = dt.datetime.combine(local_return.date() + dt.timedelta(days=days), PROMISED_AT, TIMEZONE)
    if late:
        promised = max(promised, received + dt.timedelta(hours=4))
    still_open = late and now - returned < dt.timedelta(days=10) and rng.random() < 0.5
    apology = None
    if late and rng.random() < 0.7:
        before = rng.random() < 0.75
        apology = promised - dt.timedelta(hours=rng.randint(2, 30)) if before else \
            promised + dt.timedelta(hours=rng.randint(2, 48))
        apology = max(apology, received + dt.timedelta(hours=1))
    dossier = state.Dossier(office_id=office_id, counter_id=counter_id, staff_id=staff_id, service=service,
                            received_at=received, promised_due_at=promised, due_at=promised,
                            returned_at=None if still_open else returned,
                            returned_counter_id=None if still_open else counter_id,
                            returned_staff_id=None if still_open else staff_id, cancelled_at=None)
    return dossier, apology


class _Texts(dict):
    """to_stored(moment), remembered until cleared (None for None)."""

    def __call__(self, moment):
        if moment is None:
            return None
        text = self.get(moment)
        if text is None:
            text = self[moment] = to_stored(moment)
        return text


def _row(code, dossier, apology, rng, stored, now_text):
    new_due = dossier.promised_due_at + dt.timedelta(days=rng.randint(2, 7)) if apology else None
    return {"code": code, "office_id": dossier.office_id, "counter_id": dossier.counter_id,
            "staff_id": dossier.staff_id, "service": dossier.service, "received_at": stored(dossier.received_at),
            "promised_due_at": stored(dossier.promised_due_at), "due_at": stored(new_due or dossier.due_at),
            "returned_at": stored(dossier.returned_at), "returned_counter_id": dossier.returned_counter_id,
            "returned_staff_id": dossier.returned_staff_id, "cancelled_at": None, "status": dossier.status,
            "invitation_id": None, "invitation_status": None, "apology_at": stored(apology),
            "apology_new_due_at": stored(new_due), "apology_reason": rng.choice(REASONS) if apology else None,
            "apology_by": None, "apology_message_id": None, "updated_at": now_text}


def _events(rng, code, dossier, stored, now_text):
    def event(kind, at, **fields):
        values = {"counter_id": dossier.counter_id, "staff_id": dossier.staff_id, "service": None, "due_at": None,
                  **fields}
        return (str(uuid.UUID(int=rng.getrandbits(128), version=4)), code, kind, stored(at), dossier.office_id,
                values["counter_id"], values["staff_id"], values["service"], values["due_at"], None, now_text)

    found = [event("received", dossier.received_at, service=dossier.service,
                   due_at=stored(dossier.promised_due_at))]
    if dossier.returned_at is not None:
        found.append(event("returned", dossier.returned_at, counter_id=dossier.returned_counter_id,
                           staff_id=dossier.returned_staff_id))
    return found
