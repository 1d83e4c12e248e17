"""The dossier component's tables, as named migrations after the core's, and their SQL.

- dossier_events: every event as the dossier system sent it (its UUID is the key, so a
  re-sent event is a duplicate); no phone number (that goes to dossier_contacts).
- dossiers: the state derived from all of a dossier's events (dossiers.state), its
  invitation and its apology; a row exists once a `received` event is known.
- dossier_contacts: the citizen's raw number, only until the invitation is queued (the SMS
  outbox then keeps it under its own rule), the dossier is cancelled, or
  DOSSIER_CONTACT_RETENTION_DAYS pass.
- dossier_rollup_daily / _monthly: counts per office (and counter, officer) and local day
  or month, moved in the same transaction as every change of state (see state.contribution).
- dossier_rating_marks and dossier_suspect_daily: the integrity marks of kiosk ratings
  (dossiers.integrity) and the counts of suspect ratings that `exclude_suspect=1` leaves out.
"""

import json
import operator

from sqlite_utils.migrations import Migrations

from dossiers.state import COUNT_NAMES

migrations = Migrations("dossiers")
_COUNT_COLUMNS = ",\n".join(f"    {name} INTEGER NOT NULL DEFAULT 0" for name in COUNT_NAMES)


@migrations()
def m001_events_dossiers_rollups(db):
    db.executescript(
        f"""
        CREATE TABLE dossier_events (
            id TEXT PRIMARY KEY,
            dossier TEXT NOT NULL,
            type TEXT NOT NULL,
            at TEXT NOT NULL,
            office_id INTEGER NOT NULL REFERENCES offices(id),
            counter_id INTEGER REFERENCES counters(id),
            staff_id INTEGER REFERENCES staff(id),
            service TEXT,
            due_at TEXT,
            sent_by INTEGER,
            stored_at TEXT NOT NULL
        );
        CREATE INDEX dossier_events_dossier ON dossier_events(dossier);
        CREATE INDEX dossier_events_counter_at ON dossier_events(counter_id, at) WHERE counter_id IS NOT NULL;

        CREATE TABLE dossiers (
            code TEXT PRIMARY KEY,
            office_id INTEGER NOT NULL REFERENCES offices(id),
            counter_id INTEGER,
            staff_id INTEGER,
            service TEXT,
            received_at TEXT NOT NULL,
            promised_due_at TEXT,
            due_at TEXT,
            returned_at TEXT,
            returned_counter_id INTEGER,
            returned_staff_id INTEGER,
            cancelled_at TEXT,
            status TEXT NOT NULL,
            invitation_id INTEGER,
            invitation_status TEXT,
            apology_at TEXT,
            apology_new_due_at TEXT,
            apology_reason TEXT,
            apology_by INTEGER,
            apology_message_id INTEGER,
            updated_at TEXT NOT NULL
        );
        CREATE INDEX dossiers_promised ON dossiers(promised_due_at) WHERE status != 'cancelled';
        CREATE INDEX dossiers_received ON dossiers(received_at);

        -- API tokens that speak for a dossier system (a token kind: flask dossiers integration-token).
        CREATE TABLE dossier_integrations (
            token_id INTEGER PRIMARY KEY REFERENCES api_tokens(id),
            created_at TEXT NOT NULL
        );

        CREATE TABLE dossier_contacts (
            dossier TEXT PRIMARY KEY,
            phone TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );

        CREATE TABLE dossier_rollup_daily (
            office_id INTEGER NOT NULL,
            counter_id INTEGER NOT NULL DEFAULT 0,
            staff_id INTEGER NOT NULL DEFAULT 0,
            day TEXT NOT NULL,
        {_COUNT_COLUMNS},
            PRIMARY KEY (office_id, counter_id, staff_id, day)
        );
        CREATE INDEX dossier_rollup_daily_day ON dossier_rollup_daily(day);

        CREATE TABLE dossier_rollup_monthly (
            office_id INTEGER NOT NULL,
            month TEXT NOT NULL,
        {_COUNT_COLUMNS},
            PRIMARY KEY (office_id, month)
        );

        CREATE TABLE dossier_rating_marks (
            rating_id INTEGER PRIMARY KEY,
            office_id INTEGER NOT NULL,
            counter_id INTEGER NOT NULL,
            day TEXT NOT NULL,
            channel TEXT NOT NULL,
            misuse INTEGER NOT NULL,
            score INTEGER NOT NULL,
            matched INTEGER NOT NULL,
            outside_hours INTEGER NOT NULL,
            burst INTEGER NOT NULL,
            suspect INTEGER NOT NULL
        );
        CREATE INDEX dossier_rating_marks_counter ON dossier_rating_marks(counter_id, day);

        CREATE TABLE dossier_suspect_daily (
            office_id INTEGER NOT NULL,
            day TEXT NOT NULL,
            channel TEXT NOT NULL,
            misuse INTEGER NOT NULL,
            n INTEGER NOT NULL DEFAULT 0,
            n1 INTEGER NOT NULL DEFAULT 0,
            n2 INTEGER NOT NULL DEFAULT 0,
            n3 INTEGER NOT NULL DEFAULT 0,
            n4 INTEGER NOT NULL DEFAULT 0,
            n5 INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (office_id, day, channel, misuse)
        );
        """
    )


