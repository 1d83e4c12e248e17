"""Rollups: running counts of the ratings, kept in the same transaction as every change.

This is the one mechanism that keeps them. A rollup is declared, not programmed: a table,
the columns it is keyed by (taken from each rating) and what it counts:

- `counts="scores"`: columns n, n1 .. n5 (ratings, and ratings per score);
- `counts="reasons"`: one row per reason code too (key column `reason`), column n.

Key columns are drawn from FACTS: office_id, counter_id and staff_id (0 when the rating
has none), day (the rating's local day), month (its first seven characters), channel and
misuse. The core declares its own (CORE: daily, monthly, by officer, reasons by day); a
component declares the ones it needs in its `Component(rollups=...)` and creates their
tables in its migrations; `create_app` gathers them all (`app.extensions["rollups"]`).

Every write that changes what a rollup counts (ingest, misuse re-flagging, a follow-up's
reasons) gathers its changes in a `RollupChanges` and applies them inside the write's own
transaction: the counts and the ratings land together or not at all. The score changes go
in as one statement: rows of facts and counts inserted into `temp.rollup_feed`, a view each
connection gets from the declarations (`Rollups.feed_sql`), whose INSTEAD OF trigger upserts
every score rollup and the calendar. A lone rating is thus one statement, not one per table
(under gunicorn each statement gives up the GIL, and its threads' switching cost more than
the upserts). Reason counts keep one upsert per table. Nothing else writes the rollup
tables (no trigger on `ratings`, none from a component): `scan_differences` checks every
declared rollup against a GROUP BY over the ratings, which the tests and the soak use.

Import-light on purpose: component declarations import it.
"""

import datetime as dt
import functools
import json
from dataclasses import dataclass

from server import periods

FACTS = ("office_id", "counter_id", "staff_id", "day", "month", "channel", "misuse")
SCORE_COLUMNS = ("n", "n1", "n2", "n3", "n4", "n5")
# How each fact is computed from the ratings table, for the scan that checks a rollup.
_SCAN_EXPRESSIONS = {"office_id": "office_id", "counter_id": "coalesce(counter_id, 0)",
                     "staff_id": "coalesce(staff_id, 0)", "day": "local_day", "month": "substr(local_day, 1, 7)",
                     "channel": "channel", "misuse": "misuse"}
_SCAN_COUNTS = "count(*), sum(score = 1), sum(score = 2), sum(score = 3), sum(score = 4), sum(score = 5)"


@dataclass(frozen=True)
class Rollup:
    """One rollup table: keyed by `keys` (names from FACTS), counting scores or reasons."""
    table: str
    keys: tuple
    counts: str = "scores"

    def __post_init__(self):
        unknown = [key for key in self.keys if key not in FACTS]
        if unknown or self.counts not in ("scores", "reasons"):
            raise ValueError(f"rollup {self.table}: unknown key {unknown} or counts {self.counts!r}")

    @property
    def columns(self):
        """Key columns then count columns, in the table's order of this declaration."""
        if self.counts == "reasons":
            return (*self.keys, "reason", "n")
        return (*self.keys, *SCORE_COLUMNS)

    @property
    def key_width(self):
        return len(self.keys) + (self.counts == "reasons")

    def upsert_sql(self):
        columns = self.columns
        counted = columns[self.key_width:]
        increments = ", ".join(f"{c} = {c} + excluded.{c}" for c in counted)
        return (f"INSERT INTO {self.table} ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)}) "
                f"ON CONFLICT ({', '.join(columns[:self.key_width])}) DO UPDATE SET {increments}")

    def select_sql(self):
        return f"SELECT {', '.join(self.columns)} FROM {self.table}"

    def scan_sql(self):
        """The same figures computed from the ratings themselves."""
        keys = [_SCAN_EXPRESSIONS[key] for key in self.keys]
        groups = ", ".join(str(i + 1) for i in range(self.key_width))
        if self.counts == "reasons":
            return (f"SELECT {', '.join(keys)}, reason.value, count(*) FROM ratings, json_each(ratings.reasons) "
                    f"AS reason WHERE ratings.reasons IS NOT NULL GROUP BY {groups}")
        return f"SELECT {', '.join(keys)}, {_SCAN_COUNTS} FROM ratings GROUP BY {groups}"


CORE = (
    # Office, local day, channel and misuse flag: what the stats answer from.
    Rollup("rollup_daily", ("office_id", "day", "channel", "misuse")),
    # The same by month, so a year for a whole province reads a few thousand rows.
    Rollup("rollup_monthly", ("office_id", "month", "channel", "misuse")),
    # By counter and officer, for the rankings.
    Rollup("rollup_staff", ("office_id", "counter_id", "staff_id", "day", "channel", "misuse")),
    # Reasons given with ratings.
    Rollup("rollup_reasons", ("office_id", "day", "channel", "misuse"), counts="reasons"),
)


def declared(components):
    """The core's rollups, then each component's, in the order of the component list."""
    rollups = list(CORE)
    for component in components:
        rollups.extend(component.rollups)
    names = [rollup.table for rollup in rollups]
    if len(set(names)) != len(names):
        raise ValueError(f"a rollup table is declared twice: {names}")
    return tuple(rollups)


