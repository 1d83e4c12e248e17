"""GET /api/v1/dossiers/summary: dossiers by office and period, answered from the rollups.

Rows per office (or child office, with `breakdown=children`) and period, with the same
parameters and scope rules as /api/v1/stats (server.stats.parse_query and base_offices):

- `received`: dossiers received in the period; `returned`, `returned_on_time`: returned in it;
- `late`: dossiers whose promised date fell in the period and that missed it (returned after
  it, or, for dates already past, still open); `apologised`: of those, the ones with an
  apology; `apologised_in_time`: with the apology on or before the promised date;
- `rated`: ratings given in the period at those offices (every channel, misuse left out, as
  the stats count them), so `response_rate` = rated / returned;
- `on_time_rate` = returned_on_time / returned; `apology_rate` = apologised_in_time / late.
A rate is null when its denominator is 0. `partial` as in the stats.
"""

import datetime as dt
import json

from server import periods, stats
from server.stats import StatsQuery

COLUMNS = ("received", "returned", "returned_on_time", "due", "due_on_time", "returned_late", "apologised",
           "apologised_in_time")
_SUMS = ", ".join(f"SUM({name})" for name in COLUMNS)


def summary_rows(db, tree, query: StatsQuery, user):
    bases = stats.base_offices(tree, query, user)
    order, mapping = stats.targets(tree, query, bases)
    grouped = {}
    for (office_id, label, past), counts in _dossier_counts(db, query, mapping).items():
        _add(grouped, (mapping[office_id], label), _late_view(counts, past))
    rated_query = StatsQuery(**{**query.__dict__, "channel": "all", "include_misuse": False})
    for (office_id, label), scores in stats.period_counts(db, rated_query, mapping).items():
        _add(grouped, (mapping[office_id], label), {"rated": sum(scores.values())})
    return _rows(tree, query, order, grouped)


def _late_view(counts, past):
    """The counts a row shows; `past` says whether the promised days are all before today."""
    late = counts["due"] - counts["due_on_time"] if past else counts["returned_late"]
    return {"received": counts["received"], "returned": counts["returned"],
            "returned_on_time": counts["returned_on_time"], "late": late,
            "apologised": counts["apologised"], "apologised_in_time": counts["apologised_in_time"]}


def _dossier_counts(db, query, office_ids):
    """{(office_id, period label, whether its days are before today): {column: n}}."""
    today = query.today
    filters = [json.dumps(sorted(office_ids))]
    result = {}
    first, last = _whole_past_months(query.start, min(query.end, today - dt.timedelta(days=1)))
    edges = [(query.start, query.end)]
    if first is not None:
        rows = db.execute(
            f"""SELECT office_id, month, {_SUMS} FROM dossier_rollup_monthly
                WHERE month BETWEEN ? AND ? AND office_id IN (SELECT value FROM json_each(?))
                GROUP BY office_id, month""", [first.isoformat()[:7], last.isoformat()[:7], *filters])
        for office_id, month, *counts in rows:
            label = periods.labels(dt.date.fromisoformat(month + "-01"))[query.period]
            _add(result, (office_id, label, True), dict(zip(COLUMNS, counts, strict=True)))
        edges = [(query.start, first - dt.timedelta(days=1)), (last + dt.timedelta(days=1), query.end)]
    for start, end in edges:
        if start > end:
            continue
        rows = db.execute(
            f"""SELECT office_id, day, {_SUMS} FROM dossier_rollup_daily
                WHERE day BETWEEN ? AND ? AND office_id IN (SELECT value FROM json_each(?))
                GROUP BY office_id, day""", [start.isoformat(), end.isoformat(), *filters])
        for office_id, day, *counts in rows:
            moment = dt.date.fromisoformat(day)
            label = periods.labels(moment)[query.period]
            _add(result, (office_id, label, moment < today), dict(zip(COLUMNS, counts, strict=True)))
    return result


def _whole_past_months(start, end):
    """First and last day of the whole months inside [start, end], or (None, None)."""
    if end < start:
        return None, None
    first = start if start.day == 1 else periods.shift("month", start, 1)
    after = periods.shift("month", end, 1)
    last = end if end + dt.timedelta(days=1) == after else periods.start("month", end) - dt.timedelta(days=1)
    return (first, last) if first <= last else (None, None)


def _add(grouped, key, counts):
    bucket = grouped.setdefault(key, {})
    for name, n in counts.items():
        bucket[name] = bucket.get(name, 0) + (n or 0)


def _rate(numerator, denominator):
    return round(numerator / denominator, 4) if denominator else None


def _rows(tree, query, order, grouped):
    position = {target: index for index, target in enumerate(order)}
    rows = []
    for (target, label), counts in sorted(grouped.items(), key=lambda item: (position[item[0][0]], item[0][1])):
        values = {name: counts.get(name, 0) for name in ("received", "returned", "returned_on_time", "late",
                                                          "apologised", "apologised_in_time", "rated")}
        if not any(values.values()):
            continue
        office = tree.by_id[target[0]]
        first = periods.start_of_label(query.period, label)
        rows.append({
            "office": office.code, "office_name": office.name, "part": target[1], "period": label,
            "period_start": first.isoformat(), "partial": stats.is_partial(query, first), **values,
            "response_rate": _rate(values["rated"], values["returned"]),
            "on_time_rate": _rate(values["returned_on_time"], values["returned"]),
            "apology_rate": _rate(values["apologised_in_time"], values["late"]),
        })
    return rows
