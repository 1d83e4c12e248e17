"""The core schema as named migrations (sqlite-utils Migrations).

Each migration runs once, in a transaction, recorded in `_sqlite_migrations`. Never edit
a migration that has shipped: add a new one. Components own their tables and declare
their migration sets (`server.components`); they are applied after the core's, in the
order of the component list. Then `adopted`: what the core took over from a component
whose shipped migration still creates it on a new database (so it must run after that
component's set, and only adds what is missing).
"""

from sqlite_utils.migrations import Migrations

core = Migrations("core")
adopted = Migrations("core-adopted")


def migration_sets(components):
    sets = [core]
    for component in components:
        extra = component.migration_set()
        if extra is not None:
            sets.append(extra)
    return [*sets, adopted]


@core()
def m001_offices_and_people(db):
    db.executescript(
        """
        CREATE TABLE offices (
            id INTEGER PRIMARY KEY,
            code TEXT NOT NULL UNIQUE,
            name TEXT NOT NULL,
            kind TEXT NOT NULL DEFAULT 'commune',
            parent_id INTEGER REFERENCES offices(id),
            active_from TEXT,
            active_to TEXT,
            merged_into INTEGER REFERENCES offices(id),
            merged_at TEXT,
            created_at TEXT NOT NULL
        );
        CREATE INDEX offices_parent ON offices(parent_id);

        CREATE TABLE staff (
            id INTEGER PRIMARY KEY,
            code TEXT NOT NULL UNIQUE,
            name TEXT NOT NULL,
            office_id INTEGER NOT NULL REFERENCES offices(id),
            active INTEGER NOT NULL DEFAULT 1
        );

        CREATE TABLE counters (
            id INTEGER PRIMARY KEY,
            office_id INTEGER NOT NULL REFERENCES offices(id),
            label TEXT NOT NULL,
            staff_id INTEGER REFERENCES staff(id),
            UNIQUE (office_id, label)
        );

        CREATE TABLE kiosks (
            id INTEGER PRIMARY KEY,
            office_id INTEGER NOT NULL REFERENCES offices(id),
            counter_id INTEGER NOT NULL REFERENCES counters(id),
            token_hash TEXT UNIQUE,
            created_at TEXT NOT NULL,
            revoked_at TEXT,
            last_seen_at TEXT,
            queue_length INTEGER,
            last_sync_at TEXT,
            app_version TEXT,
            pairing_code_hash TEXT UNIQUE,
            pairing_expires_at TEXT
        );

        CREATE TABLE users (
            id INTEGER PRIMARY KEY,
            username TEXT NOT NULL UNIQUE,
            role TEXT NOT NULL CHECK (role IN ('admin', 'supervisor', 'viewer')),
            office_id INTEGER REFERENCES offices(id),
            password_hash TEXT NOT NULL,
            created_at TEXT NOT NULL,
            disabled INTEGER NOT NULL DEFAULT 0
        );

        CREATE TABLE api_tokens (
            id INTEGER PRIMARY KEY,
            user_id INTEGER NOT NULL REFERENCES users(id),
            token_hash TEXT NOT NULL UNIQUE,
            created_at TEXT NOT NULL,
            revoked_at TEXT,
            last_used_at TEXT
        );
        """
    )


