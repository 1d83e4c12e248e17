"""The dossier system's API under /api/v1/dossiers: events in; summary, late list, apologies out."""

from flask import Blueprint, current_app, g, jsonify, request

from dossiers import apology, storage, summary
from server.api import error, json_body, user_required
from server.db import get_db, write_transaction
from server.offices import load_tree
from server.params import ParamError
from server.scope import OutOfScope
from server.stats import parse_query
from server.timeutil import local_today, to_stored, utcnow

bp = Blueprint("dossiers_api", __name__, url_prefix="/api/v1/dossiers")
MAX_EVENTS = 500
MAX_LATE_PAGE = 1000


def is_integration(db, user):
    """Whether this request carries an integration token (`flask dossiers integration-token`)."""
    token_id = user.get("token_id")
    return token_id is not None and db.execute(
        "SELECT 1 FROM dossier_integrations WHERE token_id = ?", [token_id]).fetchone() is not None


@bp.post("/events")
@user_required
def post_events():
    db, user = get_db(), g.user
    if user["role"] != "admin" and not is_integration(db, user):
        return error(403, "dossier events come from the dossier system: use an integration token "
                          "(flask --app server dossiers integration-token USER)")
    items = json_body().get("events")
    if not isinstance(items, list):
        return error(400, "events: must be a list of event objects")
    if len(items) > MAX_EVENTS:
        return error(400, f"events: at most {MAX_EVENTS} per request")
    engine, now = current_app.extensions["dossier_events"], utcnow()
    with write_transaction(db):
        results = engine.store(db, load_tree(db), user, items, now)
    return jsonify({"results": results})


def _query():
    return parse_query(request.args, local_today(current_app.extensions["timezone"]),
                       channels=current_app.extensions["channels"])


@bp.get("/summary")
@user_required
def get_summary():
    db = get_db()
    try:
        rows = summary.summary_rows(db, load_tree(db), _query(), g.user)
    except ParamError as problem:
        return error(400, str(problem))
    except OutOfScope as problem:
        return error(403, str(problem))
    return jsonify({"rows": rows})


@bp.get("/late")
@user_required
def get_late():
    db, now = get_db(), utcnow()
    try:
        query = _query()
        tree = load_tree(db)
        from server import stats
        bases = stats.base_offices(tree, query, g.user)
    except ParamError as problem:
        return error(400, str(problem))
    except OutOfScope as problem:
        return error(403, str(problem))
    try:
        limit = int(request.args.get("limit", "100"))
    except ValueError:
        return error(400, "limit: must be a whole number")
    if not 1 <= limit <= MAX_LATE_PAGE:
        return error(400, f"limit: must be from 1 to {MAX_LATE_PAGE}")
    after = request.args.get("after")
    cursor = tuple(after.split("|", 1)) if after and "|" in after else None
    if after and cursor is None:
        return error(400, "after: must be the `next` value of the previous page")
    office_ids = {o for base in bases for o in tree.subtree(base, query.structure)}
    timezone = current_app.extensions["timezone"]
    first = to_stored(_start_of(query.start, timezone))
    last = to_stored(_start_of(query.end, timezone, days=1))
    rows = storage.late_dossiers(db, office_ids, first, last, to_stored(now), limit + 1, cursor)
    page, more = rows[:limit], len(rows) > limit
    return jsonify({"dossiers": [_late_item(tree, row) for row in page],
                    "next": f"{page[-1]['promised_due_at']}|{page[-1]['code']}" if more else None})


def _start_of(day, timezone, days=0):
    import datetime as dt
    return dt.datetime.combine(day + dt.timedelta(days=days), dt.time(), timezone)


def _late_item(tree, row):
    apologised = row["apology_at"] is not None
    return {
        "dossier": row["code"], "office": tree.by_id[row["office_id"]].code, "service": row["service"],
        "received_at": row["received_at"], "promised_due_at": row["promised_due_at"], "due_at": row["due_at"],
        "returned_at": row["returned_at"], "status": row["status"],
        "apology": {"status": ("in_time" if row["apology_at"] <= row["promised_due_at"] else "late")
                    if apologised else "none",
                    "at": row["apology_at"], "new_due_at": row["apology_new_due_at"], "reason": row["apology_reason"]},
    }


@bp.post("/<code>/apology")
@user_required
def post_apology(code):
    db, now = get_db(), utcnow()
    engine = current_app.extensions["dossier_events"]
    try:
        with write_transaction(db):
            row = apology.record(db, engine, load_tree(db), g.user, code, json_body(), now,
                                 current_app.extensions.get("sms_send"))
    except apology.ApologyError as problem:
        return error(problem.status, str(problem))
    response = jsonify({
        "dossier": row["code"], "apology_at": row["apology_at"], "new_due_at": row["apology_new_due_at"],
        "sms_message_id": row["apology_message_id"],
        "documents": {"docx": f"/dashboard/dossiers/{row['code']}/apology.docx",
                      "pdf": f"/dashboard/dossiers/{row['code']}/apology.pdf"}})
    response.status_code = 201
    return response
