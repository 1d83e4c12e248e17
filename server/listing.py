"""Individual ratings for machines (GET /api/v1/ratings): scoped, filtered, paged by cursor.

No personal data: never a phone number (ratings carry none) nor a dossier reference, and the
comment only when asked with `include=comment` by a user whose role may read comments
(`auth.may_read_comments`). Ratings come in the order they were stored (the table's integer
key), so a client that keeps the last `next` cursor also picks up a kiosk's late batch of
older ratings on its next call.
"""

import csv
import datetime as dt
import io
import json
from dataclasses import dataclass

from server import auth, params, stats

MAX_LIMIT = 5000
DEFAULT_LIMIT = 1000
MISUSE = ("exclude", "include", "only")
FIELDS = ("id", "created_at", "local_day", "office", "counter", "staff", "channel", "score", "reasons", "service",
          "language", "misuse")


class Forbidden(PermissionError):
    pass


@dataclass(frozen=True)
class RatingsQuery:
    office: str | None
    start: dt.date
    end: dt.date
    channel: str
    misuse: str
    after: int
    limit: int
    comment: bool
    csv: bool
    structure: str = "current"  # ratings are stored under today's offices


def parse(args, today, user, channels):
    """A RatingsQuery from request parameters, or params.ParamError naming the bad one
    (Forbidden when `include=comment` comes from a role that may not read comments)."""
    start, end = params.date(args, "from"), params.date(args, "to")
    end = end or today
    start = start or end - dt.timedelta(days=29)
    if start > end:
        raise params.ParamError("from", "must not be after to")
    channel = params.channel(args, channels)
    misuse = args.get("misuse", "exclude")
    if misuse not in MISUSE:
        raise params.ParamError("misuse", f"must be one of {', '.join(MISUSE)}")
    after = _integer(args, "after", 0, 0, 2**63 - 1)
    limit = _integer(args, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT)
    include = {part.strip() for part in args.get("include", "").split(",") if part.strip()}
    if include - {"comment"}:
        raise params.ParamError("include", "must be comment (or left out)")
    if include and not auth.may_read_comments(user):
        raise Forbidden("include: comment needs the role admin or supervisor")
    output = args.get("format", "json")
    if output not in ("json", "csv"):
        raise params.ParamError("format", "must be json or csv")
    office = args.get("office")
    if office is not None and not office.strip():
        raise params.ParamError("office", "must be an office code")
    return RatingsQuery(office=office.strip().upper() if office else None, start=start, end=end, channel=channel,
                        misuse=misuse, after=after, limit=limit, comment=bool(include), csv=output == "csv")


def _integer(args, name, default, lowest, highest):
    value = args.get(name)
    if value is None or value == "":
        return default
    if not value.isascii() or not value.isdigit() or not lowest <= int(value) <= highest:
        raise params.ParamError(name, f"must be a whole number from {lowest} to {highest}")
    return int(value)


def office_ids(tree, query, user):
    """Every office whose ratings the answer may hold (the scope rule of the stats)."""
    bases = stats.base_offices(tree, query, user)
    ids = set()
    for base in bases:
        ids |= tree.subtree(base, "current")
    return ids


def ratings(db, tree, query, user):
    """(ratings as dicts, the cursor of the next page or None)."""
    ids = office_ids(tree, query, user)
    misuse = {"exclude": "r.misuse = 0", "include": "1", "only": "r.misuse = 1"}[query.misuse]
    rows = db.execute(
        f"""SELECT r.id, r.client_id, r.created_at, r.local_day, o.code, c.label, s.code, r.channel, r.score,
                   r.reasons, r.service, r.language, r.misuse, {'r.comment' if query.comment else 'NULL'}
            FROM ratings r JOIN offices o ON o.id = r.office_id
            LEFT JOIN counters c ON c.id = r.counter_id LEFT JOIN staff s ON s.id = r.staff_id
            WHERE r.id > ? AND r.local_day BETWEEN ? AND ? AND (? = 'all' OR r.channel = ?) AND {misuse}
              AND r.office_id IN (SELECT value FROM json_each(?))
            ORDER BY r.id LIMIT ?""",
        [query.after, query.start.isoformat(), query.end.isoformat(), query.channel, query.channel,
         json.dumps(sorted(ids)), query.limit + 1]).fetchall()
    more = len(rows) > query.limit
    rows = rows[:query.limit]
    result = []
    for row in rows:
        item = dict(zip(FIELDS, row[1:13], strict=True))
        item["reasons"] = json.loads(item["reasons"]) if item["reasons"] else []
        item["misuse"] = bool(item["misuse"])
        if query.comment:
            item["comment"] = row[13]
        result.append(item)
    return result, (str(rows[-1][0]) if more else None)


def as_csv(items, comment):
    """The ratings as CSV (reasons joined by `|`), one header row."""
    out = io.StringIO()
    writer = csv.writer(out)
    fields = (*FIELDS, "comment") if comment else FIELDS
    writer.writerow(fields)
    for item in items:
        writer.writerow(["|".join(item[f]) if f == "reasons" else
                         ("1" if item[f] else "0") if f == "misuse" else
                         "" if item[f] is None else item[f] for f in fields])
    return out.getvalue()
