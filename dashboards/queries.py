"""What the pages read: satisfaction through server.stats (the API's own code), reasons,
counters and officers from the rollups, comments and kiosks from their tables.

Nothing here scans `ratings` for a figure; comments read it through the partial indexes
`ratings_text_by_*` / `ratings_comment_by_*` (by day or by office), newest first, with a LIMIT.
"""

import dataclasses
import datetime as dt
import json
import types

from flask import current_app

from server import scope, stats
from server.figures import summarise

COMMENT_PAGE = 50
COMMENT_SCAN = 20_000
NARROW_SCOPE = 8  # offices; fewer use the office-ordered comment index


def stats_user(user):
    return {"id": user["id"], "username": user["username"], "role": user["role"], "office_id": user["office_id"]}


def satisfaction(db, tree, scale, filters, user, today, **overrides):
    """Rows exactly as GET /api/v1/stats gives them for these filters."""
    query = stats.parse_query(filters.stats_args(**overrides), today, channels=current_app.extensions["channels"])
    return stats.satisfaction_rows(db, tree, scale, query, stats_user(user))


def total(rows, scale):
    """Figures of the ratings of several rows together (the counts are summed, not the rates)."""
    counts = {}
    for row in rows:
        for score, n in row["counts"].items():
            counts[int(score)] = counts.get(int(score), 0) + n
    return summarise(counts, scale)


def by_period(parts, scale):
    """One row per period from the breakdown's rows: the parts add up to the whole, so
    these are the API's rows with breakdown=none, from one query instead of two."""
    grouped = {}
    for row in parts:
        grouped.setdefault((row["period"], row["period_start"]), []).append(row)
    return [{"period": period, "period_start": start, "partial": any(row.get("partial") for row in rows),
             **total(rows, scale)} for (period, start), rows in sorted(grouped.items())]


def difference(scale, minuend, subtrahend):
    counts = {int(s): minuend["counts"].get(s, 0) - subtrahend["counts"].get(s, 0) for s in minuend["counts"]}
    return summarise(counts, scale)


def first_day(db):
    """The first local day with any rating (the rollup's day index answers it), or None."""
    day = db.execute("SELECT MIN(day) FROM rollup_daily").fetchone()[0]
    return dt.date.fromisoformat(day) if day else None


def comparison(db, filters):
    """What the headline's changes compare with: the filters' previous range, and whether
    ratings cover it (a previous period before the first rating would compare with nothing)."""
    before = filters.previous()
    first = first_day(db)
    return {"start": before.start, "end": before.end, "days": (before.end - before.start).days + 1,
            "first_day": first, "complete": first is not None and first <= before.start}


class Offices(frozenset):
    """The office ids a view counts (their union over the range), and `pieces`:
    [(first day, last day, ids)], the range cut where the historical structure changes with
    the offices that counted under the view's offices on each stretch (one piece under
    `current`). Reasons, officers, counters and comments read each piece for its own days, so
    under structure=historical they follow the map of each day, as the figures do."""

    pieces = ()


def subtree_ids(tree, user, filters):
    """Every office whose ratings count in this view (its offices as the API's stats take
    them), as Offices: stretch by stretch, from the stats' own plan (server.stats.plan)."""
    bases = stats.base_offices(tree, filters, user)
    query = types.SimpleNamespace(start=filters.start, end=filters.end, structure=filters.structure,
                                  breakdown="none")
    _, stretches = stats.plan(tree, query, bases)
    pieces = [(dt.date.fromisoformat(first), dt.date.fromisoformat(last), frozenset(mapping))
              for first, last, mapping in stretches]
    found = Offices(frozenset().union(*(ids for _, _, ids in pieces)))
    found.pieces = pieces
    return found


def _stretches(office_ids, filters):
    """[(filters for one stretch of days, its office ids)]: the whole range when the view's
    offices are the same on every day of it. A stretch is cut to the filters' own range (a
    report may ask for fewer days than the ids were planned for)."""
    pieces = getattr(office_ids, "pieces", ())
    if len(pieces) <= 1:
        return [(filters, office_ids)]
    found = []
    for first, last, ids in pieces:
        start, end = max(first, filters.start), min(last, filters.end)
        if ids and start <= end:
            found.append((dataclasses.replace(filters, start=start, end=end), ids))
    return found


def offices_for_picker(tree, user, structure):
    """(office, depth) in tree order, for the office filter: only offices in scope."""
    roots = scope.base_offices(tree, user, None, structure)
    result = []

    def walk(office_id, depth):
        result.append((tree.by_id[office_id], depth))
        for child in tree.children(office_id, structure):
            walk(child, depth + 1)

    for root in roots:
        walk(tree.resolve(root, structure), 0)
    return result


def breadcrumbs(tree, user, office_id, structure):
    """Offices from the top of the user's scope down to this one."""
    chain = list(reversed(tree.lineage(office_id, structure)))
    if user["office_id"] is not None:
        top = tree.resolve(user["office_id"], structure)
        chain = chain[chain.index(top):] if top in chain else chain[-1:]
    return [tree.by_id[i] for i in chain]


