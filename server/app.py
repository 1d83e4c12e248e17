"""The Flask application factory: the core, then each component of COMPONENTS, in order.

`flask --app server ...` and gunicorn find `create_app` through `server/__init__.py`.
This is the one place that names the components; the rest of the core iterates
`app.extensions["components"]` (see server/components.py).
"""

import os
import shutil
import sqlite3
import zoneinfo

import click
from flask import Flask, jsonify, request
from werkzeug.exceptions import HTTPException, ServiceUnavailable
from werkzeug.middleware.proxy_fix import ProxyFix

from server import background, db, observability
from server.components import channels_of, load
from server.group_commit import GroupCommit
from server.ratings import Ingest
from server.rollups import Rollups, declared
from server.scale import build_scale
from server.settings import DEV_SECRET_KEY, ConfigurationError, all_settings, convert_all, defaults, environment_values

# The components the server is built from, in the order their migrations and init_app run.
COMPONENTS = ("sms", "web", "cases", "dashboards", "dossiers")

# /healthz reports trouble below this much free space next to the database: a write then
# soon fails (a 500-rating batch needs a few hundred kB of WAL), so monitoring hears first.
HEALTH_MIN_FREE_BYTES = 8 * 1024 * 1024
# SQLite errors that mean "the storage cannot take this now" (full disk, I/O error, a lock
# held past the busy timeout): answered 503 with Retry-After, not as a server bug.
STORAGE_TROUBLE = {sqlite3.SQLITE_FULL: "the database's disk is full", sqlite3.SQLITE_IOERR: "the database's disk "
                   "failed", sqlite3.SQLITE_BUSY: "the database is busy"}
RETRY_AFTER_SECONDS = 30


def create_app(test_config=None, components=None):
    """The app, from the core and `components` (names; default COMPONENTS).

    Settings: defaults, then instance/config.py, then SATISFACTION_* in the environment
    (or `test_config` instead of both), each converted once to its declared type.
    """
    components = load(COMPONENTS if components is None else components)
    app = Flask("server", instance_relative_config=True)
    app.json.sort_keys = False
    app.json.ensure_ascii = False
    app.extensions["components"] = components
    app.extensions["channels"] = channels_of(components)
    settings = all_settings(components)
    app.config.from_mapping(defaults(settings))
    app.config["DATABASE"] = os.path.join(app.instance_path, "satisfaction.db")
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        app.config.from_mapping(environment_values(os.environ, settings))
    else:
        app.config.from_mapping(test_config)
    convert_all(app.config, settings)
    if test_config is None and not app.debug and app.config["SECRET_KEY"] == DEV_SECRET_KEY:
        _refuse_development_secret()
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["SESSION_COOKIE_SAMESITE"] = app.config.get("SESSION_COOKIE_SAMESITE") or "Lax"
    proxies = app.config["TRUSTED_PROXIES"]
    if proxies > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies, x_port=proxies)
    os.makedirs(os.path.dirname(os.path.abspath(app.config["DATABASE"])), exist_ok=True)

    timezone = zoneinfo.ZoneInfo(app.config["TIMEZONE"])
    scale = build_scale(app.config["SCALE"], app.config["REASONS"])
    app.extensions["timezone"] = timezone
    app.extensions["scale"] = scale
    app.extensions["group_commit"] = GroupCommit()
    app.extensions["ingest"] = Ingest(scale, timezone, app.config["MISUSE_INTERVAL_SECONDS"],
                                      app.config["FUTURE_TOLERANCE_SECONDS"], Rollups(declared(components)))

    observability.init_app(app)
    db.init_app(app)
    db.migrate_app(app)

    from server import api, cli
    app.register_blueprint(api.bp)
    api.init_rate_limits(app)
    cli.init_app(app)
    for component in components:
        component.call("init_app", app)
    _register_health(app)
    _register_errors(app)
    _register_security_headers(app)
    background.register(app, background.Job(app, "wal-checkpoint", db.CHECKPOINT_SECONDS, db.checkpoint_wal))
    background.init_app(app)
    return app


def _register_security_headers(app):
    @app.after_request
    def security_headers(response):
        # Pages set their own policy (the dashboards); everything else is data, never a page.
        response.headers.setdefault("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response


def _refuse_development_secret():
    """The server must not run with the development secret; the command line may, with a warning.

    `flask ...` commands (FlaskGroup marks them with FLASK_RUN_FROM_CLI) set up offices,
    users and kiosks before any secret matters, and sign nothing a citizen sees; a WSGI
    server (gunicorn) would sign sessions with a value everybody can read in the source.
    """
    message = ("SATISFACTION_SECRET_KEY is not set: refusing to serve with the development secret. Set a long "
               "random value in the environment or in instance/config.py (make run writes one for its demo).")
    if os.environ.get("FLASK_RUN_FROM_CLI") == "true":
        click.echo("Warning: SATISFACTION_SECRET_KEY is the development value; the server will refuse to start "
                   "with it.", err=True)
        return
    raise ConfigurationError(message)


def _register_health(app):
    @app.get("/healthz")
    def healthz():
        # A fresh connection: it proves the file can still be opened, not just that a
        # kept connection still answers.
        try:
            probe = db.connect_app(app)
            try:
                probe.execute("SELECT 1 FROM offices LIMIT 1").fetchall()
            finally:
                probe.close()
        except Exception:  # any database failure means not healthy
            app.logger.exception("health check failed")
            return jsonify({"status": "unavailable", "error": "the database does not answer"}), 503
        # Reads still work on a full disk; only writes fail. Say so before they do.
        free = shutil.disk_usage(os.path.dirname(os.path.abspath(app.config["DATABASE"]))).free
        if free < HEALTH_MIN_FREE_BYTES:
            return jsonify({"status": "unavailable",
                            "error": f"the database's disk is (nearly) full: {free // 1024} kB free"}), 503
        return jsonify({"status": "ok"})


def _register_errors(app):
    @app.errorhandler(HTTPException)
    def http_error(problem):
        if request.path.startswith("/api/") or request.path == "/healthz":
            response = jsonify({"error": problem.description})
            response.status_code = problem.code
            for name, value in problem.get_headers():  # Retry-After, Allow
                if name.lower() != "content-type":
                    response.headers[name] = value
            return response
        # A component may render pages' errors in its own layout and language.
        page = app.extensions.get("error_page")
        return page(problem) if page else problem

    @app.errorhandler(sqlite3.OperationalError)
    def storage_trouble(problem):
        """A full disk or a lock held too long is the storage's state, not a bug: 503, try later.

        The transaction was rolled back (server.db.write_transaction), so nothing is half-stored.
        """
        reason = STORAGE_TROUBLE.get(getattr(problem, "sqlite_errorcode", 0) & 0xFF)
        if reason is None:
            raise problem
        app.logger.warning("storage trouble on %s %s: %s", request.method, request.path, problem)
        return http_error(ServiceUnavailable(f"{reason}; try again later", retry_after=RETRY_AFTER_SECONDS))
