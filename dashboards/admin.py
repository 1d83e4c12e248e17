"""Admin pages: offices, counters, staff, kiosks, users and API tokens, from the web.

Only the admin role reaches them; an admin scoped to an office manages only its subtree.
Every change goes through the core's functions (server.offices, server.accounts) in one write
transaction; a rejected form says why and changes nothing. New kiosk and API tokens are
shown once, like on the command line.
"""

import functools

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from dashboards import accounts, queries
from dashboards.app import csrf
from dashboards.web import error_page, security_headers, tree
from server import accounts as user_accounts
from server import audit, offices, reorganisation, scope
from server.db import get_db, row_id, write_transaction
from server.offices import load_tree
from server.timeutil import utcnow

bp = Blueprint("admin", __name__, url_prefix="/admin", template_folder="templates")
bp.after_request(security_headers)
for code in (400, 403, 404):
    bp.register_error_handler(code, error_page)


@bp.before_request
@login_required
def admins_only():
    if current_user.role != "admin":
        abort(403)
    if request.method == "POST":
        csrf.protect()


def _user():
    return current_user.as_dict()


def _audit(action, target, details=None, office_id=None):
    """Record the admin's action in the audit log, in the change's own transaction."""
    audit.record(get_db(), current_user.username, action, target, details, office_id)


def _in_scope(office_id):
    # the request's one tree (dashboards.web.tree): the lists ask this once per row
    return scope.may_see(tree(), current_user, office_id)


def _office(code):
    """An office in the admin's scope by code, or OfficeError."""
    code = (code or "").strip().upper()
    if not code:
        raise offices.OfficeError(_("Choose an office."))
    try:
        row = offices.office_by_code(get_db(), code)
    except offices.OfficeError:
        if current_user.office_id is None:
            raise
        row = None  # a scoped admin learns no more about an unknown code than about another's
    if row is None or not _in_scope(row["id"]):
        raise offices.OfficeError(_("Office %(code)s is outside your scope.", code=code[:32]))
    return row


def form_action(view):
    """Run a POST's change; a domain error becomes a message and nothing is changed."""
    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        try:
            with write_transaction(get_db()):
                result = view(*args, **kwargs)
        except user_accounts.AccountError as problem:
            flash(_(problem.message, **problem.params), "error")
            return redirect(request.path)
        except (offices.OfficeError, ValueError) as problem:
            flash(str(problem), "error")
            return redirect(request.path)
        # A reorganisation recorded late: move the stored ratings it covers, in batches.
        report = reorganisation.reattribute(get_db())
        if report.moved or report.pending:
            flash(_("Ratings re-attributed: %(report)s.", report=str(report)), "ok")
        return result or redirect(request.path)
    return wrapped


def render(template, **context):
    tree = load_tree(get_db())
    for name in ("posted", "form_errors", "merge_posted", "merge_errors"):  # a form re-shown with its problems
        context.setdefault(name, {})
    return render_template(f"admin/{template}", offices=queries.offices_for_picker(tree, _user(), "current"),
                           **context)


@bp.get("/")
def index():
    return redirect(url_for("admin.office_list"))


@bp.get("/offices")
def office_list(**context):
    rows = [row for row in offices.list_offices(get_db()) if _in_scope(offices.office_by_code(get_db(),
                                                                                              row["code"])["id"])]
    return render("offices.html", rows=rows, kinds=offices.KINDS, **context)


def _merge_problems(form):
    """What the merge form lacks, by field, in the reader's language (reorganisation.merge
    refuses the same cases; this says them under the fields before anything is tried)."""
    problems = {}
    for field, message in (("old", _("Choose the office that is merged away.")),
                           ("new", _("Choose the office it is merged into."))):
        try:
            _office(form.get(field))
        except offices.OfficeError as problem:
            problems[field] = message if not (form.get(field) or "").strip() else str(problem)
    if not problems and form["old"].strip().upper() == form["new"].strip().upper():
        problems["new"] = _("An office cannot be merged into itself: choose the office that takes it over.")
    if not form.get("effective"):
        problems["effective"] = _("Give the first day the merger takes effect.")
    return problems