# What a row of temp.rollup_feed carries: a rating's facts (FACTS' order), the changes of
# its counts, and the calendar labels of its day.
_FEED_COLUMNS = (*FACTS, *SCORE_COLUMNS, "week", "quarter", "year")
_FEED_INSERT = f"INSERT INTO temp.rollup_feed VALUES ({', '.join('?' for _ in _FEED_COLUMNS)})"


class Rollups:
    """The rollups one app keeps; `changes()` starts gathering the changes of one write."""

    def __init__(self, rollups=CORE):
        self.rollups = tuple(rollups)
        self.feed_sql = _feed_sql([r for r in self.rollups if r.counts == "scores"])
        # (statement, fact indexes of its key) for each reasons rollup, computed once
        self._reasons = [(r.upsert_sql(), tuple(FACTS.index(k) for k in r.keys))
                         for r in self.rollups if r.counts == "reasons"]

    def changes(self):
        return RollupChanges(self)


def _feed_sql(score_rollups):
    """The TEMP view and its trigger through which score changes reach every score rollup."""
    upserts, increments = [], ", ".join(f"{c} = {c} + excluded.{c}" for c in SCORE_COLUMNS)
    for rollup in score_rollups:
        keys = rollup.columns[:rollup.key_width]
        upserts.append(f"INSERT INTO {rollup.table} ({', '.join(rollup.columns)}) "
                       f"VALUES ({', '.join('NEW.' + c for c in rollup.columns)}) "
                       f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {increments};")
    upserts.append("INSERT OR IGNORE INTO calendar (day, week, month, quarter, year) "
                   "VALUES (NEW.day, NEW.week, NEW.month, NEW.quarter, NEW.year);")
    nulls = ", ".join("NULL" for _ in _FEED_COLUMNS)
    return (f"CREATE TEMP VIEW IF NOT EXISTS rollup_feed ({', '.join(_FEED_COLUMNS)}) AS SELECT {nulls} WHERE 0",
            "CREATE TEMP TRIGGER IF NOT EXISTS rollup_feed_apply INSTEAD OF INSERT ON rollup_feed BEGIN\n"
            + "\n".join(upserts) + "\nEND")


class RollupChanges:
    """Count changes for every rollup, gathered per key, written in one go by apply()."""

    def __init__(self, rollups):
        self._feed_sql = rollups.feed_sql
        self._scores = {}  # facts (FACTS without month) -> [n, n1 .. n5] changes
        self._reasons = [(statement, indexes, {}) for statement, indexes in rollups._reasons]

    def add(self, row, sign):
        self.count(row["office_id"], row["counter_id"], row["staff_id"], row["local_day"], row["channel"],
                   row["misuse"], row["score"], row["reasons"], sign)

    def count(self, office_id, counter_id, staff_id, day, channel, misuse, score, reasons, sign):
        """Count one rating (sign +1) or take it out (-1); `reasons` as stored (JSON or None)."""
        key = (office_id, counter_id or 0, staff_id or 0, day, channel, misuse)
        row = self._scores.get(key)
        if row is None:
            row = self._scores[key] = [0, 0, 0, 0, 0, 0]
        row[0] += sign
        row[score] += sign
        if reasons:
            fact = (office_id, counter_id or 0, staff_id or 0, day, day[:7], channel, misuse)
            codes = json.loads(reasons)
            for _, indexes, counts in self._reasons:
                base = tuple([fact[i] for i in indexes])
                for reason in codes:
                    key = (*base, reason)
                    counts[key] = counts.get(key, 0) + sign

    def apply(self, db):
        """Write the gathered changes (keys whose changes net to zero are skipped) and the
        calendar rows (period labels) of the days seen."""
        conn = db.conn
        rows = [(office_id, counter_id, staff_id, day, day[:7], channel, misuse, *value, *_calendar_labels(day))
                for (office_id, counter_id, staff_id, day, channel, misuse), value in self._scores.items()
                if any(value)]
        if rows:
            try:
                conn.executemany(_FEED_INSERT, rows)
            except Exception as error:  # sqlite3.OperationalError (not imported: this module stays light)
                if "no such table: temp.rollup_feed" not in str(error):
                    raise
                # This connection's first write (or its view went with a rolled-back
                # transaction): make the view, inside the caller's transaction, then write.
                for statement in self._feed_sql:
                    conn.execute(statement)
                conn.executemany(_FEED_INSERT, rows)
        for statement, _, counts in self._reasons:
            rows = [(*key, value) for key, value in counts.items() if value]
            if rows:
                conn.executemany(statement, rows)


@functools.lru_cache(maxsize=4096)  # a pure function of the day, asked on every write
def _calendar_labels(day):
    """(week, quarter, year) labels of a local day, as the calendar table keeps them."""
    labels = periods.labels(dt.date.fromisoformat(day))
    return labels["week"], labels["quarter"], labels["year"]


def scan_differences(conn, rollups):
    """{rollup table: how many keys' counts differ from a scan of the ratings} (all-zero
    rows count as absent: a rollup keeps a row whose counts moved away)."""
    differences = {}
    for rollup in rollups:
        width = rollup.key_width
        kept = _keyed(conn.execute(rollup.select_sql()).fetchall(), width)
        scanned = _keyed(conn.execute(rollup.scan_sql()).fetchall(), width)
        differences[rollup.table] = sum(1 for key in kept.keys() | scanned.keys() if kept.get(key) != scanned.get(key))
    return differences


def _keyed(rows, width):
    return {tuple(row[:width]): tuple(row[width:]) for row in rows if any(row[width:])}
