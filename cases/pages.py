"""The cases pages of the dashboards: /dashboard/cases (open, overdue, answered, closed, by
office subtree and period) and a case's page (rating, comment, timeline, actions).

The actions are the API's (cases.service), posted from forms with the CSRF token and the
case's version; a reply is measured first and shown with its SMS cost before it is sent.
"""

import datetime as dt

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from cases import service
from cases.service import OUTCOME_LABELS, OUTCOMES, CaseError
from dashboards import queries
from dashboards.app import csrf
from dashboards.formatting import language
from dashboards.web import security_headers, tree, user
from server.db import get_db, write_transaction
from server.timeutil import utcnow

bp = Blueprint("cases_pages", __name__, template_folder="templates", static_folder="static",
               static_url_path="/dashboard/cases-static")
bp.after_request(security_headers)
# Words of the pages in the reader's language (the dashboards' catalogue, English ids);
# the documents and the texts to citizens stay Vietnamese (cases.service).
TABS = (("open", _l("Open")), ("overdue", _l("Overdue")), ("answered", _l("Answered")), ("closed", _l("Closed")))
EVENTS = {"opened": _l("Case opened"), "assigned": _l("Assigned"), "note": _l("Note"), "reply": _l("Reply sent by SMS"),
          "call": _l("Answered (phone / in person)"), "feedback": _l("The citizen said"), "reopened": _l("Reopened"),
          "closed": _l("Case closed"), "contact": _l("The citizen left a phone number"),
          "contact_wish": _l("The citizen answered by SMS")}
OUTCOME_NAMES = {"fixed": _l("Fixed"), "explained": _l("Explained"), "unverifiable": _l("Could not be verified"),
                 "unreachable": _l("Could not be reached"),
                 "rating_changed": _l("Closed by itself: the rating was changed to a satisfied level"),
                 "misuse": _l("Closed by itself: the rating was flagged as repeated taps (misuse)")}


@bp.before_request
def check_csrf():
    if request.method == "POST":
        csrf.protect()


def _filters():
    args = {key: value for key, value in request.args.items() if value != ""}
    status = args.pop("status", "open")
    args.pop("page", None)
    if status not in service.FILTER_STATUSES:
        abort(400, _("status: must be one of %(choices)s.", choices=", ".join(service.FILTER_STATUSES)))
    try:
        offices, _status, start, end = service_filters(args)
    except CaseError as problem:
        abort(problem.status, str(problem))
    return offices, status, start, end, args


def service_filters(args):
    from cases.api import parse_filters
    return parse_filters({k: v for k, v in args.items() if k in ("office", "from", "to", "cursor")}, tree(), user())


@bp.get("/dashboard/cases")
@login_required
def case_list():
    offices, status, start, end, args = _filters()
    db, now = get_db(), utcnow()
    try:
        found, following = service.list_cases(db, offices, status, start, end, now, args.get("cursor"))
    except CaseError as problem:
        abort(problem.status, str(problem))
    counts = service.counts(db, offices, start, end, now)
    base = {k: v for k, v in args.items() if k != "cursor"}
    return render_template("cases/list.html", cases=found, status=status, counts=counts, tabs=TABS, args=base,
                           following=following, offices=queries.offices_for_picker(tree(), user(), "current"),
                           chosen_office=args.get("office", ""), start=start or "", end=end or "",
                           outcomes=_outcomes(OUTCOME_LABELS), outcome_choices=_outcomes(OUTCOMES), now=now)


def _case_in_scope(case_id):
    db, now = get_db(), utcnow()
    case = service.get_case(db, case_id, now) if 0 < case_id < 2 ** 63 else None
    if case is None or not service.may_see(tree(), user(), case["_office_id"]):
        abort(404)
    return case


def _assignable(case):
    rows = get_db().execute("""SELECT id, username, role, office_id FROM users
                               WHERE disabled = 0 AND role IN ('admin', 'supervisor') ORDER BY username""")
    people = [dict(zip(("id", "username", "role", "office_id"), row, strict=True)) for row in rows]
    return [p["username"] for p in people if service.may_act(tree(), p, case["_office_id"])]


