"""The cases' tables (migrations after the core's and the SMS channel's).

- cases: one per rating at most (UNIQUE rating_id: a re-delivered rating never opens two).
  `contact` is the citizen's number (E.164) while the case needs it, erased
  CASE_CONTACT_RETENTION_DAYS after close (`contact_erased_at`). `version` grows with every
  change, for the API's optimistic check.
- case_events: the timeline (opened, assigned, note, reply, answered, feedback, reopened,
  closed), each with its actor and a small JSON of details (never the number).
"""

from sqlite_utils.migrations import Migrations

migrations = Migrations("cases")


@migrations()
def m001_cases(db):
    db.executescript(
        """
        CREATE TABLE cases (
            id INTEGER PRIMARY KEY,
            rating_id INTEGER NOT NULL UNIQUE REFERENCES ratings(id),
            office_id INTEGER NOT NULL REFERENCES offices(id),
            status TEXT NOT NULL CHECK (status IN ('open', 'answered', 'closed')),
            opened_at TEXT NOT NULL,
            opened_day TEXT NOT NULL,          -- local day, for the period filters and figures
            due_at TEXT NOT NULL,
            assignee_id INTEGER REFERENCES users(id),
            first_due_at TEXT NOT NULL,        -- the first due date: "answered in time" is judged on it
            first_answered_at TEXT,
            answer_working_days INTEGER,       -- working days from opening to the first answer
            answered_at TEXT,
            closed_at TEXT,
            outcome TEXT,
            contact TEXT,                      -- E.164, only with the citizen's consent; erased after close
            contact_source TEXT,               -- kiosk, web or sms
            contact_erased_at TEXT,
            feedback TEXT CHECK (feedback IN ('satisfied', 'unsatisfied')),
            feedback_at TEXT,
            feedback_asked_at TEXT,
            alerted_at TEXT,                   -- overdue alert to the office's supervisors
            escalated_at TEXT,                 -- and to the parent office's
            version INTEGER NOT NULL DEFAULT 1,
            updated_at TEXT NOT NULL
        );
        CREATE INDEX cases_office_opened ON cases(office_id, opened_at);
        CREATE INDEX cases_opened ON cases(opened_at);
        CREATE INDEX cases_open_due ON cases(due_at) WHERE status = 'open';
        CREATE INDEX cases_closed_contact ON cases(closed_at) WHERE contact IS NOT NULL;

        CREATE TABLE case_events (
            id INTEGER PRIMARY KEY,
            case_id INTEGER NOT NULL REFERENCES cases(id),
            at TEXT NOT NULL,
            actor TEXT NOT NULL,
            kind TEXT NOT NULL,
            details TEXT NOT NULL DEFAULT '{}'
        );
        CREATE INDEX case_events_case ON case_events(case_id, id);
        """
    )


@migrations()
def m002_list_indexes(db):
    """Covering indexes: the cases page walks cases newest first by status (or all), checking
    office and day from the index, and the tabs count by status; the figures read a day range."""
    db.executescript(
        """
        CREATE INDEX cases_status_opened ON cases(status, opened_at, office_id, opened_day, due_at);
        CREATE INDEX cases_opened_office ON cases(opened_at, office_id, opened_day);
        CREATE INDEX cases_figures ON cases(opened_day, office_id, status, due_at, first_due_at, first_answered_at,
                                            answer_working_days, feedback);
        DROP INDEX cases_opened;
        """
    )


@migrations()
def m003_contact_wish_and_withdrawn(db):
    """`contact_wanted`: the SMS citizen's answer to "do you want the office to contact you?"
    (1 yes, 0 no, NULL not said). The figures' index gains `outcome`, so cases closed by
    themselves (the rating changed to a good one, or was flagged as misuse) stay out of them."""
    db.executescript(
        """
        ALTER TABLE cases ADD COLUMN contact_wanted INTEGER CHECK (contact_wanted IN (0, 1));
        ALTER TABLE cases ADD COLUMN contact_wanted_at TEXT;
        DROP INDEX cases_figures;
        CREATE INDEX cases_figures ON cases(opened_day, office_id, status, due_at, first_due_at, first_answered_at,
                                            answer_working_days, feedback, outcome);
        """
    )