# --- events -------------------------------------------------------------------------------

EVENT_COLUMNS = ("id", "dossier", "type", "at", "office_id", "counter_id", "staff_id", "service", "due_at", "sent_by",
                 "stored_at")


def existing_event_ids(db, ids):
    if not ids:
        return set()
    rows = db.execute("SELECT id FROM dossier_events WHERE id IN (SELECT value FROM json_each(?))",
                      [json.dumps(sorted(ids))]).fetchall()
    return {row[0] for row in rows}


def insert_events(db, rows):
    db.conn.executemany(f"INSERT INTO dossier_events ({', '.join(EVENT_COLUMNS)}) "
                        f"VALUES ({', '.join('?' for _ in EVENT_COLUMNS)})", rows)


def events_of(db, codes):
    """{dossier code: [event rows as dicts]} for these codes."""
    found = {}
    rows = db.execute(f"SELECT {', '.join(EVENT_COLUMNS)} FROM dossier_events "
                      "WHERE dossier IN (SELECT value FROM json_each(?))", [json.dumps(sorted(codes))]).fetchall()
    for row in rows:
        event = dict(zip(EVENT_COLUMNS, row, strict=True))
        found.setdefault(event["dossier"], []).append(event)
    return found


# --- dossiers -----------------------------------------------------------------------------

DOSSIER_COLUMNS = ("code", "office_id", "counter_id", "staff_id", "service", "received_at", "promised_due_at", "due_at",
                   "returned_at", "returned_counter_id", "returned_staff_id", "cancelled_at", "status",
                   "invitation_id", "invitation_status", "apology_at", "apology_new_due_at", "apology_reason",
                   "apology_by", "apology_message_id", "updated_at")


def dossiers_by_code(db, codes):
    rows = db.execute(f"SELECT {', '.join(DOSSIER_COLUMNS)} FROM dossiers "
                      "WHERE code IN (SELECT value FROM json_each(?))", [json.dumps(sorted(codes))]).fetchall()
    return {row[0]: dict(zip(DOSSIER_COLUMNS, row, strict=True)) for row in rows}


def dossier(db, code):
    return dossiers_by_code(db, [code]).get(code)


_SAVE = (f"INSERT INTO dossiers ({', '.join(DOSSIER_COLUMNS)}) VALUES ({', '.join('?' for _ in DOSSIER_COLUMNS)}) "
         f"ON CONFLICT (code) DO UPDATE SET "
         + ", ".join(f"{name} = excluded.{name}" for name in DOSSIER_COLUMNS[1:]))


_AS_TUPLE = operator.itemgetter(*DOSSIER_COLUMNS)


def save_dossiers(db, rows):
    """Insert or replace dossier rows (dicts with every one of DOSSIER_COLUMNS), one statement for all."""
    db.conn.executemany(_SAVE, [_AS_TUPLE(row) for row in rows])


def insert_dossiers(db, rows):
    """Insert new dossier rows (dicts with every one of DOSSIER_COLUMNS), one statement for all."""
    db.conn.executemany(f"INSERT INTO dossiers ({', '.join(DOSSIER_COLUMNS)}) "
                        f"VALUES ({', '.join('?' for _ in DOSSIER_COLUMNS)})", [_AS_TUPLE(row) for row in rows])


def save_dossier(db, row):
    save_dossiers(db, [row])


