"""Satisfaction by office and period, answered from the daily rollup, never from ratings.

The rollup holds counts per office and local day; a report sums them by period (through
the `calendar` table's labels) and then, in Python, into the offices the report shows:
one row per office subtree, or per child office plus the office's own counter ratings.
"""

import dataclasses
import datetime as dt
import json
from dataclasses import dataclass

from server import params, periods, scope
from server.figures import summarise
from server.params import ParamError

BREAKDOWNS = ("none", "children")
MAX_PERIODS = 1000


@dataclass(frozen=True)
class StatsQuery:
    office: str | None
    period: str
    start: dt.date
    end: dt.date
    channel: str
    breakdown: str
    include_misuse: bool
    structure: str
    today: dt.date | None = None  # a period ending on or after it is not over yet
    # Exclusions asked for (each a flag parameter a component registered, e.g. exclude_suspect=1).
    exclusions: tuple = ()


def parse_query(args, today, exclusions=(), *, channels):
    """A StatsQuery from request parameters, or ParamError naming the bad one.

    `channels`: the server's (`app.extensions["channels"]`). `exclusions`: the names of the
    flag parameters components registered (`app.extensions["stats_exclusions"]`,
    {name: counts(db, query, office_ids)}).
    """
    period = params.period(args, periods.PERIODS, "month")
    start, end = params.date(args, "from"), params.date(args, "to")
    if end is None:
        end = today if start is None or start <= today else start
    if start is None:
        start = periods.default_range(period, end)[0]  # the latest periods up to `to`
    if start > end:
        raise ParamError("from", "must not be after to")
    if (end - start).days + 1 > MAX_PERIODS * {"day": 1, "week": 7}.get(period, 28):
        raise ParamError("period", f"the range holds more than {MAX_PERIODS} periods; use a longer period")
    office = args.get("office")
    if office is not None and not office.strip():
        raise ParamError("office", "must be an office code")
    return StatsQuery(
        office=office.strip().upper() if office else None,
        period=period, start=start, end=end,
        channel=params.channel(args, channels),
        breakdown=params.choice(args, "breakdown", BREAKDOWNS, "none"),
        include_misuse=params.flag(args, "include_misuse"),
        structure=params.structure(args),
        today=today,
        exclusions=tuple(name for name in exclusions if params.flag(args, name)),
    )


def base_offices(tree, query, user):
    """The offices a report (a StatsQuery, or anything with `office` and `structure`) is
    about, checked against the user's scope (server.scope); an unknown code is a ParamError."""
    office = None
    if query.office is not None:
        office = scope.office_for(tree, user, query.office)
        if office is None:
            raise ParamError("office", f"unknown office code {query.office}")
    if office is None and user.get("office_id") is None and query.structure == "historical":
        roots = {}  # the roots of each stretch of the range (an old province, then its successor)
        for first, _ in tree.segments(query.start.isoformat(), query.end.isoformat()):
            roots.update(dict.fromkeys(tree.roots("historical", first)))
        return sorted(roots, key=lambda i: tree.by_id[i].code)
    return scope.base_offices(tree, user, office, query.structure)


def successor_notice(tree, query, user):
    """{"successor", "message"} when a report under `current` is about an office merged away
    (asked for, or the user's scope), whose ratings count under its successor; else None."""
    if query.structure != "current":
        return None
    office_id = tree.by_code[query.office].id if query.office else user.get("office_id")
    if office_id is None or tree.by_id[office_id].merged_into is None:
        return None
    office, successor = tree.by_id[office_id], tree.by_id[tree.successor(office_id)]
    if query.office:
        message = (f"office {office.code} was merged into {successor.code} on {office.merged_at}: under "
                   f"structure=current its ratings count under {successor.code}; ask for office={successor.code}, "
                   f"or structure=historical for {office.code} as it was")
    else:
        message = (f"your scope, office {office.code}, was merged into {successor.code} on {office.merged_at}: "
                   f"use structure=historical to see it as it was, or ask an admin to scope you to {successor.code}")
    return {"successor": successor.code, "message": message}


