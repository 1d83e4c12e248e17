"""Marks on kiosk ratings (dossiers.integrity_rules) and the integrity page's figures.

`mark_recent` marks the kiosk ratings of the last few local days at counters that have
dossier events, since events and ratings both arrive late; a background job of the server
(or `flask dossiers integrity-check`) runs it. The counts of suspect ratings are kept in
dossier_suspect_daily, moved whenever a mark changes, so `exclude_suspect=1` on the stats
subtracts them without reading a rating.
"""

import datetime as dt
import json

from dashboards.alert_rules import OfficeHours
from dossiers import integrity_rules
from server.db import write_transaction
from server.timeutil import from_stored, to_stored, utcnow

_SUSPECT_UPSERT = """INSERT INTO dossier_suspect_daily (office_id, day, channel, misuse, n, n1, n2, n3, n4, n5)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (office_id, day, channel, misuse) DO UPDATE SET n = n + excluded.n, n1 = n1 + excluded.n1,
    n2 = n2 + excluded.n2, n3 = n3 + excluded.n3, n4 = n4 + excluded.n4, n5 = n5 + excluded.n5"""


def mark_recent(app, db, days, now=None):
    now = now or utcnow()
    timezone, config = app.extensions["timezone"], app.config
    top = app.extensions["scale"].size
    hours = OfficeHours.parse(config["OFFICE_HOURS"], config["OFFICE_DAYS"])
    first_local = now.astimezone(timezone).date() - dt.timedelta(days=days)
    first_day = first_local.isoformat()
    first_moment = dt.datetime.combine(first_local, dt.time(), timezone) - dt.timedelta(days=1)
    window = dt.timedelta(minutes=config["DOSSIER_MATCH_MINUTES"])
    burst_window = dt.timedelta(minutes=config["DOSSIER_BURST_MINUTES"])
    counters = [row[0] for row in db.execute(
        "SELECT DISTINCT counter_id FROM dossier_events WHERE counter_id IS NOT NULL")]
    marked = suspect = 0
    for counter_id in counters:
        with write_transaction(db):  # one counter at a time: kiosks wait for at most one
            # Through the kiosks of the counter: ratings_kiosk_time walks only their recent ratings.
            ratings = db.execute(
                """SELECT id, office_id, created_at, local_day, channel, misuse, score FROM ratings
                   WHERE kiosk_id IN (SELECT id FROM kiosks WHERE counter_id = ?) AND created_at >= ?
                     AND counter_id = ? AND local_day >= ? ORDER BY created_at""",
                [counter_id, to_stored(first_moment), counter_id, first_day]).fetchall()
            if not ratings:
                continue
            earliest = from_stored(ratings[0][2]) - window
            events = [from_stored(row[0]) for row in db.execute(
                "SELECT at FROM dossier_events WHERE counter_id = ? AND at >= ? AND type IN ('received', 'returned') "
                "ORDER BY at", [counter_id, to_stored(earliest)])]
            tops = [(index, from_stored(row[2])) for index, row in enumerate(ratings) if row[6] == top]
            in_burst = {tops[i][0] for i in integrity_rules.bursts([t for _, t in tops],
                                                                     config["DOSSIER_BURST_RATINGS"], burst_window)}
            previous = {row[0]: row[1] for row in db.execute(
                "SELECT rating_id, suspect FROM dossier_rating_marks "
                "WHERE rating_id IN (SELECT value FROM json_each(?))",
                [json.dumps([row[0] for row in ratings])])}
            rows, changes = [], {}
            for index, (rating_id, office_id, created_at, day, channel, misuse, score) in enumerate(ratings):
                moment = from_stored(created_at)
                is_matched = integrity_rules.matched(moment, events, window)
                outside = not hours.open_at(moment.astimezone(timezone))
                burst = index in in_burst
                is_suspect = int(not is_matched or outside or burst)
                rows.append((rating_id, office_id, counter_id, day, channel, misuse, score, int(is_matched),
                             int(outside), int(burst), is_suspect))
                delta = is_suspect - previous.get(rating_id, 0)
                if delta:
                    counts = changes.setdefault((office_id, day, channel, misuse), [0] * 6)
                    counts[0] += delta
                    counts[score] += delta
                suspect += is_suspect
            db.conn.executemany(
                """INSERT OR REPLACE INTO dossier_rating_marks (rating_id, office_id, counter_id, day, channel, misuse,
                   score, matched, outside_hours, burst, suspect) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""", rows)
            db.conn.executemany(_SUSPECT_UPSERT, [(*key, *counts) for key, counts in changes.items()])
            marked += len(rows)
    return {"marked": marked, "suspect": suspect}


