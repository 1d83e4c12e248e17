"""The dashboards' own tables, as named migrations after the core set.

- users gained `phone` and `email`, where alerts are sent (the core owns them now:
  server.accounts, server.schema.adopted).
- login_failures counts failed logins per username and per (username, address), for the throttle.
- login_sessions holds each login's server-side identity, so a session can be ended.
- alerts holds every alert raised, its delivery and its acknowledgement.
- leases let one of several gunicorn workers run the background alert check (dropped by
  m007: the core's job_leases holds every job's lease).
- a partial index on ratings that carry text makes "recent comments" a short index walk.
- the tables of the monthly reasons and staff rollups (declared in component.py, kept by
  the core's server.rollups).
"""

from sqlite_utils.migrations import Migrations

migrations = Migrations("dashboards")


@migrations()
def m001_contacts_logins_alerts(db):
    # The core owns users' contacts now and adds them when missing (server.schema.adopted):
    # a database first built without the dashboards has them before this runs. Where this
    # migration has run already, nothing changes.
    columns = {row[1] for row in db.execute("PRAGMA table_info(users)")}
    for column in ("phone", "email"):
        if column not in columns:
            db.execute(f"ALTER TABLE users ADD COLUMN {column} TEXT")
    db.executescript(
        """
        CREATE TABLE login_failures (
            key TEXT PRIMARY KEY,
            failures INTEGER NOT NULL,
            first_failure_at TEXT NOT NULL,
            locked_until TEXT
        );

        CREATE TABLE alerts (
            id INTEGER PRIMARY KEY,
            rule TEXT NOT NULL,
            office_id INTEGER NOT NULL REFERENCES offices(id),
            kiosk_id INTEGER REFERENCES kiosks(id),
            subject TEXT NOT NULL,
            raised_at TEXT NOT NULL,
            details TEXT NOT NULL,
            delivery TEXT,
            acknowledged_at TEXT,
            acknowledged_by INTEGER REFERENCES users(id),
            ack_comment TEXT
        );
        CREATE INDEX alerts_subject ON alerts(rule, subject, raised_at);
        CREATE INDEX alerts_open ON alerts(acknowledged_at, raised_at);

        CREATE TABLE leases (
            name TEXT PRIMARY KEY,
            holder TEXT NOT NULL,
            expires_at TEXT NOT NULL
        );
        """
    )


@migrations()
def m002_ratings_with_text_index(db):
    db.execute(
        """CREATE INDEX IF NOT EXISTS ratings_with_text ON ratings(local_day, created_at)
           WHERE comment IS NOT NULL OR reasons IS NOT NULL"""
    )



# Monthly sums of the reasons and staff rollups. Shipped (m003) with triggers on the daily
# rows; since m006 the core keeps them (declared in dashboards/component.py) and the
# triggers are dropped. A year of reasons for a whole province is ~150,000 daily rows but
# ~5,000 monthly ones: pages read whole months here, the partial months at the ends of a
# range from the daily rows.
MONTHLY_REASONS = """
CREATE TABLE rollup_reasons_monthly (
    office_id INTEGER NOT NULL, month TEXT NOT NULL, channel TEXT NOT NULL, misuse INTEGER NOT NULL,
    reason TEXT NOT NULL, n INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (office_id, month, channel, misuse, reason));

CREATE TRIGGER rollup_reasons_monthly_insert AFTER INSERT ON rollup_reasons BEGIN
    INSERT INTO rollup_reasons_monthly (office_id, month, channel, misuse, reason, n)
    VALUES (NEW.office_id, substr(NEW.day, 1, 7), NEW.channel, NEW.misuse, NEW.reason, NEW.n)
    ON CONFLICT (office_id, month, channel, misuse, reason) DO UPDATE SET n = n + excluded.n;
END;

CREATE TRIGGER rollup_reasons_monthly_update AFTER UPDATE ON rollup_reasons BEGIN
    INSERT INTO rollup_reasons_monthly (office_id, month, channel, misuse, reason, n)
    VALUES (NEW.office_id, substr(NEW.day, 1, 7), NEW.channel, NEW.misuse, NEW.reason, NEW.n - OLD.n)
    ON CONFLICT (office_id, month, channel, misuse, reason) DO UPDATE SET n = n + excluded.n;
END;

INSERT INTO rollup_reasons_monthly (office_id, month, channel, misuse, reason, n)
SELECT office_id, substr(day, 1, 7), channel, misuse, reason, SUM(n) FROM rollup_reasons
GROUP BY office_id, substr(day, 1, 7), channel, misuse, reason;
"""

