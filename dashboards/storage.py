"""The dashboards' own tables, as named migrations after the core set.

- users gain `phone` and `email`, where alerts are sent.
- login_failures counts failed logins per username and per address, for the lockout.
- alerts holds every alert raised, its delivery and its acknowledgement.
- leases lets one of several gunicorn workers run the background alert check.
- a partial index on ratings that carry text makes "recent comments" a short index walk.
"""

from sqlite_utils.migrations import Migrations

migrations = Migrations("dashboards")


@migrations()
def m001_contacts_logins_alerts(db):
    db.executescript(
        """
        ALTER TABLE users ADD COLUMN phone TEXT;
        ALTER TABLE users ADD COLUMN email TEXT;

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