@bp.post("/offices")
@form_action
def office_change():
    db, form = get_db(), request.form
    if form.get("action") == "merge":
        problems = _merge_problems(form)
        if problems:  # the form again, its fields as posted and marked; nothing is changed
            return office_list(merge_posted=form, merge_errors=problems), 400
        old, new = _office(form.get("old")), _office(form.get("new"))
        reorganisation.merge(db, old["code"], new["code"], form.get("effective", ""), current_user.username)
        _audit("office.merge", f"office:{old['code']}", {"into": new["code"], "effective": form["effective"]},
               old["id"])
        flash(_("Office %(old)s merged into %(new)s.", old=old["code"], new=new["code"]), "ok")
        return None
    parent = form.get("parent") or None
    if parent is None and current_user.office_id is not None:
        raise offices.OfficeError(_("Choose a parent office in your scope."))
    if parent:
        _office(parent)
    opened = form.get("effective") or None
    if opened:
        reorganisation.check_day(opened)
    office_id = offices.add_office(db, form.get("code"), form.get("name"), parent, form.get("kind", "commune"), opened)
    _audit("office.add", f"office:{form['code'].strip().upper()}",
           {"name": form["name"].strip(), "parent": parent.upper() if parent else None,
            "kind": form.get("kind", "commune"), "effective": opened}, office_id)
    flash(_("Office %(code)s added.", code=form.get("code", "").upper()), "ok")
    return None


@bp.get("/offices/<code>")
def office_page(code):
    """One office: where it stands, its kiosks, its history, and the changes an admin can record."""
    try:
        office = _office(code)
    except offices.OfficeError:
        abort(404)
    tree = load_tree(get_db())
    kiosks = [k for k in offices.list_kiosks(get_db()) if k["office"] == office["code"] and not k["revoked_at"]]
    parent = tree.by_id[office["parent_id"]].code if office["parent_id"] else None
    successor = tree.by_id[tree.successor(office["id"])].code if office["merged_into"] else None
    return render("office.html", office=office, parent=parent, successor=successor, kiosks=kiosks,
                  history=reorganisation.history(get_db(), office["code"]))


@bp.post("/offices/<code>")
@form_action
def office_reorganise(code):
    db, form, office = get_db(), request.form, _office(code)
    action, effective = form.get("action"), form.get("effective", "")
    if action == "move":
        parent = _office(form.get("parent"))
        reorganisation.move(db, office["code"], parent["code"], effective, current_user.username)
        _audit("office.move", f"office:{office['code']}", {"parent": parent["code"], "effective": effective},
               office["id"])
        flash(_("Office %(code)s moved under %(parent)s.", code=office["code"], parent=parent["code"]), "ok")
    elif action == "rename":
        reorganisation.rename(db, office["code"], form.get("name", ""), effective, current_user.username)
        _audit("office.rename", f"office:{office['code']}", {"name": form["name"].strip(), "effective": effective},
               office["id"])
        flash(_("Office %(code)s renamed.", code=office["code"]), "ok")
    elif action == "close":
        later = reorganisation.close(db, office["code"], effective, current_user.username)
        _audit("office.close", f"office:{office['code']}", {"effective": effective}, office["id"])
        flash(_("Office %(code)s closed; %(n)s ratings stored for later days stay under it.", code=office["code"],
                n=later), "ok")
    elif action == "kiosk_move":
        kiosk_id, target = row_id(form.get("kiosk")), _office(form.get("office"))
        if kiosk_id not in {k["id"] for k in offices.list_kiosks(db) if k["office"] == office["code"]}:
            raise offices.OfficeError(_("Choose a kiosk of this office."))
        reorganisation.move_kiosk(db, kiosk_id, target["code"], form.get("counter", ""), effective,
                                  current_user.username)
        _audit("kiosk.move", f"kiosk:{kiosk_id}", {"office": target["code"], "counter": form.get("counter"),
                                                  "effective": effective}, target["id"])
        flash(_("Kiosk %(id)s moved to %(office)s.", id=kiosk_id, office=target["code"]), "ok")
    else:
        abort(400)


@bp.get("/staff")
def staff_list():
    db = get_db()
    staff = [dict(zip(("id", "code", "name", "office", "office_id", "active", "counter"), row, strict=True))
             for row in db.execute("""SELECT s.id, s.code, s.name, o.code, o.id, s.active,
                                        (SELECT group_concat(c.label, ', ') FROM counters c WHERE c.staff_id = s.id)
                                      FROM staff s JOIN offices o ON o.id = s.office_id ORDER BY o.code, s.code""")]
    counters = [dict(zip(("id", "office", "office_id", "label", "staff"), row, strict=True))
                for row in db.execute("""SELECT c.id, o.code, o.id, c.label, s.code FROM counters c
                                         JOIN offices o ON o.id = c.office_id LEFT JOIN staff s ON s.id = c.staff_id
                                         ORDER BY o.code, c.label""")]
    web = "rating_links" in current_app.extensions  # the web channel: each counter's page and poster
    if web:
        from web.pages import counter_url
        from web.storage import counter_code

        for counter in counters:
            code = counter_code(db, counter["id"])
            counter["web_url"] = counter_url(current_app.config, code) if code else None
    here = tree()  # the request's, which _in_scope reads too
    counters = [c for c in counters if _in_scope(c["office_id"])]
    near = {}  # per counter office: the offices of its subtrees and its successor's, where its officers are
    for counter in counters:  # the picker: active officers who may serve at this counter (offices.officer_serves)
        office_id = counter["office_id"]
        if office_id not in near:
            near[office_id] = {o for place in {office_id, here.successor(office_id)}
                               for structure in ("current", "historical") for o in here.subtree(place, structure)}
        counter["officers"] = [s for s in staff if (s["active"] or s["code"] == counter["staff"])
                               and s["office_id"] in near[office_id]
                               and offices.officer_serves(here, s["office_id"], office_id)]
    return render("staff.html", staff=[s for s in staff if _in_scope(s["office_id"])], counters=counters, web=web)


