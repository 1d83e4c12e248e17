"""The dossier pages of the dashboards: late dossiers with the apology action, the apology
form as Word and PDF, and the integrity of kiosk ratings."""

import datetime as dt

from flask import Blueprint, Response, abort, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from dashboards import queries
from dashboards.app import csrf
from dashboards.web import office_in_scope, page, security_headers, today, tree, user, view_filters
from dossiers import apology, documents, integrity, storage, summary
from server import scope
from server.db import get_db, write_transaction
from server.documents import DOCX_TYPE
from server.stats import parse_query
from server.timeutil import from_stored, to_stored, utcnow

bp = Blueprint("dossiers_pages", __name__, template_folder="templates")
bp.after_request(security_headers)
LATE_SHOWN = 200


@bp.before_request
def check_csrf():
    if request.method == "POST":
        csrf.protect()


def _dossier_in_scope(code):
    row = storage.dossier(get_db(), code)
    if row is None or not scope.may_see(tree(), user(), row["office_id"]):
        abort(404)
    return row


@bp.get("/dashboard/dossiers/late")
@login_required
def late():
    filters = view_filters()
    timezone, now = current_app.extensions["timezone"], utcnow()
    office_ids = queries.subtree_ids(tree(), user(), filters)
    first = to_stored(dt.datetime.combine(filters.start, dt.time(), timezone))
    last = to_stored(dt.datetime.combine(filters.end + dt.timedelta(days=1), dt.time(), timezone))
    rows = storage.late_dossiers(get_db(), office_ids, first, last, to_stored(now), LATE_SHOWN + 1)
    for row in rows:
        row["office_name"] = tree().by_id[row["office_id"]].name
        promised = from_stored(row["promised_due_at"])
        row["days_late"] = ((from_stored(row["returned_at"]) if row["returned_at"] else now) - promised).days
        row["apology_state"] = ("none" if not row["apology_at"] else
                                "in_time" if row["apology_at"] <= row["promised_due_at"] else "late")
    return page("dossiers/late.html", filters=filters, dossiers=rows[:LATE_SHOWN],
                           more=len(rows) > LATE_SHOWN, totals=_totals(filters), today=today(),
                           offices=queries.offices_for_picker(tree(), user(), filters.structure),
                           can_act=current_user.role != "viewer")


def _totals(filters):
    """The period's late, apologised and on-time figures for the view, from the rollups."""
    query = parse_query(filters.stats_args(period="year", breakdown="none"), today(),
                        channels=current_app.extensions["channels"])
    rows = summary.summary_rows(get_db(), tree(), query, queries.stats_user(user()))
    totals = {name: sum(row[name] for row in rows) for name in ("late", "apologised_in_time", "returned",
                                                                "returned_on_time")}
    totals["apology_rate"] = totals["apologised_in_time"] / totals["late"] if totals["late"] else None
    totals["on_time_rate"] = totals["returned_on_time"] / totals["returned"] if totals["returned"] else None
    return totals


@bp.post("/dashboard/dossiers/<code>/apology")
@login_required
def record_apology(code):
    _dossier_in_scope(code)
    body = {"new_due_at": request.form.get("new_due_at", ""), "reason": request.form.get("reason", "")}
    db = get_db()
    try:
        with write_transaction(db):
            apology.record(db, current_app.extensions["dossier_events"], tree(), user(), code, body, utcnow(),
                           current_app.extensions.get("sms_send"))
    except apology.ApologyError as problem:
        flash(str(problem), "error")
    else:
        flash(_("Apology recorded for dossier %(code)s.", code=code), "ok")
    return redirect(request.referrer if (request.referrer or "").startswith(request.host_url)
                    else url_for("dossiers_pages.late"))


def _context(code):
    row = _dossier_in_scope(code)
    return apology.document_context(get_db(), tree(), row, current_app.extensions["timezone"], utcnow())


@bp.get("/dashboard/dossiers/<code>/apology.docx")
@login_required
def apology_docx(code):
    body = documents.docx_bytes(_context(code))
    return Response(body, mimetype=DOCX_TYPE,
                    headers={"Content-Disposition": f"attachment; filename=phieu-xin-loi-{_safe(code)}.docx"})


@bp.get("/dashboard/dossiers/<code>/apology.pdf")
@login_required
def apology_pdf(code):
    body = documents.pdf_bytes(_context(code))
    return Response(body, mimetype="application/pdf",
                    headers={"Content-Disposition": f"attachment; filename=phieu-xin-loi-{_safe(code)}.pdf"})


def _safe(code):
    return "".join(ch if ch.isascii() and (ch.isalnum() or ch in "-_") else "_" for ch in code)[:64]


@bp.get("/dashboard/integrity")
@login_required
def integrity_page():
    filters = view_filters()
    db = get_db()
    if filters.office:
        office_in_scope(filters.office)
    counters = integrity.counter_report(db, tree(), queries.subtree_ids(tree(), user(), filters), filters.start,
                                        filters.end, current_app.config, current_app.extensions["scale"])
    return page("dossiers/integrity.html", filters=filters, counters=counters,
                           offices=queries.offices_for_picker(tree(), user(), filters.structure),
                           p_value=current_app.config["DOSSIER_SHIFT_P_VALUE"],
                           match_minutes=current_app.config["DOSSIER_MATCH_MINUTES"])