@core()
def m002_ratings_and_rollup(db):
    db.executescript(
        """
        CREATE TABLE ratings (
            id INTEGER PRIMARY KEY,
            client_id TEXT NOT NULL UNIQUE,
            channel TEXT NOT NULL CHECK (channel IN ('kiosk', 'sms')),
            office_id INTEGER NOT NULL REFERENCES offices(id),
            counter_id INTEGER REFERENCES counters(id),
            staff_id INTEGER REFERENCES staff(id),
            kiosk_id INTEGER REFERENCES kiosks(id),
            service TEXT,
            reference TEXT,
            score INTEGER NOT NULL,
            reasons TEXT,
            comment TEXT,
            language TEXT,
            created_at TEXT NOT NULL,
            local_day TEXT NOT NULL,
            received_at TEXT NOT NULL,
            misuse INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX ratings_kiosk_time ON ratings(kiosk_id, created_at, client_id);
        CREATE INDEX ratings_office_day ON ratings(office_id, local_day);

        -- One row per office, local day, channel and misuse flag; n1..n5 count each score.
        -- Updated in the same transaction as every insert; the stats answer from it.
        CREATE TABLE rollup_daily (
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
        CREATE INDEX rollup_daily_day ON rollup_daily(day);

        -- The same counts by counter and officer, for the dashboards' rankings.
        CREATE TABLE rollup_staff (
            office_id INTEGER NOT NULL,
            counter_id INTEGER NOT NULL DEFAULT 0,
            staff_id INTEGER NOT NULL DEFAULT 0,
            day TEXT NOT NULL,
            channel TEXT NOT NULL,
            misuse INTEGER NOT NULL,
            n INTEGER NOT NULL DEFAULT 0,
            n1 INTEGER NOT NULL DEFAULT 0,
            n2 INTEGER NOT NULL DEFAULT 0,
            n3 INTEGER NOT NULL DEFAULT 0,
            n4 INTEGER NOT NULL DEFAULT 0,
            n5 INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (office_id, counter_id, staff_id, day, channel, misuse)
        );
        CREATE INDEX rollup_staff_day ON rollup_staff(day);

        -- Reasons given with ratings, counted per office, day, channel and misuse flag.
        CREATE TABLE rollup_reasons (
            office_id INTEGER NOT NULL,
            day TEXT NOT NULL,
            channel TEXT NOT NULL,
            misuse INTEGER NOT NULL,
            reason TEXT NOT NULL,
            n INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (office_id, day, channel, misuse, reason)
        );
        CREATE INDEX rollup_reasons_day ON rollup_reasons(day);

        -- Period labels of each local day that has ratings, to group the rollup by period.
        CREATE TABLE calendar (
            day TEXT PRIMARY KEY,
            week TEXT NOT NULL,
            month TEXT NOT NULL,
            quarter TEXT NOT NULL,
            year TEXT NOT NULL
        );
        """
    )


@core()
def m003_offices_version(db):
    # A counter bumped by every change to offices, so each process can keep the office
    # tree in memory and reload it only when it changed (it is read on every request).
    db.executescript(
        """
        CREATE TABLE meta (key TEXT PRIMARY KEY, value NOT NULL);
        INSERT INTO meta (key, value) VALUES ('offices_version', 0);
        INSERT INTO meta (key, value) VALUES ('database_id', lower(hex(randomblob(16))));
        CREATE TRIGGER offices_changed_insert AFTER INSERT ON offices
            BEGIN UPDATE meta SET value = value + 1 WHERE key = 'offices_version'; END;
        CREATE TRIGGER offices_changed_update AFTER UPDATE ON offices
            BEGIN UPDATE meta SET value = value + 1 WHERE key = 'offices_version'; END;
        CREATE TRIGGER offices_changed_delete AFTER DELETE ON offices
            BEGIN UPDATE meta SET value = value + 1 WHERE key = 'offices_version'; END;
        """
    )


@core()
def m004_monthly_rollup(db):
    # Month-level counts, so a year of monthly or quarterly figures for a whole province
    # reads a few thousand rows instead of every office-day.
    db.executescript(
        """
        CREATE TABLE rollup_monthly (
            office_id INTEGER NOT NULL,
            month TEXT NOT NULL,
            channel TEXT NOT NULL,
            misuse INTEGER NOT NULL,
            n INTEGER NOT NULL DEFAULT 0,
            n1 INTEGER NOT NULL DEFAULT 0,
            n2 INTEGER NOT NULL DEFAULT 0,
            n3 INTEGER NOT NULL DEFAULT 0,
            n4 INTEGER NOT NULL DEFAULT 0,
            n5 INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (office_id, month, channel, misuse)
        );
        INSERT INTO rollup_monthly (office_id, month, channel, misuse, n, n1, n2, n3, n4, n5)
            SELECT office_id, substr(day, 1, 7), channel, misuse, SUM(n), SUM(n1), SUM(n2), SUM(n3), SUM(n4), SUM(n5)
            FROM rollup_daily GROUP BY office_id, substr(day, 1, 7), channel, misuse;
        """
    )