def plan(tree, query, bases):
    """The rows a report has, in order, and per stretch of days with one structure:
    (first day, last day, {office id: (office id, part) it counts in}).

    Under `historical` the tree is cut where a parent changed or an office merged, and
    each stretch maps offices with the parents they had then; `current` is one stretch.
    """
    start, end = query.start.isoformat(), query.end.isoformat()
    stretches = tree.segments(start, end) if query.structure == "historical" else [(start, end)]
    pieces, children = [], {base: set() for base in bases}
    for first, last in stretches:
        day = first if query.structure == "historical" else None
        _, mapping = targets(tree, query, bases, day)
        if query.breakdown == "children":
            for base in bases:
                children[base].update(tree.children(base, query.structure, day))
        pieces.append((first, last, mapping))
    if query.breakdown == "none":
        return [(base, "subtree") for base in bases], pieces
    order = []
    for base in bases:  # its children by code, then its own counters
        kids = sorted(children[base], key=lambda i: tree.by_id[i].code)
        # A district closed on the day stays under the province's successor after it (so a
        # rating stored after its closing still shows): under the first base only.
        order.extend((child, "subtree") for child in kids if (child, "subtree") not in order)
        order.append((base, "office_only"))
    return order, pieces


def targets(tree, query, bases, day=None):
    """Map every office id to the (office id, part) row its ratings count in, in order."""
    order, mapping = [], {}
    for base in bases:
        if query.breakdown == "none":
            order.append((base, "subtree"))
        else:
            order.extend((child, "subtree") for child in tree.children(base, query.structure, day))
            order.append((base, "office_only"))
    wanted = set(order)
    for office_id in tree.by_id:
        lineage = tree.lineage(office_id, query.structure, day)
        if query.breakdown == "none":
            found = next(((o, "subtree") for o in lineage if (o, "subtree") in wanted), None)
        elif (lineage[0], "office_only") in wanted:
            found = (lineage[0], "office_only")
        else:
            found = next(((o, "subtree") for o in lineage if (o, "subtree") in wanted), None)
        if found is not None:
            mapping[office_id] = found
    return order, mapping


_FILTERS = "r.misuse <= ? AND (? = 'all' OR r.channel = ?) AND r.office_id IN (SELECT value FROM json_each(?))"
_COUNTS = "SUM(r.n1), SUM(r.n2), SUM(r.n3), SUM(r.n4), SUM(r.n5)"


def period_counts(db, query, office_ids):
    """{(office_id, period label): {score: count}} from the rollups.

    Whole months inside the range come from the monthly rollup; days at its ragged edges,
    and day and week reports, from the daily one (joined to `calendar` for week labels).
    """
    filters = [int(query.include_misuse), query.channel, query.channel, json.dumps(sorted(office_ids))]
    result = {}
    if query.period in ("day", "week"):
        column = "r.day" if query.period == "day" else "c.week"
        rows = db.execute(
            f"""SELECT r.office_id, {column}, {_COUNTS} FROM rollup_daily r JOIN calendar c ON c.day = r.day
                WHERE r.day BETWEEN ? AND ? AND {_FILTERS} GROUP BY r.office_id, {column}""",
            [query.start.isoformat(), query.end.isoformat(), *filters])
        for office_id, label, *counts in rows:
            _add(result, (office_id, label), dict(enumerate(counts, start=1)))
        return result
    first, last = _whole_months(query.start, query.end)
    edges = [(query.start, query.end)]
    if first is not None:
        rows = db.execute(
            f"""SELECT r.office_id, r.month, {_COUNTS} FROM rollup_monthly r
                WHERE r.month BETWEEN ? AND ? AND {_FILTERS} GROUP BY r.office_id, r.month""",
            [first.isoformat()[:7], last.isoformat()[:7], *filters])
        for office_id, month, *counts in rows:
            label = periods.labels(dt.date.fromisoformat(month + "-01"))[query.period]
            _add(result, (office_id, label), dict(enumerate(counts, start=1)))
        edges = [(query.start, first - dt.timedelta(days=1)), (last + dt.timedelta(days=1), query.end)]
    for start, end in edges:
        if start > end:
            continue
        rows = db.execute(
            f"""SELECT r.office_id, r.day, {_COUNTS} FROM rollup_daily r
                WHERE r.day BETWEEN ? AND ? AND {_FILTERS} GROUP BY r.office_id, r.day""",
            [start.isoformat(), end.isoformat(), *filters])
        for office_id, day, *counts in rows:
            label = periods.labels(dt.date.fromisoformat(day))[query.period]
            _add(result, (office_id, label), dict(enumerate(counts, start=1)))
    return result