def _counter_code(counter_id):
    """(office name, counter label, public code) of a counter in scope; its code is made on first use."""
    if "rating_links" not in current_app.extensions:
        abort(404)
    from web.storage import ensure_counter_code

    db = get_db()
    found = db.execute("SELECT c.office_id, o.name, c.label FROM counters c JOIN offices o ON o.id = c.office_id "
                       "WHERE c.id = ?", [counter_id]).fetchone()
    if found is None or not _in_scope(found[0]):
        abort(404)
    with write_transaction(db):
        code = ensure_counter_code(db, counter_id, utcnow())
    return found[1], found[2], code


@bp.get("/counters/<int:counter_id>/rating-page")
def counter_rating_page(counter_id):
    from web.pages import counter_url

    return redirect(counter_url(current_app.config, _counter_code(counter_id)[2]))


@bp.get("/counters/<int:counter_id>/poster.pdf")
def counter_poster(counter_id):
    from web.pages import counter_url
    from web.poster import poster_pdf
    from web.texts import WEB_TEXTS

    office, label, code = _counter_code(counter_id)
    size = request.args.get("size", "A4")
    if size not in ("A4", "A5"):
        abort(400, _("size: the poster is printed on A4 or A5."))
    texts = WEB_TEXTS["vi"]
    pdf = poster_pdf(counter_url(current_app.config, code), office, label, texts["poster_instruction"],
                     texts["poster_or"], size)
    response = current_app.response_class(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f"attachment; filename=poster-{counter_id}-{size}.pdf"
    return response


@bp.post("/staff")
@form_action
def staff_change():
    db, form = get_db(), request.form
    action = form.get("action")
    if action == "add_counter":
        office = _office(form.get("office"))
        label = (form.get("label") or "").strip()
        known = db.execute("SELECT 1 FROM counters WHERE office_id = ? AND label = ?", [office["id"], label]).fetchone()
        offices.ensure_counter(db, office["id"], label)
        if not known:
            _audit("counter.add", f"counter:{office['code']}/{label}", {}, office["id"])
        flash(_("Counter added."), "ok")
    elif action == "assign":
        counter_id = row_id(form.get("counter"))
        counter = db.execute("SELECT office_id FROM counters WHERE id = ?", [counter_id]).fetchone()
        staff = db.execute("SELECT id, office_id FROM staff WHERE code = ?", [form.get("staff", "").strip()]).fetchone()
        # Only an officer of the counter's office (subtree) may be put on duty there: ratings
        # at that counter are credited to them. Another office's officer reads as unknown.
        if staff is not None and counter is not None and not offices.officer_serves(load_tree(db), staff[1],
                                                                                      counter[0]):
            staff = None
        if counter is None or not _in_scope(counter[0]) or (form.get("staff") and staff is None):
            raise offices.OfficeError(_("Unknown counter or officer."))
        db["counters"].update(counter_id, {"staff_id": staff[0] if staff else None})
        code, label = db.execute("""SELECT o.code, c.label FROM counters c JOIN offices o ON o.id = c.office_id
                                    WHERE c.id = ?""", [counter_id]).fetchone()
        _audit("counter.assign", f"counter:{code}/{label}", {"staff": form.get("staff", "").strip() or None},
               counter[0])
        flash(_("Officer on duty changed."), "ok")
    elif action == "toggle":
        staff_id = row_id(form.get("staff_id"))
        row = db.execute("SELECT office_id, active, code FROM staff WHERE id = ?", [staff_id]).fetchone()
        if row is None or not _in_scope(row[0]):
            abort(404)
        db["staff"].update(staff_id, {"active": 0 if row[1] else 1})
        _audit("staff.deactivate" if row[1] else "staff.activate", f"staff:{row[2]}", {}, row[0])
    else:
        office = _office(form.get("office"))
        code, name = form.get("code", "").strip(), form.get("name", "").strip()
        if not code or not name:
            raise offices.OfficeError(_("An officer needs a code and a name."))
        offices.add_staff(db, code, name, office["code"], form.get("counter") or None)
        _audit("staff.add", f"staff:{code}", {"name": name, "office": office["code"],
                                              "counter": form.get("counter") or None}, office["id"])
        flash(_("Officer %(code)s added.", code=code), "ok")


@bp.get("/kiosks")
def kiosk_list():
    return render("kiosks.html", rows=_kiosk_rows(get_db()), new_token=None)


@bp.post("/kiosks")
def kiosk_add():
    db, form = get_db(), request.form
    problems = {}
    try:
        _office(form.get("office"))
    except offices.OfficeError as problem:
        problems["office"] = str(problem)
    if not (form.get("counter") or "").strip():
        problems["counter"] = _("Name the counter the kiosk stands at.")
    if problems:  # the form again, as posted, the fields marked; no kiosk is made
        return render("kiosks.html", rows=_kiosk_rows(db), new_token=None, posted=form, form_errors=problems), 400
    try:
        with write_transaction(db):
            office = _office(form.get("office"))
            kiosk_id, token, pairing = offices.add_kiosk(db, office["code"], form.get("counter"),
                                                         with_pairing_code=True)
            _audit("kiosk.add", f"kiosk:{kiosk_id}", {"office": office["code"], "counter": form.get("counter"),
                                                      "with_pairing_code": True}, office["id"])
    except offices.OfficeError as problem:
        flash(str(problem), "error")
        return redirect(request.path)
    return render("kiosks.html", rows=_kiosk_rows(db), new_token={"id": kiosk_id, "token": token, "pairing": pairing})


def _kiosk_rows(db):
    return [row for row in offices.list_kiosks(db) if _in_scope(offices.office_by_code(db, row["office"])["id"])]


@bp.post("/kiosks/<int:kiosk_id>/revoke")
@form_action
def kiosk_revoke(kiosk_id):
    row = get_db().execute("SELECT office_id FROM kiosks WHERE id = ?", [kiosk_id]).fetchone()
    if row is None or not _in_scope(row[0]):
        abort(404)
    offices.revoke_kiosk(get_db(), kiosk_id)
    _audit("kiosk.revoke", f"kiosk:{kiosk_id}", {}, row[0])
    flash(_("Kiosk %(id)s revoked: its next request is refused.", id=kiosk_id), "ok")
    return redirect(url_for("admin.kiosk_list"))


USER_FIELDS = ("id", "username", "role", "office_id", "office", "phone", "email", "disabled", "created_at")


def _users():
    rows = get_db().execute("""SELECT u.id, u.username, u.role, u.office_id, o.code, u.phone, u.email, u.disabled,
                                      u.created_at FROM users u LEFT JOIN offices o ON o.id = u.office_id
                               ORDER BY u.username""")
    users = [dict(zip(USER_FIELDS, row, strict=True)) for row in rows]
    offices_now = tree()
    for u in users:  # scoped to an office merged away: they see nothing current until re-scoped
        office = offices_now.by_id.get(u["office_id"])
        u["merged_scope"] = (office.code, offices_now.by_id[offices_now.successor(office.id)].code, office.merged_at) \
            if office is not None and office.merged_into is not None else None
    return [u for u in users if current_user.office_id is None or (u["office_id"] and _in_scope(u["office_id"]))]


@bp.get("/users")
def user_list():
    return render("users.html", users=_users(), roles=user_accounts.ROLES)


def _office_id(form):
    """The scope chosen in a user form: an office in the admin's own scope (or none)."""
    code = form.get("office") or None
    if code is None and current_user.office_id is not None and form.get("role") == "admin":
        raise ValueError(_("Choose an office in your scope."))
    return _office(code)["id"] if code else None


@bp.post("/users")
@form_action
def user_add():
    db, form = get_db(), request.form
    username = form.get("username", "").strip()
    user_id = user_accounts.add_user(db, username, form.get("role"), _office_id(form), form.get("password", ""),
                             form.get("phone"), form.get("email"))
    row = user_accounts.user(db, user_id)
    _audit("user.add", f"user:{row['username']}", {"role": row["role"], "office": form.get("office") or None,
                                                   "contacts": [name for name in ("phone", "email") if row[name]]},
           row["office_id"])
    flash(_("User %(name)s added.", name=row["username"]), "ok")


@bp.post("/users/<int:user_id>")
@form_action
def user_change(user_id):
    db, form = get_db(), request.form
    if user_id not in {u["id"] for u in _users()}:
        abort(404)
    role, disabled = form.get("role"), bool(form.get("disabled"))
    if user_id == current_user.id and (disabled or role != "admin"):
        raise ValueError(_("You cannot disable yourself or take away your own admin role."))
    before = user_accounts.user(db, user_id)
    office_id = _office_id(form)
    changed = user_accounts.update_user(db, user_id, role, office_id, form.get("phone"), form.get("email"), disabled,
                                password=form.get("password") or None)
    # A new password or a disabled account ends the user's sessions for good (an admin who
    # sets their own password keeps this session); re-enabling revives none of them.
    if "password" in changed or disabled:
        accounts.end_sessions(db, user_id, utcnow(), "disabled" if disabled else "password",
                              keep=current_user.session_id if user_id == current_user.id else None)
    if changed:
        _audit("user.change", f"user:{before['username']}",
               {"changed": changed, "role": role, "office": form.get("office") or None, "disabled": disabled},
               office_id)
    flash(_("User saved."), "ok")


@bp.post("/users/<int:user_id>/logout-everywhere")
@form_action
def user_logout_everywhere(user_id):
    target = next((u for u in _users() if u["id"] == user_id), None)
    if target is None:
        abort(404)
    ended = accounts.end_sessions(get_db(), user_id, utcnow(), "everywhere")
    _audit("user.logout_everywhere", f"user:{target['username']}", {"sessions_ended": ended}, target["office_id"])
    flash(_("%(name)s was logged out everywhere (%(n)s sessions).", name=target["username"], n=ended), "ok")
    return redirect(url_for("admin.user_list"))


@bp.get("/tokens")
def token_list():
    return render("tokens.html", tokens=_tokens(), users=_users(), new_token=None)


def _tokens():
    visible = {u["id"] for u in _users()}
    rows = get_db().execute("""SELECT t.id, u.id, u.username, t.created_at, t.last_used_at, t.revoked_at
                               FROM api_tokens t JOIN users u ON u.id = t.user_id ORDER BY t.id DESC""")
    keys = ("id", "user_id", "username", "created_at", "last_used_at", "revoked_at")
    return [dict(zip(keys, row, strict=True)) for row in rows if row[1] in visible]


@bp.post("/tokens")
def token_add():
    db = get_db()
    user_id = row_id(request.form.get("user"))
    if user_id not in {u["id"] for u in _users() if not u["disabled"]}:
        abort(404)
    with write_transaction(db):
        token_id, token = user_accounts.create_token(db, user_id)
        owner = next(u for u in _users() if u["id"] == user_id)
        _audit("token.create", f"user:{owner['username']}", {"token_id": token_id}, owner["office_id"])
    return render("tokens.html", tokens=_tokens(), users=_users(), new_token=token)


@bp.post("/tokens/<int:token_id>/revoke")
@form_action
def token_revoke(token_id):
    token = next((t for t in _tokens() if t["id"] == token_id), None)
    if token is None:
        abort(404)
    if user_accounts.revoke_token(get_db(), token_id):
        owner = next(u for u in _users() if u["id"] == token["user_id"])
        _audit("token.revoke", f"user:{token['username']}", {"token_id": token_id}, owner["office_id"])
    flash(_("Token revoked."), "ok")
    return redirect(url_for("admin.token_list"))


AUDIT_PAGE = 50
MAX_AUDIT_PAGE = 1_000_000


@bp.get("/audit")
def audit_log():
    """Admin actions, newest first, filtered by action and actor; a scoped admin reads its subtree's."""
    db = get_db()
    scope = None
    if current_user.office_id is not None:
        tree = load_tree(db)
        scope = tree.subtree(current_user.office_id, "current") | tree.subtree(current_user.office_id, "historical")
    action, actor = request.args.get("action") or None, request.args.get("actor") or None
    page = request.args.get("page", "1")
    if not page.isascii() or not page.isdigit() or not 1 <= int(page[:7]) <= MAX_AUDIT_PAGE or len(page) > 7:
        abort(400, _("page: must be a whole number from 1 to %(n)s.", n=MAX_AUDIT_PAGE))
    page = int(page)
    rows = audit.entries(db, action, actor, scope, limit=AUDIT_PAGE + 1, offset=(page - 1) * AUDIT_PAGE)
    return render("audit.html", entries=rows[:AUDIT_PAGE], more=len(rows) > AUDIT_PAGE, page=page,
                  action=action, actor=actor, actions=audit.distinct(db, "action", scope),
                  actors=audit.distinct(db, "actor", scope))
