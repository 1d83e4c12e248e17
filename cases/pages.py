"""The cases pages of the dashboards: /dashboard/cases (open, overdue, answered, closed, by
office subtree and period) and a case's page (rating, comment, timeline, actions).

The actions are the API's (cases.service), posted from forms with the CSRF token and the
case's version; a reply is measured first and shown with its SMS cost before it is sent.
"""

import datetime as dt

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from cases import service
from cases.service import OUTCOME_LABELS, OUTCOMES, CaseError
from dashboards import queries
from dashboards.app import csrf
from dashboards.web import security_headers, tree, user
from server.db import get_db, write_transaction
from server.timeutil import utcnow

bp = Blueprint("cases_pages", __name__, template_folder="templates", static_folder="static",
               static_url_path="/dashboard/cases-static")
bp.after_request(security_headers)
TABS = (("open", "Đang mở"), ("overdue", "Quá hạn"), ("answered", "Đã trả lời"), ("closed", "Đã đóng"))
EVENTS = {"opened": "Mở phản ánh", "assigned": "Giao xử lý", "note": "Ghi chú", "reply": "Đã nhắn trả lời",
          "call": "Đã trả lời (gọi điện / trực tiếp)", "feedback": "Công dân cho biết", "reopened": "Mở lại",
          "closed": "Đóng", "contact": "Công dân để lại số điện thoại",
          "contact_wish": "Công dân trả lời qua SMS"}


@bp.before_request
def check_csrf():
    if request.method == "POST":
        csrf.protect()


def _filters():
    args = {key: value for key, value in request.args.items() if value != ""}
    status = args.pop("status", "open")
    args.pop("page", None)
    if status not in service.FILTER_STATUSES:
        abort(400, f"status: must be one of {', '.join(service.FILTER_STATUSES)}")
    try:
        offices, _, start, end = service_filters(args)
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
                           outcomes=OUTCOME_LABELS, outcome_choices=OUTCOMES, now=now)


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
                           outcomes=OUTCOME_LABELS, outcome_choices=OUTCOMES, assignable=_assignable(case),
                           can_act=service.may_act(tree(), user(), case["_office_id"]),
                           has_sms=current_app.extensions.get("sms") is not None, preview=preview, draft=draft,
                           will_ask=asked is None, question=service.FEEDBACK_QUESTION,
                           max_segments=rules.max_segments, reasons=_reason_labels())


def _reason_labels():
    return {reason.code: reason.labels.get("vi") for reason in current_app.extensions["scale"].reasons}


def _act(case_id, do, done):
    """Run an action in a write transaction; flash what happened or why not; back to the case."""
    db = get_db()
    try:
        with write_transaction(db):
            do(db)
    except CaseError as problem:
        message = str(problem)
        if problem.status == 409 and "changed meanwhile" in message:
            message = "Phản ánh vừa được người khác cập nhật; trang đã được tải lại, vui lòng thao tác lại."
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
        done = "Đã giao xử lý."
    elif action == "note":
        body = {"note": form.get("note", "")}
        done = "Đã ghi chú."
    elif action == "call":
        body.update(status="answered", note=form.get("note", ""))
        done = "Đã ghi nhận trả lời công dân."
    elif action == "close":
        body.update(status="closed", outcome=form.get("outcome", ""))
        if form.get("note", "").strip():
            body["note"] = form["note"]
        done = "Đã đóng phản ánh."
    elif action == "reopen":
        body.update(status="open")
        done = "Đã mở lại phản ánh."
    else:
        abort(400, "action: unknown")
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
            flash("Máy chủ không có kênh SMS.", "error")
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
    return _act(case["id"], do, "Đã xếp tin trả lời để gửi (ngoài giờ yên lặng).")


def overdue_days(case, now):
    """Whole days a case is past due (for the list), 0 when it is not."""
    if not case["overdue"]:
        return 0
    from server.timeutil import from_stored
    return max(0, (now - from_stored(case["due_at"])) // dt.timedelta(days=1))