def _whole_months(start, end):
    """The first day of the first and the last day of the last whole month in [start, end], or (None, None)."""
    first = start if start.day == 1 else periods.shift("month", start, 1)
    after = periods.shift("month", end, 1)
    last = end if end + dt.timedelta(days=1) == after else periods.start("month", end) - dt.timedelta(days=1)
    if first > last:
        return None, None
    return first, last


def satisfaction_rows(db, tree, scale, query, user, exclusions=None):
    """Rows of the stats. Each exclusion named in `query.exclusions` subtracts the counts its
    function (from `exclusions`, the app's registry) gives, read from a rollup too."""
    bases = base_offices(tree, query, user)
    order, pieces = plan(tree, query, bases)
    grouped = {}
    for first, last, mapping in pieces:
        stretch = dataclasses.replace(query, start=dt.date.fromisoformat(first), end=dt.date.fromisoformat(last))
        for (office_id, label), counts in period_counts(db, stretch, mapping).items():
            _add(grouped, (mapping[office_id], label), counts)
        for name in query.exclusions:
            for (office_id, label), counts in exclusions[name](db, stretch, mapping).items():
                if office_id in mapping:
                    _add(grouped, (mapping[office_id], label), {score: -n for score, n in counts.items()})
    return _rows(tree, scale, query, order, grouped)


def satisfaction_by_scan(db, tree, scale, query, user):
    """The same rows computed by a plain GROUP BY over the ratings table.

    Not used to answer requests: it is the baseline `make bench` compares against and a
    test oracle that the rollup agrees with the ratings themselves.
    """
    bases = base_offices(tree, query, user)
    order, pieces = plan(tree, query, bases)
    sql = """SELECT office_id, local_day, score, COUNT(*) FROM ratings
             WHERE local_day BETWEEN ? AND ? AND misuse <= ? AND (? = 'all' OR channel = ?)
             GROUP BY office_id, local_day, score"""
    grouped = {}
    for first, last, mapping in pieces:
        params = [first, last, int(query.include_misuse), query.channel, query.channel]
        for office_id, day, score, n in db.execute(sql, params).fetchall():
            if office_id in mapping:
                label = periods.labels(dt.date.fromisoformat(day))[query.period]
                _add(grouped, (mapping[office_id], label), {score: n})
    return _rows(tree, scale, query, order, grouped)


def _add(grouped, key, counts):
    bucket = grouped.setdefault(key, {})
    for score, n in counts.items():
        if n:
            bucket[score] = bucket.get(score, 0) + n


def _rows(tree, scale, query, order, grouped):
    """Report rows in the order of the offices, then of the periods; empty ones left out."""
    position = {target: index for index, target in enumerate(order)}
    rows = []
    for (target, label), counts in sorted(grouped.items(), key=lambda item: (position[item[0][0]], item[0][1])):
        figures = summarise(counts, scale)
        if not figures["responses"]:
            continue
        office = tree.by_id[target[0]]
        first = periods.start_of_label(query.period, label)
        rows.append({
            "office": office.code,
            # as the office was called then under historical, as it is called now under current
            "office_name": (tree.name_on(office.id, max(first, query.start).isoformat())
                            if query.structure == "historical" else office.name),
            "part": target[1],
            "period": label,
            "period_start": first.isoformat(),
            "partial": is_partial(query, first),
            **figures,
        })
    return rows


def is_partial(query, first):
    """True when the period starting on `first` is cut by the range or not over yet: its
    figures cover only part of it, so a chart must not read it as a whole period."""
    last = periods.shift(query.period, first, 1) - dt.timedelta(days=1)
    return first < query.start or last > query.end or (query.today is not None and last >= query.today)
