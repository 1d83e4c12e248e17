"""The cases API: GET /api/v1/cases, PATCH /api/v1/cases/<id>, POST /api/v1/cases/<id>/reply.

Viewers read the cases of their scope; supervisors of the case's office or above act on
them; admins everywhere. Every action is in the audit log, written in its transaction.
"""

import datetime as dt
import re

from flask import Blueprint, current_app, g, jsonify, request

from cases import service
from cases.service import CaseError
from server.api import json_body, user_required
from server.db import get_db, write_transaction
from server.offices import load_tree
from server.timeutil import utcnow

bp = Blueprint("cases_api", __name__, url_prefix="/api/v1")
FILTERS = ("office", "status", "from", "to", "cursor", "limit")


def _fail(problem):
    response = jsonify({"error": str(problem), **({"case": problem.case} if problem.case else {})})
    response.status_code = problem.status
    return response


def _day(name):
    value = request.args.get(name)
    if value is None:
        return None
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise CaseError(400, f"{name}: must be a date such as 2026-03-05") from None
    if not dt.date(2000, 1, 1) <= day <= dt.date(2099, 12, 31):
        raise CaseError(400, f"{name}: must be from 2000-01-01 to 2099-12-31")
    return day.isoformat()


def parse_filters(args, tree, user):
    """(office ids or None, status, from, to) of a list request, scoped to the user."""
    unknown = sorted(set(args) - set(FILTERS))
    if unknown:
        raise CaseError(400, f"{unknown[0][:40]}: unknown parameter (known: {', '.join(FILTERS)})")
    scope = service.scope_offices(tree, user)
    code = args.get("office")
    if code:
        office = tree.by_code.get(code.strip().upper())
        if office is None:
            raise CaseError(400, f"office: unknown office code {code[:40]!r}")
        if not service.may_see(tree, user, office.id):
            raise CaseError(403, f"office {office.code} is outside your scope")
        offices = service.everything_is_none(
            tree, tree.subtree(office.id, "current") | tree.subtree(office.id, "historical"))
    else:
        offices = scope
    status = args.get("status")
    if status is not None and status not in service.FILTER_STATUSES:
        raise CaseError(400, f"status: must be one of {', '.join(service.FILTER_STATUSES)}")
    start, end = _day("from"), _day("to")
    if start and end and start > end:
        raise CaseError(400, "from: must not be after to")
    return offices, status, start, end


@bp.get("/cases")
@user_required
def list_cases():
    db = get_db()
    try:
        offices, status, start, end = parse_filters(request.args, load_tree(db), g.user)
        limit = request.args.get("limit", str(service.PAGE_SIZE))
        if not re.fullmatch(r"[0-9]{1,4}", limit) or not 1 <= int(limit) <= service.MAX_PAGE_SIZE:
            raise CaseError(400, f"limit: must be a whole number from 1 to {service.MAX_PAGE_SIZE}")
        found, following = service.list_cases(db, offices, status, start, end, utcnow(),
                                              request.args.get("cursor"), int(limit))
    except CaseError as problem:
        return _fail(problem)
    return jsonify({"cases": [service.public(case) for case in found], "next": following})


def _case_id(value):
    if not 0 < value < 2 ** 63:
        raise CaseError(404, f"no case {value}")
    return value


@bp.patch("/cases/<int:case_id>")
@user_required
def patch_case(case_id):
    db = get_db()
    try:
        _case_id(case_id)
        changes = service.parse_changes(json_body())
        with write_transaction(db):
            case = service.update(db, load_tree(db), current_app.extensions["cases"], g.user, case_id, changes,
                                  utcnow())
    except CaseError as problem:
        return _fail(problem)
    return jsonify({"case": service.public(case)})


@bp.post("/cases/<int:case_id>/reply")
@user_required
def reply(case_id):
    db = get_db()
    try:
        _case_id(case_id)
        body = json_body()
        with write_transaction(db):
            message_id, case, size = service.reply(db, load_tree(db), current_app.extensions["cases"], g.user,
                                                   case_id, body, utcnow(), current_app.extensions.get("sms"))
    except CaseError as problem:
        return _fail(problem)
    return jsonify({"message_id": message_id, "segments": size.segments, "encoding": size.encoding,
                    "case": service.public(case)}), 202
