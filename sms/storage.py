"""The SMS channel's tables and the SQL on them (called inside the caller's transaction).

Raw phone numbers live only in the `phone` column of messages; `purge` erases them
SMS_NUMBER_RETENTION_HOURS after the message was sent or given up. Everything else knows
a number by its keyed hash (`phone_hash`, `number_key`).
"""

import datetime as dt
import json

from sqlite_utils.migrations import Migrations

from server.db import MARKER_COLUMNS, markers_from
from server.timeutil import to_stored

migrations = Migrations("sms")

# Message states: pending (ours to send), sending (handed to Twilio right now), then
# Twilio's queued, sent, delivered, undelivered, failed; opted_out when never sent for that;
# unknown when the request reached Twilio but no answer came back: never sent again, and a
# status callback (if Twilio did take it) still moves it forward.
FINAL = ("delivered", "undelivered", "failed", "opted_out", "unknown")
RANK = {"pending": 0, "sending": 1, "unknown": 2, "accepted": 3, "queued": 3, "sent": 4,
        "delivered": 5, "undelivered": 5, "failed": 5, "opted_out": 5}
# Twilio's message states, as this channel tracks them.
TWILIO_STATUSES = {"accepted": "queued", "scheduled": "queued", "queued": "queued", "sending": "queued",
                   "sent": "sent", "delivered": "delivered", "undelivered": "undelivered", "failed": "failed"}
INBOUND_KEEP = dt.timedelta(days=7)  # Twilio re-delivers within hours; a week is ample


@migrations()
def m001_sms_tables(db):
    db.executescript(
        """
        CREATE TABLE sms_invitations (
            id INTEGER PRIMARY KEY,
            office_id INTEGER NOT NULL REFERENCES offices(id),
            service TEXT,
            reference TEXT,
            language TEXT,
            phone_hash TEXT,           -- keyed hash, for the frequency cap; never the raw number
            status TEXT NOT NULL,      -- queued, sent, delivered, undelivered, failed, unknown, opted_out, capped
            error_code INTEGER,
            error_message TEXT,
            opted_out INTEGER NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL,
            local_day TEXT NOT NULL,
            created_by INTEGER REFERENCES users(id),
            send_after TEXT,
            sent_at TEXT,
            delivered_at TEXT,
            replied_at TEXT,
            rating_client_id TEXT,
            reply_segments INTEGER NOT NULL DEFAULT 0,  -- what the answers in its conversation cost
            message_id INTEGER
        );
        CREATE INDEX sms_invitations_cap ON sms_invitations(phone_hash, created_at);
        CREATE INDEX sms_invitations_office_day ON sms_invitations(office_id, local_day);

        CREATE TABLE sms_messages (
            id INTEGER PRIMARY KEY,
            invitation_id INTEGER REFERENCES sms_invitations(id),
            purpose TEXT NOT NULL,
            phone TEXT,                -- raw E.164 while needed to send, then erased
            phone_hash TEXT,
            body TEXT NOT NULL,
            segments INTEGER NOT NULL,
            encoding TEXT NOT NULL,
            status TEXT NOT NULL,
            transport TEXT,            -- twilio or outbox, once sent
            twilio_sid TEXT UNIQUE,
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt_at TEXT NOT NULL,
            created_at TEXT NOT NULL,
            claimed_at TEXT,
            sent_at TEXT,
            finished_at TEXT,
            updated_at TEXT NOT NULL,
            error_code INTEGER,
            error_message TEXT
        );
        CREATE INDEX sms_messages_due ON sms_messages(status, next_attempt_at);
        CREATE INDEX sms_messages_invitation ON sms_messages(invitation_id);

        CREATE TABLE sms_conversations (
            number_key TEXT PRIMARY KEY,
            state TEXT NOT NULL,
            expires_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );

        -- Each incoming MessageSid once, with the reply it got, so a re-delivery gets the same.
        CREATE TABLE sms_inbound (
            message_sid TEXT PRIMARY KEY,
            number_key TEXT NOT NULL,
            invitation_id INTEGER,
            reply TEXT,
            segments INTEGER NOT NULL DEFAULT 0,
            received_at TEXT NOT NULL
        );
        CREATE INDEX sms_inbound_invitation ON sms_inbound(invitation_id);

        CREATE TABLE sms_opt_outs (
            number_key TEXT PRIMARY KEY,
            opted_out_at TEXT NOT NULL,
            source TEXT NOT NULL
        );

        -- Who may send right now: one sender across gunicorn workers and cron.
        CREATE TABLE sms_lease (
            name TEXT PRIMARY KEY,
            holder TEXT NOT NULL,
            expires_at TEXT NOT NULL
        );
        """
    )


