"""The kiosk's local outbox: every rating is written here, durably, before the thank-you shows.

A rating keeps the UUID it got at the tap for its whole life, so re-sending after a lost
answer or a crash is a `duplicate` on the server, never a second rating. The sender takes
ready ratings in the order they were given and deletes them once the server has them
(`accepted` or `duplicate`); a `rejected` one moves to `dead_letters` with the server's
reason so it cannot block the ones behind it.

A dissatisfied rating is *held* while the citizen picks reasons; it is released with the
reasons (or none). A kiosk that restarts releases whatever was held: that citizen is gone.

Each thread opens its own Outbox on the same file (WAL: the screen writes while the sender
reads). Commits are synchronous=FULL: a rating on screen survives a power cut.
"""

import contextlib
import json
import sqlite3

import sqlite_utils
from sqlite_utils.migrations import Migrations

migrations = Migrations("kiosk-outbox")


@migrations()
def m001_outbox(db):
    db.execute("""CREATE TABLE outbox (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,  -- the order ratings were given in
        id TEXT NOT NULL UNIQUE,
        item TEXT NOT NULL,                     -- JSON, as POST /api/v1/ratings takes it
        held INTEGER NOT NULL DEFAULT 0,
        attempts INTEGER NOT NULL DEFAULT 0)""")
    db.execute("CREATE INDEX outbox_ready ON outbox(held, seq)")
    db.execute("""CREATE TABLE dead_letters (
        id TEXT PRIMARY KEY,
        item TEXT NOT NULL,
        error TEXT NOT NULL,
        rejected_at TEXT NOT NULL)""")
    db.execute("CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT)")


class Outbox:
    def __init__(self, path, synchronous="FULL"):
        self.path = str(path)
        self.conn = sqlite3.connect(self.path, timeout=10, isolation_level=None)
        self.conn.execute("PRAGMA busy_timeout = 10000")
        self.conn.execute("PRAGMA journal_mode = WAL")
        self.conn.execute(f"PRAGMA synchronous = {'NORMAL' if synchronous == 'NORMAL' else 'FULL'}")
        with self.transaction():
            migrations.apply(sqlite_utils.Database(self.conn))

    def close(self):
        self.conn.close()

    @contextlib.contextmanager
    def transaction(self):
        """Take the write lock up front (see server.db.write_transaction) and commit or roll back."""
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.conn
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    def add(self, item, held=False):
        """Store one rating; when this returns, it is on disk."""
        with self.transaction() as conn:
            conn.execute("INSERT INTO outbox (id, item, held) VALUES (?, ?, ?)",
                         [item["id"], json.dumps(item, ensure_ascii=False), int(held)])

    def add_many(self, items):
        with self.transaction() as conn:
            conn.executemany("INSERT INTO outbox (id, item) VALUES (?, ?)",
                             [(item["id"], json.dumps(item, ensure_ascii=False)) for item in items])

    def release(self, rating_id, reasons=(), contact=None):
        """A held rating may go: with the reasons the citizen chose, if any, and the number
        they left to be answered on (only ever given with their consent)."""
        with self.transaction() as conn:
            row = conn.execute("SELECT item FROM outbox WHERE id = ?", [rating_id]).fetchone()
            if row is None:
                return
            item = json.loads(row[0])
            if reasons:
                item["reasons"] = list(reasons)
            if contact:
                item.update(contact=contact, contact_consent=True)
            conn.execute("UPDATE outbox SET item = ?, held = 0 WHERE id = ?",
                         [json.dumps(item, ensure_ascii=False), rating_id])

    def release_all_held(self):
        """At start-up: ratings held by a kiosk that died on the reasons screen go without reasons."""
        with self.transaction() as conn:
            return conn.execute("UPDATE outbox SET held = 0 WHERE held = 1").rowcount

    def next_batch(self, limit):
        """The oldest ready ratings, in the order they were given."""
        rows = self.conn.execute("SELECT item FROM outbox WHERE held = 0 ORDER BY seq LIMIT ?", [limit]).fetchall()
        return [json.loads(row[0]) for row in rows]

    def settle(self, items, results, now_text):
        """Apply the server's answer: delivered ones leave, rejected ones go to dead letters.

        `results` maps id -> {"status", "error"}; an item without a result stays queued.
        """
        by_id = {item["id"]: item for item in items}
        delivered = [(rid,) for rid, result in results.items()
                     if rid in by_id and result.get("status") in ("accepted", "duplicate")]
        rejected = [(rid, json.dumps(by_id[rid], ensure_ascii=False), str(result.get("error") or "rejected"), now_text)
                    for rid, result in results.items() if rid in by_id and result.get("status") == "rejected"]
        with self.transaction() as conn:
            conn.executemany("DELETE FROM outbox WHERE id = ?", delivered)
            conn.executemany("INSERT OR REPLACE INTO dead_letters (id, item, error, rejected_at) VALUES (?, ?, ?, ?)",
                             rejected)
            conn.executemany("DELETE FROM outbox WHERE id = ?", [(row[0],) for row in rejected])
        return len(delivered), len(rejected)

    def mark_synced(self, now_text):
        """Every ready rating is on the server as of now (the heartbeat's last_sync_at)."""
        with self.transaction() as conn:
            self._set(conn, "last_sync_at", now_text)

    def count_attempt(self, items):
        with self.transaction() as conn:
            conn.executemany("UPDATE outbox SET attempts = attempts + 1 WHERE id = ?", [(i["id"],) for i in items])

    def queued(self):
        return self.conn.execute("SELECT count(*) FROM outbox").fetchone()[0]

    def dead_letters(self):
        rows = self.conn.execute("SELECT id, item, error, rejected_at FROM dead_letters ORDER BY rejected_at, id")
        return [{"id": rid, "item": json.loads(item), "error": error, "rejected_at": at}
                for rid, item, error, at in rows]

    def dead_count(self):
        return self.conn.execute("SELECT count(*) FROM dead_letters").fetchone()[0]

    def last_sync_at(self):
        row = self.conn.execute("SELECT value FROM meta WHERE name = 'last_sync_at'").fetchone()
        return row[0] if row else None

    @staticmethod
    def _set(conn, name, value):
        conn.execute("""INSERT INTO meta (name, value) VALUES (?, ?)
                        ON CONFLICT (name) DO UPDATE SET value = excluded.value""", [name, value])