@bp.get("/dashboard/cases/<int:case_id>")
@login_required
def case_page(case_id, preview=None, draft=""):
    case = _case_in_scope(case_id)
    db = get_db()
    asked = db.execute("SELECT feedback_asked_at FROM cases WHERE id = ?", [case_id]).fetchone()[0]
    rules = current_app.extensions["cases"]
    return render_template("cases/case.html", case=case, events=service.timeline(db, case_id), names=EVENTS,
                           outcomes=_outcomes(OUTCOME_LABELS), outcome_choices=_outcomes(OUTCOMES),
                           assignable=_assignable(case),
                           can_act=service.may_act(tree(), user(), case["_office_id"]),
                           has_sms=current_app.extensions.get("sms") is not None, preview=preview, draft=draft,
                           will_ask=asked is None, question=service.FEEDBACK_QUESTION,
                           max_segments=rules.max_segments, reasons=_reason_labels())


def _reason_labels():
    lang = language()
    return {reason.code: reason.labels.get(lang, reason.labels["vi"])
            for reason in current_app.extensions["scale"].reasons}


def _outcomes(labels):
    """Outcomes (cases.service.OUTCOMES or OUTCOME_LABELS) named in the reader's language."""
    return {code: str(OUTCOME_NAMES.get(code, label)) for code, label in labels.items()}


def _act(case_id, do, done):
    """Run an action in a write transaction; flash what happened or why not; back to the case."""
    db = get_db()
    try:
        with write_transaction(db):
            do(db)
    except CaseError as problem:
        message = str(problem)
        if problem.status == 409 and "changed meanwhile" in message:
            message = _("Someone else has just updated this case; the page shows it now, please do it again.")
        flash(message, "error")
    else:
        flash(done, "ok")
    return redirect(url_for("cases_pages.case_page", case_id=case_id))


def _version():
    value = request.form.get("version", "")
    return int(value) if value.isascii() and value.isdigit() and 0 < int(value) < 2 ** 63 else None


@bp.post("/dashboard/cases/<int:case_id>/update")
@login_required
def update(case_id):
    _case_in_scope(case_id)
    form = request.form
    body = {"version": _version()}
    action = form.get("action")
    if action == "assign":
        body["assignee"] = form.get("assignee") or None
        done = _("Assigned.")
    elif action == "note":
        body = {"note": form.get("note", "")}
        done = _("Note added.")
    elif action == "call":
        body.update(status="answered", note=form.get("note", ""))
        done = _("The answer to the citizen is recorded.")
    elif action == "close":
        body.update(status="closed", outcome=form.get("outcome", ""))
        if form.get("note", "").strip():
            body["note"] = form["note"]
        done = _("Case closed.")
    elif action == "reopen":
        body.update(status="open")
        done = _("Case reopened.")
    else:
        abort(400, _("action: not an action on a case."))
    body = {key: value for key, value in body.items() if value is not None or key == "assignee"}

    def do(db):
        changes = service.parse_changes(body)
        service.update(db, tree(), current_app.extensions["cases"], user(), case_id, changes, utcnow())
    return _act(case_id, do, done)


@bp.post("/dashboard/cases/<int:case_id>/reply")
@login_required
def reply(case_id):
    case = _case_in_scope(case_id)
    text = request.form.get("text", "")
    channel, rules = current_app.extensions.get("sms"), current_app.extensions["cases"]
    if request.form.get("confirm") != "1":  # first the cost, then the sending
        if channel is None:
            flash(_("This server has no SMS channel."), "error")
            return redirect(url_for("cases_pages.case_page", case_id=case_id))
        asked = get_db().execute("SELECT feedback_asked_at FROM cases WHERE id = ?", [case_id]).fetchone()[0]
        try:
            checked, size = service.check_reply({"text": text}, rules, channel.measure, asked is None)
        except CaseError as problem:
            flash(str(problem), "error")
            return case_page(case_id, draft=text)
        return case_page(case_id, preview={"text": checked, "segments": size.segments, "encoding": size.encoding,
                                           "units": size.units}, draft=checked)

    def do(db):
        service.reply(db, tree(), rules, user(), case_id, {"text": text, "version": _version()}, utcnow(), channel)
    if not current_user.is_authenticated:
        abort(401)
    return _act(case["id"], do, _("The reply is queued to be sent (outside quiet hours)."))


def overdue_days(case, now):
    """Whole days a case is past due (for the list), 0 when it is not."""
    if not case["overdue"]:
        return 0
    from server.timeutil import from_stored
    return max(0, (now - from_stored(case["due_at"])) // dt.timedelta(days=1))
