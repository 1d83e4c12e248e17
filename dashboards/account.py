"""The user's own page: who they are, their open sessions, a new password, log out everywhere."""

from flask import current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user

from dashboards import accounts
from dashboards.web import bp, page, tree
from server import accounts as user_accounts
from server import audit, auth
from server.db import get_db, write_transaction
from server.timeutil import utcnow


def _idle_hours():
    return current_app.config["SESSION_IDLE_HOURS"]


@bp.get("/dashboard/account")
@login_required
def account():
    db = get_db()
    office = tree().by_id.get(current_user.office_id) if current_user.office_id is not None else None
    return page("account.html", office=office, idle_hours=f"{_idle_hours():g}",
                sessions=accounts.live_sessions(db, current_user.id, utcnow(), _idle_hours()),
                this_session=current_user.session_id)


@bp.post("/dashboard/account/password")
@login_required
def change_password():
    db, form, now = get_db(), request.form, utcnow()
    row = accounts.user_row(db, user_id=current_user.id)
    new = form.get("new_password", "")
    if not auth.check_password(row["password_hash"], form.get("password", "")[:user_accounts.MAX_PASSWORD]):
        flash(_("Your current password is not right; nothing was changed."), "error")
    elif new != form.get("repeat_password", ""):
        flash(_("The two new passwords differ; nothing was changed."), "error")
    else:
        try:
            with write_transaction(db):
                user_accounts.set_password(db, current_user.id, new)
                ended = accounts.end_sessions(db, current_user.id, now, "password", keep=current_user.session_id)
                audit.record(db, current_user.username, "user.password", f"user:{current_user.username}",
                             {"other_sessions_ended": ended}, current_user.office_id)
        except user_accounts.AccountError as problem:
            flash(_(problem.message, **problem.params), "error")
        else:
            flash(_("Password changed; your other sessions were logged out."), "ok")
    return redirect(url_for("dashboards.account"))


@bp.post("/dashboard/account/logout-everywhere")
@login_required
def logout_everywhere():
    db = get_db()
    with write_transaction(db):
        ended = accounts.end_sessions(db, current_user.id, utcnow(), "everywhere")
        audit.record(db, current_user.username, "user.logout_everywhere", f"user:{current_user.username}",
                     {"sessions_ended": ended}, current_user.office_id)
    logout_user()
    return redirect(url_for("dashboards.login"))