@core()
def m005_audit_log(db):
    # Admin actions, newest read first. office_id lets an admin scoped to an office read
    # the entries about its subtree; entries about no office are for unscoped admins.
    db.executescript(
        """
        CREATE TABLE audit_log (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            actor TEXT NOT NULL,
            action TEXT NOT NULL,
            target TEXT,
            office_id INTEGER,
            details TEXT NOT NULL DEFAULT '{}'
        );
        CREATE INDEX audit_log_action ON audit_log(action, id);
        CREATE INDEX audit_log_actor ON audit_log(actor, id);
        """
    )


@core()
def m006_reference_retention_index(db):
    # Dossier references are erased after REFERENCE_RETENTION_DAYS; this small index (only
    # SMS ratings answering an invitation carry one) lets the purge find them without a scan.
    db.execute("CREATE INDEX ratings_reference_by_day ON ratings(local_day) WHERE reference IS NOT NULL")


@core()
def m007_comment_retention_index(db):
    # The purge of comments walks this index (server.retention). The dashboards created it
    # first, for their comments page; the core owns it now, so a server built without the
    # dashboards still purges without a scan. IF NOT EXISTS: older databases have it.
    db.execute("CREATE INDEX IF NOT EXISTS ratings_comment_by_day ON ratings(local_day, created_at, office_id) "
               "WHERE comment IS NOT NULL")


@core()
def m008_job_leases(db):
    # One lease table for every background job (server.background): the SMS sender's
    # `sms_lease` and the alert checker's `leases`, owned by their packages, go.
    db.execute("CREATE TABLE job_leases (name TEXT PRIMARY KEY, holder TEXT NOT NULL, expires_at TEXT NOT NULL)")


@core()
def m009_open_rating_channels(db):
    # Components bring rating channels (server.components); m002's CHECK named only kiosk
    # and sms. SQLite cannot drop a CHECK with ALTER TABLE, and rebuilding the table (what
    # sqlite-utils' transform does) copies every rating and every index: minutes and twice
    # the disk on a 10-million-row database, under the write lock. Removing a CHECK does not
    # change how a single row is stored, so SQLite documents editing the table's CREATE
    # statement in place for it (https://sqlite.org/lang_altertable.html, "other kinds of
    # table schema changes"): constant time. The rule moves to triggers against a small
    # table of known channels, which `server.db.migrate` fills from the app's components.
    old = "channel TEXT NOT NULL CHECK (channel IN ('kiosk', 'sms'))"
    sql = db.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'ratings'").fetchone()[0]
    if old in sql:
        version = db.execute("PRAGMA schema_version").fetchone()[0]
        db.execute("PRAGMA writable_schema = ON")
        try:
            db.execute("UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = 'ratings'",
                       [sql.replace(old, "channel TEXT NOT NULL")])
            db.execute(f"PRAGMA schema_version = {int(version) + 1}")
        finally:
            db.execute("PRAGMA writable_schema = OFF")
    db.executescript(
        """
        CREATE TABLE rating_channels (channel TEXT PRIMARY KEY);
        INSERT INTO rating_channels (channel) VALUES ('kiosk'), ('sms');
        CREATE TRIGGER ratings_channel_insert BEFORE INSERT ON ratings
            WHEN NOT EXISTS (SELECT 1 FROM rating_channels WHERE channel = NEW.channel)
            BEGIN SELECT RAISE(ABORT, 'ratings.channel: not a channel of this server'); END;
        CREATE TRIGGER ratings_channel_update BEFORE UPDATE OF channel ON ratings
            WHEN NOT EXISTS (SELECT 1 FROM rating_channels WHERE channel = NEW.channel)
            BEGIN SELECT RAISE(ABORT, 'ratings.channel: not a channel of this server'); END;
        """
    )


