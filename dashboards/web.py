"""What every dashboard page shares: the blueprint, login and CSRF guards, the current
user, the office tree and the filters of the URL, and the error pages."""

import dataclasses
import functools
import unicodedata
from urllib.parse import unquote, urlsplit

from flask import Blueprint, abort, current_app, g, make_response, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from dashboards import compression
from dashboards.app import csrf
from dashboards.filters import parse_filters
from dashboards.formatting import day
from server import scope
from server.db import get_db
from server.offices import load_tree
from server.params import ParamError
from server.timeutil import local_today

bp = Blueprint("dashboards", __name__, template_folder="templates", static_folder="static",
               static_url_path="/dashboard/static")


@bp.before_request
def check_csrf():
    if request.method == "POST":
        csrf.protect()


@bp.after_request
def security_headers(response):
    # Pages run only our own scripts: a comment that smuggled in a <script> could not run
    # even if escaping failed. Plotly sets inline styles, hence 'unsafe-inline' for styles.
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        "frame-ancestors 'none'; form-action 'self'")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if request.endpoint == "dashboards.static":
        # Static URLs carry the files' version (asset_version): a week in the cache is safe.
        response.headers["Cache-Control"] = "public, max-age=604800"
    elif current_user and current_user.is_authenticated:
        response.headers.setdefault("Cache-Control", "private, no-store")
    if g.get("filter_problems") and response.status_code == 200:
        response.status_code = g.filter_status  # the page with its form marked, not the figures asked for
    return compression.compress(response)


def today():
    return local_today(current_app.extensions["timezone"])


def user():
    return current_user.as_dict()


def tree():
    if "office_tree" not in g:
        g.office_tree = load_tree(get_db())
    return g.office_tree


def scope_office_code():
    """The office a user's whole view reports as: its own, or the top of a one-root tree."""
    office_id = user()["office_id"]
    if office_id is None:
        roots = tree().roots("current")
        office_id = roots[0] if len(roots) == 1 else None
    return tree().by_id[office_id].code if office_id is not None else None


def scale():
    return current_app.extensions["scale"]


def view_filters(strict=False, **defaults):
    """The URL's filters, with the office checked against the user's scope.

    A bad value (read by filters.parse_filters, the one owner of the rules) does not end in
    a bare error: the page is drawn again with its filter form, the field marked and said
    what is wrong in the reader's language, over the view without that value, answered 400
    (403 for an office outside the scope, known or not, as the office page answers). A
    download (`strict`) has no form to show: it answers the error page.
    """
    args = {**defaults, **request.args.to_dict()}
    channels = current_app.extensions["channels"]
    while True:
        try:
            filters = parse_filters(args, today(), channels=channels)
            break
        except ParamError as problem:
            if strict:
                abort(400, filter_message(problem))
            add_filter_problem(problem.param, filter_message(problem))
            # A range that cannot be read falls back to the default range, not half of it.
            dropped = ("from", "to", "preset") if problem.param in ("from", "to") else (problem.param,)
            args = {key: value for key, value in args.items() if key not in dropped}
    if filters.office:
        try:
            scope.visible_office(tree(), user(), filters.office)
        except scope.OutOfScope:
            if strict:
                abort(403)
            add_filter_problem("office", _("Outside your scope: no office %(code)s that your account may see.",
                                           code=filters.office[:40]), status=403)
            filters = dataclasses.replace(filters, office=None)
    return filters


def add_filter_problem(param, message, status=400):
    """Mark a filter field as wrong: the page is drawn with the message under the field and
    answered `status` (see security_headers)."""
    problems = g.setdefault("filter_problems", {})
    problems.setdefault(param, message)
    g.filter_status = max(g.get("filter_status", 400), status)


def filter_message(problem):
    """A ParamError (server.params) said in the reader's language: what the field needs."""
    from server import periods

    value = (problem.value or "")[:40]
    field = {"from": _("From"), "to": _("To"), "preset": _("Range"), "period": _("Step"), "channel": _("Channel"),
             "structure": _("Structure"), "include_misuse": _("Include misuse"), "office": _("Office"),
             "score": _("Rating")}.get(problem.param, problem.param)
    if problem.kind == "order":
        return _("The first day must not be after the last day.")
    if problem.kind == "date_format":
        return _("%(field)s: write a date as YYYY-MM-DD (for example 2026-03-31).", field=field)
    if problem.kind == "not_a_date":
        return _("%(field)s: %(value)s is not a day of the calendar.", field=field, value=value)
    if problem.kind == "calendar":
        return _("%(field)s: choose a day from %(first)s to %(last)s.", field=field,
                 first=day(periods.EARLIEST), last=day(periods.LATEST))
    if problem.kind == "flag":
        return _("%(field)s: must be on or off.", field=field)
    if problem.kind == "choice":
        return _("%(field)s: “%(value)s” is not one of the choices; pick one from the list.", field=field,
                 value=value)
    return _("%(field)s cannot be read.", field=field)


def office_in_scope(code):
    try:
        return scope.visible_office(tree(), user(), code)
    except scope.OutOfScope:
        abort(403)


def safe_next(target):
    r"""Where a `?next=` may send the browser: a path on this site, else the dashboard.

    Every redirect that takes a target from the request goes through here. Browsers drop
    TAB, CR and LF anywhere in a URL and read a backslash as a slash, so `/<TAB>/evil.example`
    and `/\evil.example` both mean `//evil.example`, another site: control characters go
    first, then the rest must parse as a bare path (no scheme, no host) that does not start
    with `//` or `/\` even once percent-decoded.
    """
    cleaned = "".join(ch for ch in target or "" if unicodedata.category(ch)[0] != "C").strip()
    decoded = unquote(cleaned)
    parts = urlsplit(cleaned)
    if (not cleaned.startswith("/") or "\\" in decoded or decoded.startswith("//")
            or parts.scheme or parts.netloc or any(unicodedata.category(ch)[0] == "C" for ch in decoded)):
        return url_for("dashboards.overview")
    return cleaned


def role_required(*roles):
    def decorate(view):
        @functools.wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)
        return wrapped
    return decorate


def channel_name(channel):
    """What a supervisor calls a rating channel."""
    from flask_babel import gettext as _

    return {"kiosk": _("Kiosk"), "sms": "SMS", "web": _("Web (QR code, link)")}.get(channel, channel)


def page(template, **context):
    """A dashboards page: `template` under dashboards/ (or another component's, named in full)."""
    channels = [(channel, channel_name(channel)) for channel in current_app.extensions["channels"]]
    name = template if "/" in template else f"dashboards/{template}"
    context.setdefault("filter_problems", g.get("filter_problems", {}))
    context.setdefault("filter_args", request.args)
    return render_template(name, channels=channels, channel_name=channel_name, **context)


@bp.app_errorhandler(ParamError)
def bad_parameter(problem):
    return page("error.html", code=400, message=filter_message(problem)), 400


@bp.app_errorhandler(scope.OutOfScope)
def outside_scope(_problem):
    return page("error.html", code=403, message=None), 403


def error_page(problem):
    """HTML error pages for the dashboards' URLs (the API keeps its JSON errors), in the
    site's layout and the reader's language, with a way back."""
    try:
        response = make_response(page("error.html", code=problem.code,
                                      message=problem.description if problem.code == 400 else None), problem.code)
        # Outside our blueprints (an unknown URL) the page still needs our own CSS and JS.
        return security_headers(response)
    except Exception:  # the layout itself failed (a 500 from the database, say): the plain page
        current_app.logger.exception("the error page could not be drawn")
        return problem
