"""Supervisors' dashboards: login, satisfaction pages, exports, alerts, admin and public pages.

`init_app(app)` wires the package into the core app: Flask-Login sessions (and the
`session_user` hook the API reads, so a logged-in browser can call /api/v1/stats),
CSRF checks on every form of these blueprints, Flask-Babel (Vietnamese by default), the
blueprints, the `alerts` CLI group and the background alert check.
"""

import os

from flask import request, session
from flask_babel import Babel
from flask_login import LoginManager, current_user
from flask_wtf.csrf import CSRFProtect

from server.db import get_db

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
    """The logged-in dashboard user as the API's user dict, or None."""
    if current_user and current_user.is_authenticated:
        return current_user.as_dict()
    return None


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
    login_manager.user_loader(lambda session_id: accounts.load_session_user(get_db(), session_id))
    app.extensions["session_user"] = session_user
    formatting.init_app(app)

    from . import admin, alerting, exports, monitoring, public, views, web  # noqa: F401 (routes register on import)
    app.register_blueprint(web.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(public.bp)
    alerting.init_app(app)