MONTHLY_STAFF = """
CREATE TABLE rollup_staff_monthly (
    office_id INTEGER NOT NULL, counter_id INTEGER NOT NULL, staff_id INTEGER NOT NULL, month TEXT NOT NULL,
    channel TEXT NOT NULL, misuse INTEGER NOT NULL,
    n INTEGER NOT NULL DEFAULT 0, n1 INTEGER NOT NULL DEFAULT 0, n2 INTEGER NOT NULL DEFAULT 0,
    n3 INTEGER NOT NULL DEFAULT 0, n4 INTEGER NOT NULL DEFAULT 0, n5 INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (office_id, counter_id, staff_id, month, channel, misuse));

CREATE TRIGGER rollup_staff_monthly_insert AFTER INSERT ON rollup_staff BEGIN
    INSERT INTO rollup_staff_monthly (office_id, counter_id, staff_id, month, channel, misuse, n, n1, n2, n3, n4, n5)
    VALUES (NEW.office_id, NEW.counter_id, NEW.staff_id, substr(NEW.day, 1, 7), NEW.channel, NEW.misuse,
            NEW.n, NEW.n1, NEW.n2, NEW.n3, NEW.n4, NEW.n5)
    ON CONFLICT (office_id, counter_id, staff_id, month, channel, misuse) DO UPDATE SET
        n = n + excluded.n, n1 = n1 + excluded.n1, n2 = n2 + excluded.n2, n3 = n3 + excluded.n3,
        n4 = n4 + excluded.n4, n5 = n5 + excluded.n5;
END;

CREATE TRIGGER rollup_staff_monthly_update AFTER UPDATE ON rollup_staff BEGIN
    INSERT INTO rollup_staff_monthly (office_id, counter_id, staff_id, month, channel, misuse, n, n1, n2, n3, n4, n5)
    VALUES (NEW.office_id, NEW.counter_id, NEW.staff_id, substr(NEW.day, 1, 7), NEW.channel, NEW.misuse,
            NEW.n - OLD.n, NEW.n1 - OLD.n1, NEW.n2 - OLD.n2, NEW.n3 - OLD.n3, NEW.n4 - OLD.n4, NEW.n5 - OLD.n5)
    ON CONFLICT (office_id, counter_id, staff_id, month, channel, misuse) DO UPDATE SET
        n = n + excluded.n, n1 = n1 + excluded.n1, n2 = n2 + excluded.n2, n3 = n3 + excluded.n3,
        n4 = n4 + excluded.n4, n5 = n5 + excluded.n5;
END;

INSERT INTO rollup_staff_monthly (office_id, counter_id, staff_id, month, channel, misuse, n, n1, n2, n3, n4, n5)
SELECT office_id, counter_id, staff_id, substr(day, 1, 7), channel, misuse,
       SUM(n), SUM(n1), SUM(n2), SUM(n3), SUM(n4), SUM(n5)
FROM rollup_staff GROUP BY office_id, counter_id, staff_id, substr(day, 1, 7), channel, misuse;
"""


@migrations()
def m003_monthly_reasons_and_staff(db):
    db.executescript(MONTHLY_REASONS)
    db.executescript(MONTHLY_STAFF)


@migrations()
def m004_comment_indexes_by_day_and_by_office(db):
    """Comments are read newest first within a scope: walk the day-ordered index for a wide
    scope (most rows match), the office-ordered one for a few offices (most rows do not);
    searches walk only the ratings that carry a comment, a small share of them."""
    db.executescript(
        """
        DROP INDEX IF EXISTS ratings_with_text;
        CREATE INDEX ratings_text_by_day ON ratings(local_day, created_at, office_id)
            WHERE comment IS NOT NULL OR reasons IS NOT NULL;
        CREATE INDEX ratings_text_by_office ON ratings(office_id, local_day, created_at)
            WHERE comment IS NOT NULL OR reasons IS NOT NULL;
        CREATE INDEX IF NOT EXISTS ratings_comment_by_day ON ratings(local_day, created_at, office_id)
            WHERE comment IS NOT NULL;
        CREATE INDEX ratings_comment_by_office ON ratings(office_id, local_day, created_at)
            WHERE comment IS NOT NULL;
        """
    )


@migrations()
def m005_login_sessions(db):
    """Server-side login sessions: the cookie carries a random key, its hash is kept here, so
    logout, a password change, disabling a user and "log out everywhere" can end a session."""
    db.executescript(
        """
        CREATE TABLE login_sessions (
            id INTEGER PRIMARY KEY,
            key_hash TEXT NOT NULL UNIQUE,
            user_id INTEGER NOT NULL REFERENCES users(id),
            created_at TEXT NOT NULL,
            last_seen_at TEXT NOT NULL,
            ended_at TEXT,
            ended_why TEXT,
            address TEXT,
            agent TEXT
        );
        CREATE INDEX login_sessions_user ON login_sessions(user_id, ended_at);
        """
    )


@migrations()
def m006_monthly_rollups_kept_by_the_core(db):
    """The monthly reasons and staff rollups are declared in dashboards/component.py and kept
    by the core's one rollup mechanism (server.rollups) with every write, like the core's own.
    The triggers that kept them until now go; the tables and their counts stay as they are
    (the triggers kept them exact, in the same transactions)."""
    db.executescript(
        """
        DROP TRIGGER IF EXISTS rollup_reasons_monthly_insert;
        DROP TRIGGER IF EXISTS rollup_reasons_monthly_update;
        DROP TRIGGER IF EXISTS rollup_staff_monthly_insert;
        DROP TRIGGER IF EXISTS rollup_staff_monthly_update;
        """
    )


@migrations()
def m007_lease_kept_by_the_core(db):
    """The alert checker's lease is the core's now ("alert-check" in job_leases,
    server.background); this table held only who last ran the check."""
    db.execute("DROP TABLE IF EXISTS leases")