def suspect_counts(db, query, office_ids):
    """{(office_id, period label): {score: n}} of suspect ratings, to take out of the stats."""
    from server import periods
    rows = db.execute(
        """SELECT office_id, day, SUM(n1), SUM(n2), SUM(n3), SUM(n4), SUM(n5) FROM dossier_suspect_daily
           WHERE day BETWEEN ? AND ? AND misuse <= ? AND (? = 'all' OR channel = ?)
             AND office_id IN (SELECT value FROM json_each(?)) GROUP BY office_id, day""",
        [query.start.isoformat(), query.end.isoformat(), int(query.include_misuse), query.channel, query.channel,
         json.dumps(sorted(office_ids))])
    result = {}
    for office_id, day, *counts in rows:
        label = periods.labels(dt.date.fromisoformat(day))[query.period]
        bucket = result.setdefault((office_id, label), {})
        for score, n in enumerate(counts, start=1):
            if n:
                bucket[score] = bucket.get(score, 0) + n
    return result


def counter_report(db, tree, office_ids, start, end, config, scale):
    """Counters with dossier events, most unmatched first: n, marks and the distribution test."""
    rows = db.execute(
        # Named by the office its ratings count for (as the stats do; SQLite takes the bare m.office_id
        # from the row of MAX(m.day): the latest in the window), not the office the counter was made at:
        # a counter of an office merged away rates for the successor.
        """SELECT m.counter_id, c.label, m.office_id, MAX(m.day), COUNT(*), SUM(1 - m.matched),
                  SUM(m.outside_hours), SUM(m.burst)
           FROM dossier_rating_marks m JOIN counters c ON c.id = m.counter_id
           WHERE m.day BETWEEN ? AND ? AND m.misuse = 0 AND m.office_id IN (SELECT value FROM json_each(?))
           GROUP BY m.counter_id""",
        [start.isoformat(), end.isoformat(), json.dumps(sorted(office_ids))]).fetchall()
    span = (end - start).days + 1
    before_start = (start - dt.timedelta(days=3 * span)).isoformat()
    report = []
    for counter_id, label, office_id, _last_day, n, unmatched, outside, burst in rows:
        now_counts = _scores(db, counter_id, start.isoformat(), end.isoformat())
        before = _scores(db, counter_id, before_start, (start - dt.timedelta(days=1)).isoformat())
        shift = integrity_rules.distribution_shift(now_counts, before, config["DOSSIER_SHIFT_P_VALUE"],
                                                   config["MIN_RATINGS_TO_RANK"])
        report.append({"counter_id": counter_id, "counter": label, "office_name": tree.by_id[office_id].name,
                       "n": n, "unmatched": unmatched, "unmatched_share": unmatched / n if n else None,
                       "outside_hours": outside, "burst": burst, "shift": shift,
                       "flagged": bool(shift and shift.flagged)})
    report.sort(key=lambda row: (-(row["unmatched_share"] or 0), -row["n"]))
    return report


def _scores(db, counter_id, first, last):
    row = db.execute("""SELECT SUM(n1), SUM(n2), SUM(n3), SUM(n4), SUM(n5) FROM rollup_staff
                        WHERE counter_id = ? AND day BETWEEN ? AND ? AND channel = 'kiosk' AND misuse = 0""",
                     [counter_id, first, last]).fetchone()
    return {score: n for score, n in enumerate(row, start=1) if n}