@migrations()
def m002_lease_kept_by_the_core(db):
    # The sender's lease is the core's now ("sms-sender" in job_leases, server.background).
    # A worker of the old code still running during an upgrade then fails to take a lease
    # rather than send beside a new one; nothing else is in this table but who held it.
    db.execute("DROP TABLE IF EXISTS sms_lease")


@migrations()
def m003_invitations_by_user(db):
    """The per-user daily limit counts a user's invitations of a day: an index walk, not a scan."""
    db.execute("CREATE INDEX IF NOT EXISTS sms_invitations_by_user ON sms_invitations(created_by, local_day)")


@migrations()
def m004_invitations_carry_counter_and_officer(db):
    """The counter and officer who served the citizen go with the invitation to the rating its
    reply produces (a dossier returned at Quầy 2 by CB1 is rated at Quầy 2 for CB1), as a
    rating link carries them. The officer by code, as Rating.staff_code and web_links have it."""
    columns = {row[1] for row in db.execute("PRAGMA table_info(sms_invitations)").fetchall()}
    if "counter_id" not in columns:
        db.execute("ALTER TABLE sms_invitations ADD COLUMN counter_id INTEGER REFERENCES counters(id)")
    if "staff_code" not in columns:
        db.execute("ALTER TABLE sms_invitations ADD COLUMN staff_code TEXT")



@migrations()
def m005_funnel_reads_indexes_only(db):
    """The SMS funnel (sms.reports.funnel) reads every invitation of the offices and range:
    ~69,000 in the 10M-rating demo's four weeks, a whole table row each, 1.3 s for the
    province (make bench dashboards). These indexes hold every column it reads, so it walks
    them alone; the invitations' one replaces sms_invitations_office_day, its prefix."""
    db.executescript(
        """
        CREATE INDEX IF NOT EXISTS sms_invitations_funnel ON sms_invitations(
            office_id, local_day, status, sent_at, replied_at, opted_out, reply_segments);
        DROP INDEX IF EXISTS sms_invitations_office_day;
        CREATE INDEX IF NOT EXISTS sms_messages_sent_segments ON sms_messages(invitation_id, sent_at, segments);
        DROP INDEX IF EXISTS sms_messages_invitation;
        """
    )


# --- opt-outs -----------------------------------------------------------------------------

def is_opted_out(db, key):
    return db.execute("SELECT 1 FROM sms_opt_outs WHERE number_key = ?", [key]).fetchone() is not None


def opt_out(db, key, source, now):
    db.execute("INSERT OR IGNORE INTO sms_opt_outs (number_key, opted_out_at, source) VALUES (?, ?, ?)",
               [key, to_stored(now), source])


def opt_in(db, key):
    db.execute("DELETE FROM sms_opt_outs WHERE number_key = ?", [key])


# --- invitations and messages ---------------------------------------------------------------

def invitations_since(db, key, since):
    """Invitations to this number since `since` that count for the frequency cap."""
    return db.execute(
        """SELECT COUNT(*) FROM sms_invitations WHERE phone_hash = ? AND created_at >= ?
           AND status NOT IN ('opted_out', 'capped', 'failed', 'undelivered')""",
        [key, to_stored(since)]).fetchone()[0]


def invitations_by_user_on(db, user_id, local_day):
    return db.execute("SELECT COUNT(*) FROM sms_invitations WHERE created_by = ? AND local_day = ?",
                      [user_id, local_day]).fetchone()[0]


def insert_invitation(db, row):
    return db["sms_invitations"].insert(row).last_pk


def insert_message(db, row):
    return db["sms_messages"].insert(row).last_pk


def invitation(db, invitation_id):
    rows = list(db.query("SELECT * FROM sms_invitations WHERE id = ?", [invitation_id]))
    return rows[0] if rows else None


def message(db, message_id):
    rows = list(db.query("SELECT * FROM sms_messages WHERE id = ?", [message_id]))
    return rows[0] if rows else None


def message_by_sid(db, sid):
    rows = list(db.query("SELECT * FROM sms_messages WHERE twilio_sid = ?", [sid]))
    return rows[0] if rows else None


def due_messages(db, now, limit):
    return list(db.query(
        """SELECT * FROM sms_messages WHERE status = 'pending' AND next_attempt_at <= ?
           ORDER BY next_attempt_at, id LIMIT ?""", [to_stored(now), limit]))


def orphaned_messages(db):
    """Messages a sender that died left half-sent."""
    return list(db.query("SELECT * FROM sms_messages WHERE status = 'sending'"))


