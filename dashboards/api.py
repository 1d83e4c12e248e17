"""GET /api/v1/alerts: the alerts a user may see and their acknowledgements, for machines.

Scoped like every figure (an office's subtree, or everything for an unscoped user), filtered
by office, status and the local day raised, paged by cursor (`after`, `limit` up to 5,000) in
the order the alerts were stored. Deliveries name the supervisor and the channel, never a
phone number or an address.
"""

import datetime as dt
import json

from flask import Blueprint, current_app, g, jsonify, request

from server import params, scope, stats
from server.api import error, user_required
from server.db import get_db
from server.offices import load_tree
from server.timeutil import to_stored, utcnow

bp = Blueprint("dashboards_api", __name__, url_prefix="/api/v1")
MAX_LIMIT = 5000
STATUSES = ("all", "open", "acknowledged")


def _integer(name, default, lowest, highest):
    value = request.args.get(name)
    if value is None or value == "":
        return default
    if not value.isascii() or not value.isdigit() or not lowest <= int(value) <= highest:
        raise params.ParamError(name, f"must be a whole number from {lowest} to {highest}")
    return int(value)


@bp.get("/alerts")
@user_required
def list_alerts():
    db = get_db()
    tree = load_tree(db)
    timezone = current_app.extensions["timezone"]
    try:
        status = request.args.get("status", "all")
        if status not in STATUSES:
            raise params.ParamError("status", f"must be one of {', '.join(STATUSES)}")
        start, end = params.date(request.args, "from"), params.date(request.args, "to")
        if start and end and start > end:
            raise params.ParamError("from", "must not be after to")
        after, limit = _integer("after", 0, 0, 2**63 - 1), _integer("limit", 1000, 1, MAX_LIMIT)
        office = request.args.get("office")
        if office is not None and not office.strip():
            raise params.ParamError("office", "must be an office code")
        query = stats.StatsQuery(office=office.strip().upper() if office else None, period="day",
                                 start=dt.date.min, end=dt.date.max, channel="all", breakdown="none",
                                 include_misuse=False, structure="current")
        ids = set()
        for base in stats.base_offices(tree, query, g.user):
            ids |= tree.subtree(base, "current")
    except params.ParamError as problem:
        return error(400, str(problem))
    except scope.OutOfScope as problem:
        return error(403, str(problem))
    condition = {"all": "1", "open": "a.acknowledged_at IS NULL", "acknowledged": "a.acknowledged_at IS NOT NULL"}
    # Local days as stored UTC moments: raised_at compares as text in the stored format.
    lowest = to_stored(dt.datetime.combine(start, dt.time(), timezone)) if start else ""
    highest = to_stored(dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), timezone)) if end else "~"
    rows = db.execute(
        f"""SELECT a.id, a.rule, o.code, o.name, a.kiosk_id, a.raised_at, a.details, a.delivery,
                   a.acknowledged_at, u.username, a.ack_comment
            FROM alerts a JOIN offices o ON o.id = a.office_id LEFT JOIN users u ON u.id = a.acknowledged_by
            WHERE a.id > ? AND {condition[status]} AND a.office_id IN (SELECT value FROM json_each(?))
              AND a.raised_at >= ? AND a.raised_at < ?
            ORDER BY a.id LIMIT ?""", [after, json.dumps(sorted(ids)), lowest, highest, limit + 1])
    alerts = []
    for row in rows:
        alerts.append({
            "id": row[0], "rule": row[1], "office": row[2], "office_name": row[3], "kiosk_id": row[4],
            "raised_at": row[5], "details": json.loads(row[6]),
            "deliveries": [{k: d.get(k) for k in ("user", "channel", "status", "error")}
                           for d in (json.loads(row[7]) if row[7] else [])],
            "acknowledgement": None if row[8] is None else {"at": row[8], "by": row[9], "comment": row[10]},
        })
    more = len(alerts) > limit
    alerts = alerts[:limit]
    return jsonify({"alerts": alerts, "next": str(alerts[-1]["id"]) if more and alerts else None,
                    "server_time": utcnow().isoformat()})