def late_dossiers(db, office_ids, first, last, now_stored, limit, after=None):
    """Dossiers whose promised date is in [first, last] (stored times) and that are late at
    `now_stored`: returned after it, or still open past it. Oldest promised first."""
    rows = db.execute(
        f"""SELECT {', '.join(DOSSIER_COLUMNS)} FROM dossiers INDEXED BY dossiers_promised
            WHERE status != 'cancelled' AND promised_due_at BETWEEN ? AND ?
              AND ((returned_at IS NULL AND promised_due_at < ?) OR returned_at > promised_due_at)
              AND office_id IN (SELECT value FROM json_each(?))
              AND (? IS NULL OR (promised_due_at, code) > (?, ?))
            ORDER BY promised_due_at, code LIMIT ?""",
        [first, last, now_stored, json.dumps(sorted(office_ids)), after and after[0], after and after[0],
         after and after[1], limit]).fetchall()
    return [dict(zip(DOSSIER_COLUMNS, row, strict=True)) for row in rows]


# --- contacts -----------------------------------------------------------------------------

def set_contact(db, code, phone, now_stored):
    db.execute("""INSERT INTO dossier_contacts (dossier, phone, updated_at) VALUES (?, ?, ?)
                  ON CONFLICT (dossier) DO UPDATE SET phone = excluded.phone, updated_at = excluded.updated_at""",
               [code, phone, now_stored])


def set_contacts(db, rows):
    """(code, phone, stored time) rows, one statement for all."""
    if rows:
        db.conn.executemany("""INSERT INTO dossier_contacts (dossier, phone, updated_at) VALUES (?, ?, ?)
                               ON CONFLICT (dossier) DO UPDATE SET phone = excluded.phone,
                               updated_at = excluded.updated_at""", rows)


def contacts(db, codes):
    """{code: phone} of the numbers held for these dossiers."""
    if not codes:
        return {}
    return dict(db.execute("SELECT dossier, phone FROM dossier_contacts "
                           "WHERE dossier IN (SELECT value FROM json_each(?))", [json.dumps(sorted(codes))]).fetchall())


def forget_contacts(db, codes):
    if codes:
        db.execute("DELETE FROM dossier_contacts WHERE dossier IN (SELECT value FROM json_each(?))",
                   [json.dumps(sorted(codes))])


def contact(db, code):
    row = db.execute("SELECT phone FROM dossier_contacts WHERE dossier = ?", [code]).fetchone()
    return row[0] if row else None


def forget_contact(db, code):
    db.execute("DELETE FROM dossier_contacts WHERE dossier = ?", [code])


# --- rollups ------------------------------------------------------------------------------

_INCREMENTS = ", ".join(f"{name} = {name} + excluded.{name}" for name in COUNT_NAMES)
_UPSERT_DAILY = f"""INSERT INTO dossier_rollup_daily (office_id, counter_id, staff_id, day, {', '.join(COUNT_NAMES)})
    VALUES (?, ?, ?, ?, {', '.join('?' for _ in COUNT_NAMES)})
    ON CONFLICT (office_id, counter_id, staff_id, day) DO UPDATE SET {_INCREMENTS}"""
_UPSERT_MONTHLY = f"""INSERT INTO dossier_rollup_monthly (office_id, month, {', '.join(COUNT_NAMES)})
    VALUES (?, ?, {', '.join('?' for _ in COUNT_NAMES)})
    ON CONFLICT (office_id, month) DO UPDATE SET {_INCREMENTS}"""


def apply_rollup(db, changes):
    """Add {(office, counter, staff, day): {count: delta}} to the daily and monthly rollups."""
    apply_rollup_totals(db, {key: [delta[name] for name in COUNT_NAMES] for key, delta in changes.items()})


def apply_rollup_totals(db, totals):
    """Add {(office, counter, staff, day): [delta per COUNT_NAMES]} to the daily and monthly
    rollups: one upsert per key that changed (keys whose deltas net to zero are left out)."""
    daily, monthly = [], {}
    for key, delta in totals.items():
        if not any(delta):
            continue
        daily.append((*key, *delta))
        month = (key[0], key[3][:7])
        bucket = monthly.get(month)
        if bucket is None:
            monthly[month] = list(delta)
        else:
            for index, n in enumerate(delta):
                bucket[index] += n
    if daily:
        db.conn.executemany(_UPSERT_DAILY, daily)
        db.conn.executemany(_UPSERT_MONTHLY, [(*key, *counts) for key, counts in monthly.items() if any(counts)])