def _rollup_filter(filters):
    return [int(filters.include_misuse), filters.channel, filters.channel]


NOTHING = ("9999-12-31", "0000-01-01")  # a BETWEEN range that matches nothing


def month_split(start, end):
    """((first month, last month) of the whole months in [start, end], [two day ranges at
    the ends that are not whole months]); empty parts are ranges that match nothing."""
    first = start if start.day == 1 else (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    after = end + dt.timedelta(days=1)
    last_start = end.replace(day=1) if after.day == 1 else (end.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    if first > last_start:
        return NOTHING, [(start.isoformat(), end.isoformat()), NOTHING]
    head = (start.isoformat(), (first - dt.timedelta(days=1)).isoformat()) if start < first else NOTHING
    tail = (end.replace(day=1).isoformat(), end.isoformat()) if after.day != 1 else NOTHING
    return (first.isoformat()[:7], last_start.isoformat()[:7]), [head, tail]


def _monthly_union(columns, table, filters, office_ids):
    """SQL and parameters for `columns` of whole months (monthly table) plus the edge days."""
    months, (head, tail) = month_split(filters.start, filters.end)
    where = "misuse <= ? AND (? = 'all' OR channel = ?) AND office_id IN (SELECT value FROM json_each(?))"
    common = [*_rollup_filter(filters), json.dumps(sorted(office_ids))]
    sql = f"""SELECT {columns} FROM {table}_monthly WHERE month BETWEEN ? AND ? AND {where}
              UNION ALL
              SELECT {columns} FROM {table} WHERE (day BETWEEN ? AND ? OR day BETWEEN ? AND ?) AND {where}"""
    return sql, [*months, *common, *head, *tail, *common]


def reasons(db, office_ids, filters):
    """[(reason code, times given)] most frequent first."""
    totals = {}
    for part, ids in _stretches(office_ids, filters):
        union, params = _monthly_union("reason, n", "rollup_reasons", part, ids)
        for reason, n in db.execute(f"SELECT reason, SUM(n) FROM ({union}) GROUP BY reason", params):
            totals[reason] = totals.get(reason, 0) + n
    return sorted(((reason, n) for reason, n in totals.items() if n > 0), key=lambda item: (-item[1], item[0]))


def staff_counts(db, office_ids, filters):
    """{(counter_id, staff_id): {score: count}} from the staff rollup (0 = none)."""
    found = {}
    for part, ids in _stretches(office_ids, filters):
        union, params = _monthly_union("counter_id, staff_id, n1, n2, n3, n4, n5", "rollup_staff", part, ids)
        sql = f"""SELECT counter_id, staff_id, SUM(n1), SUM(n2), SUM(n3), SUM(n4), SUM(n5) FROM ({union})
                  GROUP BY counter_id, staff_id"""
        for counter, staff, *counts in db.execute(sql, params):
            bucket = found.setdefault((counter, staff), {})
            for score, n in enumerate(counts, start=1):
                if n:
                    bucket[score] = bucket.get(score, 0) + n
    return {key: counts for key, counts in found.items() if counts}


def _by(counts, position):
    grouped = {}
    for key, by_score in counts.items():
        if key[position]:
            bucket = grouped.setdefault(key[position], {})
            for score, n in by_score.items():
                bucket[score] = bucket.get(score, 0) + n
    return grouped


def officers(db, scale, office_ids, filters, counts=None):
    """Figures per officer: [{id, code, name, office, ...figures}]."""
    counts = _by(counts if counts is not None else staff_counts(db, office_ids, filters), 1)
    names = _names(db, """SELECT s.id, s.code, s.name, o.code FROM staff s JOIN offices o ON o.id = s.office_id
                          WHERE s.id IN (SELECT value FROM json_each(?))""", counts)
    return [{"id": key, "code": names[key][0], "name": names[key][1], "office": names[key][2],
             **summarise(c, scale)} for key, c in counts.items() if key in names]


def counters(db, scale, office_ids, filters, counts=None):
    """Figures per counter: [{id, code (office code), name (label), office, ...figures}]."""
    counts = _by(counts if counts is not None else staff_counts(db, office_ids, filters), 0)
    names = _names(db, """SELECT c.id, o.code, c.label, o.code FROM counters c JOIN offices o ON o.id = c.office_id
                          WHERE c.id IN (SELECT value FROM json_each(?))""", counts)
    return [{"id": key, "code": names[key][0], "name": names[key][1], "office": names[key][2],
             **summarise(c, scale)} for key, c in counts.items() if key in names]


def _names(db, sql, keys):
    if not keys:
        return {}
    return {row[0]: tuple(row[1:]) for row in db.execute(sql, [json.dumps(sorted(keys))])}


def comments(db, office_ids, filters, search=None, reason=None, scores=None, before=None, limit=COMMENT_PAGE):
    """(recent ratings that carry a comment or reasons, newest first; whether the look-back
    stopped early), stretch by stretch of the view's offices (see `_comments`)."""
    found, stopped = [], False
    for part, ids in _stretches(office_ids, filters):
        items, cut = _comments(db, ids, part, search, reason, scores, before, limit)
        found.extend(items)
        stopped = stopped or cut
    found.sort(key=lambda item: (item["local_day"], item["created_at"]), reverse=True)
    return found[:limit], stopped


def _comments(db, office_ids, filters, search=None, reason=None, scores=None, before=None, limit=COMMENT_PAGE):
    """(recent ratings that carry a comment or reasons, newest first; whether the look-back
    stopped at COMMENT_SCAN ratings before the range's start).

    The newest COMMENT_SCAN candidates of the scope and range are taken from a partial index
    first; filters then apply to those. That bounds the work of a search that matches nothing
    (a year of a province holds ~900,000 ratings with reasons); the page says when it stopped.
    `search` matches the comment text (LIKE, escaped); `before` (local_day, created_at) pages on.
    """
    kind = "comment" if search else "text"
    text = "comment IS NOT NULL" if search else "(comment IS NOT NULL OR reasons IS NOT NULL)"
    order = "office" if len(office_ids) <= NARROW_SCOPE else "day"
    inner = [text, "local_day BETWEEN ? AND ?", "office_id IN (SELECT value FROM json_each(?))"]
    params = [filters.start.isoformat(), filters.end.isoformat(), json.dumps(sorted(office_ids))]
    if before:
        inner.append("(local_day, created_at) < (?, ?)")
        params.extend(before)
    outer = ["r.misuse <= ?", "(? = 'all' OR r.channel = ?)"]
    outer_params = _rollup_filter(filters)
    if search:
        escaped = search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        outer.append("r.comment LIKE ? ESCAPE '\\'")
        outer_params.append(f"%{escaped}%")
    if reason:
        outer.append("EXISTS (SELECT 1 FROM json_each(r.reasons) WHERE value = ?)")
        outer_params.append(reason)
    if scores:
        outer.append("r.score IN (SELECT value FROM json_each(?))")
        outer_params.append(json.dumps(sorted(scores)))
    sql = f"""WITH candidates AS MATERIALIZED (
                  SELECT id, local_day, created_at FROM ratings INDEXED BY ratings_{kind}_by_{order}
                  WHERE {' AND '.join(inner)} ORDER BY local_day DESC, created_at DESC LIMIT ?)
              SELECT r.id, r.created_at, r.local_day, r.channel, r.score, r.reasons, r.comment,
                     o.code, o.name, c.label, s.name, (SELECT COUNT(*) FROM candidates)
              FROM candidates w JOIN ratings r ON r.id = w.id JOIN offices o ON o.id = r.office_id
              LEFT JOIN counters c ON c.id = r.counter_id LEFT JOIN staff s ON s.id = r.staff_id
              WHERE {' AND '.join(outer)}
              ORDER BY w.local_day DESC, w.created_at DESC LIMIT ?"""
    keys = ("id", "created_at", "local_day", "channel", "score", "reasons", "comment", "office", "office_name",
            "counter", "staff")
    result, scanned = [], 0
    for row in db.execute(sql, [*params, COMMENT_SCAN, *outer_params, limit]):
        item = dict(zip(keys, row[:-1], strict=True))
        item["reasons"] = json.loads(item["reasons"]) if item["reasons"] else []
        result.append(item)
        scanned = row[-1]
    if not result:
        scanned = db.execute(f"""SELECT COUNT(*) FROM (SELECT 1 FROM ratings INDEXED BY ratings_{kind}_by_{order}
                                 WHERE {' AND '.join(inner)} LIMIT ?)""", [*params, COMMENT_SCAN]).fetchone()[0]
    return result, scanned >= COMMENT_SCAN and len(result) < limit


def kiosks(db, office_ids):
    """Active kiosks of these offices with their last heartbeat and last rating (the
    ratings_kiosk_time index answers each kiosk's latest rating with one seek)."""
    sql = """SELECT k.id, o.code, o.name, c.label, k.last_seen_at, k.queue_length, k.last_sync_at, k.app_version,
                    k.created_at, (SELECT MAX(r.created_at) FROM ratings r WHERE r.kiosk_id = k.id)
             FROM kiosks k JOIN offices o ON o.id = k.office_id JOIN counters c ON c.id = k.counter_id
             WHERE k.revoked_at IS NULL AND k.office_id IN (SELECT value FROM json_each(?))
             ORDER BY o.code, c.label, k.id"""
    keys = ("id", "office", "office_name", "counter", "last_seen_at", "queue_length", "last_sync_at", "app_version",
            "created_at", "last_rating_at")
    return [dict(zip(keys, row, strict=True)) for row in db.execute(sql, [json.dumps(sorted(office_ids))])]
