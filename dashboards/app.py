"""Wires the dashboards into the app (their component's init_app).

`init_app(app)` wires the package into the core app: Flask-Login sessions (and the
`session_user` hook the API reads, so a logged-in browser can call /api/v1/stats; sessions
are rows of `login_sessions`, see accounts.py),
CSRF checks on every form of these blueprints, Flask-Babel (Vietnamese by default), the
blueprints, the `alerts` CLI group and the background alert check.
"""

import os

from flask import current_app, request, session
from flask_babel import Babel
from flask_login import LoginManager, current_user
from flask_wtf.csrf import CSRFProtect

from server.db import get_db, write_transaction
from server.timeutil import utcnow

from . import accounts, formatting

LANGUAGES = ("vi", "en")
TRANSLATIONS = os.path.join(os.path.dirname(__file__), "translations")

login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()


def select_language():
    chosen = session.get("language") or request.args.get("lang")
    return chosen if chosen in LANGUAGES else "vi"


def session_user():
    """The logged-in dashboard user as the API's user dict, or None.

    A state-changing API call from a session needs the CSRF header (X-CSRFToken) like a
    form does: the API does not rely on JSON's preflight or SameSite to keep other sites
    out. Calls with an API token carry no cookie and need none.
    """
    if current_user and current_user.is_authenticated:
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            csrf.protect()
        return current_user.as_dict()
    return None


def load_user(key):
    db, now = get_db(), utcnow()

    def touch(session_id):
        with write_transaction(db):
            accounts.touch_session(db, session_id, now)

    return accounts.load_session_user(db, key, now, current_app.config["SESSION_IDLE_HOURS"], touch)


def _roles():
    """What the menu may offer the reader (the rules are server.auth's)."""
    from server import auth

    signed_in = current_user and current_user.is_authenticated
    return {"may_read_comments": bool(signed_in) and auth.may_read_comments(current_user.as_dict())}


def init_app(app):
    # CSRF is checked by our blueprints' before_request, not app-wide: the kiosk and SMS
    # endpoints take POSTs from machines that carry tokens or signatures, not forms.
    app.config.setdefault("WTF_CSRF_CHECK_DEFAULT", False)
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)
    app.config.setdefault("SESSION_COOKIE_SAMESITE", "Lax")
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", TRANSLATIONS)
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", app.config["TIMEZONE"])
    csrf.init_app(app)
    babel.init_app(app, default_locale="vi", locale_selector=select_language,
                   default_timezone=app.config["TIMEZONE"])
    login_manager.init_app(app)
    login_manager.login_view = "dashboards.login"
    login_manager.login_message = None
    login_manager.user_loader(load_user)
    app.extensions["session_user"] = session_user
    # Other components' pages in the menu: app.extensions["dashboard_links"] = [(endpoint, label)].
    app.context_processor(lambda: {"component_links": app.extensions.get("dashboard_links", ())})
    app.context_processor(_roles)
    formatting.init_app(app)

    from . import account, admin, alerting, api, exports, monitoring, public, reports, views, web  # noqa: F401 (routes register on import)
    app.register_blueprint(web.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(public.bp)
    app.register_blueprint(api.bp)
    app.extensions["error_page"] = web.error_page  # every page's 404, 405 and 500 in the site's layout
    alerting.init_app(app)