def update_message(db, message_id, changes, now):
    db["sms_messages"].update(message_id, {**changes, "updated_at": to_stored(now)})


def update_invitation(db, invitation_id, changes):
    if invitation_id is not None and changes:
        db["sms_invitations"].update(invitation_id, changes)


def outbox(db, limit, everything=False):
    transport = "" if everything else "AND (m.transport = 'outbox' OR m.transport IS NULL)"
    return list(db.query(
        f"""SELECT m.id, m.purpose, m.phone, m.body, m.segments, m.encoding, m.status, m.created_at,
                   m.sent_at, m.transport, m.error_code, m.error_message
            FROM sms_messages m WHERE 1 = 1 {transport} ORDER BY m.id DESC LIMIT ?""", [limit]))


def awaiting_receipt(db, number):
    """Outbox texts to `number` that no delivery report has reached yet (for `sms simulate`)."""
    return list(db.query(
        """SELECT id, twilio_sid, phone FROM sms_messages WHERE transport = 'outbox' AND phone = ?
           AND status IN ('queued', 'sent') ORDER BY id""", [number]))


# --- conversations and incoming messages ----------------------------------------------------

def conversation_state(db, key):
    row = db.execute("SELECT state FROM sms_conversations WHERE number_key = ?", [key]).fetchone()
    return json.loads(row[0]) if row else None


def save_conversation(db, key, state_json, expires_at, now):
    if expires_at is None:
        db.execute("DELETE FROM sms_conversations WHERE number_key = ?", [key])
        return
    db.execute(
        """INSERT INTO sms_conversations (number_key, state, expires_at, updated_at) VALUES (?, ?, ?, ?)
           ON CONFLICT (number_key) DO UPDATE SET state = excluded.state, expires_at = excluded.expires_at,
           updated_at = excluded.updated_at""",
        [key, json.dumps(state_json, ensure_ascii=False), to_stored(expires_at), to_stored(now)])


def processed(db, message_sid):
    """(reply,) if this MessageSid was handled before, else None."""
    return db.execute("SELECT reply FROM sms_inbound WHERE message_sid = ?", [message_sid]).fetchone()


def snapshot(db, message_sid, key):
    """(processed(db, message_sid), conversation_state(db, key), is_opted_out(db, key), meta's
    change markers) in one read: an incoming message needs all four, twice (before and under
    the write lock); the markers are what the office tree is looked up by (load_tree)."""
    seen, reply, state, opted_out, *markers = db.execute(
        f"""SELECT EXISTS (SELECT 1 FROM sms_inbound WHERE message_sid = :sid),
                   (SELECT reply FROM sms_inbound WHERE message_sid = :sid),
                   (SELECT state FROM sms_conversations WHERE number_key = :key),
                   EXISTS (SELECT 1 FROM sms_opt_outs WHERE number_key = :key),
                   {MARKER_COLUMNS}""",
        {"sid": message_sid, "key": key}).fetchone()
    return ((reply,) if seen else None, json.loads(state) if state is not None else None, bool(opted_out),
            markers_from(markers))


def record_inbound(db, message_sid, key, invitation_id, reply, segments, now):
    db.execute(
        """INSERT INTO sms_inbound (message_sid, number_key, invitation_id, reply, segments, received_at)
           VALUES (?, ?, ?, ?, ?, ?)""", [message_sid, key, invitation_id, reply, segments, to_stored(now)])
    if invitation_id is not None and segments:
        db.execute("UPDATE sms_invitations SET reply_segments = reply_segments + ? WHERE id = ?",
                   [segments, invitation_id])


# --- retention ----------------------------------------------------------------------------

def purge(db, now, retention, cap_days):
    """Erase raw numbers past retention, hashes past the cap window, old dedup records.

    Returns how many raw numbers were erased.
    """
    cutoff = to_stored(now - retention)
    erased = db.execute(
        """UPDATE sms_messages SET phone = NULL
           WHERE phone IS NOT NULL AND status NOT IN ('pending', 'sending') AND COALESCE(sent_at, updated_at) <= ?""",
        [cutoff]).rowcount
    cap_cutoff = to_stored(now - dt.timedelta(days=cap_days) - retention)
    for table in ("sms_invitations", "sms_messages"):
        db.execute(f"UPDATE {table} SET phone_hash = NULL WHERE phone_hash IS NOT NULL AND created_at <= ?",
                   [cap_cutoff])
    db.execute("DELETE FROM sms_inbound WHERE received_at <= ?", [to_stored(now - INBOUND_KEEP)])
    db.execute("DELETE FROM sms_conversations WHERE expires_at <= ?", [to_stored(now - dt.timedelta(days=1))])
    return erased
