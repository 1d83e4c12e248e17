"""The web channel's tables and the SQL on them (called inside the caller's transaction).

- `web_counter_codes`: the short public code of each counter's poster. A counter has one
  code in use; rotating it retires the old one (its posters then say so politely).
- `web_links`: rating links for one dossier. The URL carries only a signed random nonce;
  what the link is for (office, counter, officer, service, dossier reference) stays here,
  so no dossier code is ever in a URL or an access log. A link is used once
  (`client_id`, `rated_at`) and may be changed within EDIT_WINDOW.
- `web_address_counts`: how many ratings a keyed hash of an address sent in each second,
  and the last one's time, for the rate limit and the burst rule; no row is kept longer
  than HIT_KEEP (never the address itself). One row per address and second, so the check
  made on every tap reads at most 61 rows however many ratings one address sends (a
  commune behind a carrier's NAT is one address).
"""

import datetime as dt
import secrets

from sqlite_utils.migrations import Migrations

from server.db import MARKER_COLUMNS, markers_from
from server.timeutil import to_stored

migrations = Migrations("web")

# No 0/O, 1/I/L: a code is read off a poster and typed by hand as often as scanned.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 6  # 31**6, about 887 million codes
EDIT_WINDOW = dt.timedelta(minutes=10)
HIT_KEEP = dt.timedelta(days=1)


@migrations()
def m001_web_tables(db):
    db.executescript(
        """
        CREATE TABLE web_counter_codes (
            code TEXT PRIMARY KEY,
            counter_id INTEGER NOT NULL REFERENCES counters(id),
            created_at TEXT NOT NULL,
            retired_at TEXT
        );
        CREATE UNIQUE INDEX web_counter_code_in_use ON web_counter_codes(counter_id) WHERE retired_at IS NULL;

        CREATE TABLE web_links (
            id INTEGER PRIMARY KEY,
            nonce TEXT NOT NULL UNIQUE,
            office_id INTEGER NOT NULL REFERENCES offices(id),
            counter_id INTEGER REFERENCES counters(id),
            staff_code TEXT,
            service TEXT,
            reference TEXT,
            created_by INTEGER REFERENCES users(id),
            created_at TEXT NOT NULL,
            expires_at TEXT NOT NULL,
            client_id TEXT,
            rated_at TEXT
        );
        CREATE INDEX web_links_expiry ON web_links(expires_at);

        CREATE TABLE web_address_hits (
            key TEXT NOT NULL,
            at TEXT NOT NULL
        );
        CREATE INDEX web_address_hits_key ON web_address_hits(key, at);
        CREATE INDEX web_address_hits_at ON web_address_hits(at);
        """
    )


@migrations()
def m002_address_counts_per_second(db):
    """One row per address and second instead of one per rating: the check counted every
    rating the address sent in the last minute (thousands, from a busy NAT or the bench)."""
    db.executescript(
        """
        CREATE TABLE web_address_counts (
            key TEXT NOT NULL,
            second INTEGER NOT NULL,
            ratings INTEGER NOT NULL,
            last_at TEXT NOT NULL,
            PRIMARY KEY (key, second)
        ) WITHOUT ROWID;
        CREATE INDEX web_address_counts_second ON web_address_counts(second);
        INSERT INTO web_address_counts (key, second, ratings, last_at)
            SELECT key, CAST(strftime('%s', at) AS INTEGER), COUNT(*), MAX(at) FROM web_address_hits
            GROUP BY key, CAST(strftime('%s', at) AS INTEGER);
        DROP TABLE web_address_hits;
        """
    )


def _second(moment):
    return int(moment.timestamp())


def normalise_code(code):
    return (code or "").strip().upper()


def counter_code(db, counter_id):
    """The counter's code in use, or None."""
    row = db.execute("SELECT code FROM web_counter_codes WHERE counter_id = ? AND retired_at IS NULL",
                     [counter_id]).fetchone()
    return row[0] if row else None


def ensure_counter_code(db, counter_id, now):
    """The counter's code in use, made on first use."""
    return counter_code(db, counter_id) or _new_code(db, counter_id, now)