@adopted()
def m001_user_contacts(db):
    # Where a user's alerts go. The dashboards' m001 added these columns to the core's
    # users table; the core owns users (server.accounts), so it adds them when missing: a
    # server built without the dashboards has them too. In this late set, after the
    # components', so on a new database with the dashboards their m001 still adds them as
    # it always did; that m001 skips them when a core-only database gains the dashboards.
    columns = {row[1] for row in db.execute("PRAGMA table_info(users)")}
    for column in ("phone", "email"):
        if column not in columns:
            db.execute(f"ALTER TABLE users ADD COLUMN {column} TEXT")


@core()
def m010_office_changes(db):
    # The office tree over time: every merger, change of parent, renaming, closing and kiosk
    # move, from its effective local date, whenever it was recorded. `pending` marks a change
    # whose stored ratings are still being re-attributed (in batches, resumable); `moved`
    # counts those moved so far, `progress` is where a kiosk move's scan got to.
    db.executescript(
        """
        CREATE TABLE office_changes (
            id INTEGER PRIMARY KEY,
            change TEXT NOT NULL CHECK (change IN ('open', 'merge', 'move', 'rename', 'close', 'kiosk_move')),
            office_id INTEGER NOT NULL REFERENCES offices(id),
            kiosk_id INTEGER REFERENCES kiosks(id),
            effective TEXT NOT NULL,
            before TEXT NOT NULL DEFAULT '{}',
            after TEXT NOT NULL DEFAULT '{}',
            recorded_at TEXT NOT NULL,
            recorded_by TEXT,
            pending INTEGER NOT NULL DEFAULT 0,
            moved INTEGER NOT NULL DEFAULT 0,
            progress TEXT
        );
        CREATE INDEX office_changes_office ON office_changes(office_id, effective);
        CREATE INDEX office_changes_pending ON office_changes(id) WHERE pending = 1;
        CREATE TRIGGER office_changes_insert AFTER INSERT ON office_changes
            BEGIN UPDATE meta SET value = value + 1 WHERE key = 'offices_version'; END;
        CREATE TRIGGER office_changes_delete AFTER DELETE ON office_changes
            BEGIN UPDATE meta SET value = value + 1 WHERE key = 'offices_version'; END;
        """
    )
    # Ratings' created_at to the microsecond the kiosk sent (was cut to milliseconds), in the
    # same fixed width for old rows, so text order stays time order.
    db.execute("UPDATE ratings SET created_at = substr(created_at, 1, 23) || '000Z' WHERE length(created_at) = 24")


@core()
def m011_kiosks_version(db):
    # A value changed by every change that can alter what a kiosk token opens (its kiosk
    # revoked, re-paired, moved; its counter relabelled or given another officer), so each
    # process can keep token lookups in memory and still refuse a revoked token at the very
    # next request (server.auth.kiosk_for_token). A random value, not a count: a database
    # restored from a backup never comes back to a value a process has already seen.
    changed = "BEGIN UPDATE meta SET value = lower(hex(randomblob(8))) WHERE key = 'kiosks_version'; END;"
    db.executescript(
        f"""
        INSERT INTO meta (key, value) VALUES ('kiosks_version', lower(hex(randomblob(8))));
        CREATE TRIGGER kiosks_changed_insert AFTER INSERT ON kiosks {changed}
        CREATE TRIGGER kiosks_changed_update AFTER UPDATE OF id, office_id, counter_id, token_hash, revoked_at
            ON kiosks {changed}
        CREATE TRIGGER kiosks_changed_delete AFTER DELETE ON kiosks {changed}
        CREATE TRIGGER counters_changed_update AFTER UPDATE OF id, office_id, label, staff_id ON counters {changed}
        CREATE TRIGGER counters_changed_delete AFTER DELETE ON counters {changed}
        """
    )