def rotate_counter_code(db, counter_id, now):
    """Retire the counter's code (old posters then say it is no longer in use); the new code."""
    db.execute("UPDATE web_counter_codes SET retired_at = ? WHERE counter_id = ? AND retired_at IS NULL",
               [to_stored(now), counter_id])
    return _new_code(db, counter_id, now)


def _new_code(db, counter_id, now):
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if db.execute("SELECT 1 FROM web_counter_codes WHERE code = ?", [code]).fetchone() is None:
            db.execute("INSERT INTO web_counter_codes (code, counter_id, created_at) VALUES (?, ?, ?)",
                       [code, counter_id, to_stored(now)])
            return code


def code_target(db, code):
    """{counter_id, label, office_id, staff_code, retired} for a poster code, or None."""
    row = db.execute(
        """SELECT w.counter_id, c.label, c.office_id, s.code, w.retired_at FROM web_counter_codes w
           JOIN counters c ON c.id = w.counter_id LEFT JOIN staff s ON s.id = c.staff_id AND s.active = 1
           WHERE w.code = ?""", [normalise_code(code)]).fetchone()
    if row is None:
        return None
    return dict(zip(("counter_id", "label", "office_id", "staff_code", "retired"), row, strict=True))


def insert_link(db, row):
    return db["web_links"].insert(row).last_pk


def link_by_nonce(db, nonce):
    columns = ("id", "office_id", "counter_id", "staff_code", "service", "reference", "expires_at", "client_id",
               "rated_at")
    row = db.execute(
        f"SELECT {', '.join('l.' + c for c in columns)}, c.label FROM web_links l "
        "LEFT JOIN counters c ON c.id = l.counter_id WHERE l.nonce = ?", [nonce]).fetchone()
    return None if row is None else dict(zip((*columns, "label"), row, strict=True))


def mark_link_used(db, link_id, client_id, now):
    """Bind the link to its rating; False if another rating took it first."""
    return db.execute("UPDATE web_links SET client_id = ?, rated_at = ? WHERE id = ? AND client_id IS NULL",
                      [client_id, to_stored(now), link_id]).rowcount == 1


SWEEP_EVERY = dt.timedelta(minutes=1)


def record_hit(db, key, now):
    """Count a rating from a keyed address hash. Rows a day old go on the way, at most once
    a minute per connection (a DELETE on every tap was a tenth of a tap's statements): rows a
    minute short of HIT_KEEP go too, so while taps come none outlives it; purge() sweeps the rest."""
    last = getattr(db, "web_swept_at", None)  # kept on the connection itself
    if last is None or not last <= now < last + SWEEP_EVERY:
        db.execute("DELETE FROM web_address_counts WHERE second < ?", [_second(now - HIT_KEEP + SWEEP_EVERY)])
        db.web_swept_at = now
    db.execute(
        """INSERT INTO web_address_counts (key, second, ratings, last_at) VALUES (?, ?, 1, ?)
           ON CONFLICT (key, second) DO UPDATE SET ratings = ratings + 1, last_at = max(last_at, excluded.last_at)""",
        [key, _second(now), to_stored(now)])


def hits_since(db, keys, since):
    """(how many ratings this address sent since `since`, to the second, the latest one's time
    or None, and meta's change markers, which the tap's write looks the office tree up by);
    `keys`: the address's keys over that time (web.guard.address_keys). Reads at most one row
    per key and second since then."""
    count, latest, *markers = db.execute(
        f"""SELECT COALESCE(SUM(ratings), 0), MAX(last_at), {MARKER_COLUMNS} FROM web_address_counts
            WHERE key IN ({", ".join("?" * len(keys))}) AND second >= ?""", [*keys, _second(since)]).fetchone()
    return count, latest, markers_from(markers)


def purge(db, now):
    """Drop address hashes older than a day and links past their end; (hashes, links) removed."""
    hits = db.execute("DELETE FROM web_address_counts WHERE second < ?", [_second(now - HIT_KEEP)]).rowcount
    links = db.execute("DELETE FROM web_links WHERE expires_at < ?", [to_stored(now - EDIT_WINDOW)]).rowcount
    return hits, links
