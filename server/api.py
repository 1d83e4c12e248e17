"""The JSON API under /api/v1: kiosk ratings, config and heartbeat, and the stats."""

import functools
import json
from urllib.parse import urlencode

from flask import Blueprint, current_app, g, jsonify, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from werkzeug.exceptions import BadRequest

from server import audit, auth, forms, languages, listing, offices, openapi, params, scope, stats
from server.db import change_markers, get_db, write_transaction
from server.observability import count_results
from server.offices import load_tree
from server.ratings import Source, is_text
from server.timeutil import local_today, now_stored, parse_client_time, to_stored, utcnow

bp = Blueprint("api", __name__, url_prefix="/api/v1")
MAX_QUEUE = 10_000_000


def error(status, message):
    response = jsonify({"error": message})
    response.status_code = status
    return response


def kiosk_required(view):
    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        db = get_db()
        markers = change_markers(db)  # one read for the token's and the office tree's versions
        kiosk = g.kiosk = auth.kiosk_for_token(db, auth.bearer_token(request), markers)
        if kiosk is None:
            return error(401, "a valid kiosk token is required (Authorization: Bearer ...)")
        if refusal := closed_office(kiosk, load_tree(db, markers)):
            return error(403, refusal)
        return view(*args, **kwargs)
    return wrapped


def closed_office(kiosk, tree=None):
    """Why a kiosk standing in an office closed without a successor is refused, or None."""
    tree = tree or load_tree(get_db())
    today = local_today(current_app.extensions["timezone"]).isoformat()
    office_id, _ = tree.kiosk_place_on(kiosk["id"], today, kiosk["office_id"], kiosk["counter_id"])
    office_id = tree.successor_on(office_id, today)
    closed = tree.closed_on(office_id, today)
    if closed is None:
        return None
    code = tree.by_id[office_id].code
    return (f"office {code} closed on {closed}: this kiosk may no longer send ratings; its queued ratings stay "
            f"on the kiosk. An administrator moves it (flask kiosk move {kiosk['id']} --office CODE --counter "
            f"LABEL --effective DATE) or revokes it.")


def current_user():
    """The user behind this request: an API token, or a logged-in dashboard session."""
    token = auth.bearer_token(request)
    if token is not None:
        return auth.user_for_token(get_db(), token)
    session_user = current_app.extensions.get("session_user")
    return session_user() if session_user else None


def user_required(view):
    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        g.user = current_user()
        if g.user is None:
            return error(401, "a valid API token is required (Authorization: Bearer ...)")
        return view(*args, **kwargs)
    return wrapped


def json_body():
    """The request's JSON object, or a 400 saying why it is not one."""
    if not request.is_json:
        raise BadRequest("the body must be JSON (Content-Type: application/json)")
    raw = forms.declared_body(request)  # one read, not werkzeug's loop of 64 KB chunks
    if raw is None:  # chunked, or over the limit: werkzeug's own reading (and its 413)
        raw = request.get_data(cache=False)
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise BadRequest("the body is not valid JSON") from None
    except RecursionError:  # "[[[[..." a few thousand deep: Python's parser gives up
        raise BadRequest("the body is not valid JSON: nested too deeply") from None
    if not isinstance(body, dict):
        raise BadRequest("the body must be a JSON object")
    return body


@bp.post("/ratings")
@kiosk_required
def post_ratings():
    items = json_body().get("ratings")
    if not isinstance(items, list):
        return error(400, "ratings: must be a list of rating objects")
    app = current_app._get_current_object()  # one proxy lookup, not one per use
    limit = app.config["MAX_BATCH"]
    if len(items) > limit:
        return error(400, f"ratings: at most {limit} items per request")
    kiosk, extensions, now = g.kiosk, app.extensions, utcnow()
    ingest = extensions["ingest"]
    source = Source("kiosk", kiosk["office_id"], kiosk["counter_id"], kiosk["id"])
    # Shared with other threads' batches: one commit (one fsync) acknowledges them all. The
    # tree is read again inside the transaction: a reorganisation committed meanwhile counts.
    results = extensions["group_commit"].run(
        get_db(), lambda db: ingest.store_items(db, load_tree(db), source, items, now))
    count_results("kiosk", [result["status"] for result in results])
    return jsonify({"results": results})


@bp.get("/kiosk/config")
@kiosk_required
def kiosk_config():
    db, kiosk, config = get_db(), g.kiosk, current_app.config
    tree = load_tree(db)
    today = local_today(current_app.extensions["timezone"]).isoformat()
    office_id, counter_id = tree.kiosk_place_on(kiosk["id"], today, kiosk["office_id"], kiosk["counter_id"])
    office = tree.by_id[tree.successor_on(office_id, today)]
    if counter_id != kiosk["counter_id"]:  # a move recorded ahead of its date: the counter of today
        label, staff_id = db.execute("SELECT label, staff_id FROM counters WHERE id = ?", [counter_id]).fetchone()
        kiosk = {**kiosk, "counter_id": counter_id, "counter_label": label, "staff_id": staff_id}
    staff = None
    if kiosk["staff_id"] is not None:
        code, name = db.execute("SELECT code, name FROM staff WHERE id = ?", [kiosk["staff_id"]]).fetchone()
        staff = {"code": code, "name": name}
    scale = current_app.extensions["scale"]
    langs = languages.languages(config["LANGUAGES"])
    return jsonify({
        "kiosk": {"id": kiosk["id"]},
        "office": {"code": office.code, "name": office.name},
        "counter": {"id": kiosk["counter_id"], "label": kiosk["counter_label"]},
        "staff": staff,
        "scale": languages.levels(scale, langs),
        "reasons": languages.reasons(scale, langs),
        "languages": [{"code": code, "name": lang["name"]} for code, lang in langs.items()],
        "default_language": "vi",
        "texts": {code: lang["texts"] for code, lang in langs.items()},
        "timeouts": {
            "thanks_seconds": config["KIOSK_THANKS_SECONDS"],
            "reasons_seconds": config["KIOSK_REASONS_TIMEOUT_SECONDS"],
            "cooldown_seconds": config["KIOSK_COOLDOWN_SECONDS"],
            "heartbeat_seconds": config["KIOSK_HEARTBEAT_SECONDS"],
        },
        "misuse_interval_seconds": config["MISUSE_INTERVAL_SECONDS"],
        # Optional fields a component reads from kiosk items, with what the kiosk needs to
        # offer them (app.extensions["kiosk_fields"]: name -> details); none in the bare core.
        "fields": current_app.extensions.get("kiosk_fields", {}),
        "server_time": now_stored(),
        "timezone": config["TIMEZONE"],  # the kiosk shows times in the offices' zone, not its own
    })


@bp.post("/kiosk/heartbeat")
@kiosk_required
def kiosk_heartbeat():
    body = json_body()
    queue_length = body.get("queue_length")
    if not isinstance(queue_length, int) or isinstance(queue_length, bool) or not 0 <= queue_length <= MAX_QUEUE:
        return error(400, f"queue_length: must be a whole number from 0 to {MAX_QUEUE}")
    last_sync_at = body.get("last_sync_at")
    if last_sync_at is not None:
        try:
            last_sync_at = to_stored(parse_client_time(last_sync_at))
        except ValueError as problem:
            return error(400, f"last_sync_at: {problem}")
    version = body.get("app_version")
    if not is_text(version) or not version.strip() or len(version) > 64:
        return error(400, "app_version: must be a string of at most 64 characters")
    db = get_db()
    with write_transaction(db):
        db["kiosks"].update(g.kiosk["id"], {
            "last_seen_at": now_stored(), "queue_length": queue_length,
            "last_sync_at": last_sync_at, "app_version": version.strip(),
        })
    return jsonify({"status": "ok", "server_time": now_stored()})


@bp.post("/kiosk/pair")
def kiosk_pair():
    """An installer's one-time code becomes the kiosk's token (no token needed to ask).

    Guesses are answered from a read: only a code that exists takes the write lock, so a
    flood of guesses does not hold up the kiosks' ratings (and the rate limit per address,
    here and in nginx, bounds the flood).
    """
    code = json_body().get("code")
    if not is_text(code) or not code.strip() or len(code) > 64:
        return error(400, "code: must be the pairing code printed by flask kiosk add ... --pairing-code")
    db = get_db()
    try:
        offices.find_pairing(db, code, utcnow())
        with write_transaction(db):
            kiosk, token = offices.pair_kiosk(db, code, utcnow())
            audit.record(db, f"kiosk:{kiosk['id']}", "kiosk.pair", f"kiosk:{kiosk['id']}",
                         {"office": kiosk["office"], "counter": kiosk["counter"]},
                         load_tree(db).by_code[kiosk["office"]].id)
    except offices.PairingError as problem:
        return error(problem.status, str(problem))
    return jsonify({"token": token, "kiosk": {"id": kiosk["id"]},
                    "office": {"code": kiosk["office"], "name": kiosk["office_name"]},
                    "counter": {"label": kiosk["counter"]}})


def init_rate_limits(app):
    """Per-address limits on the endpoints anyone may call without a token (Flask-Limiter,
    counting in each process's memory: nginx's limit_req holds across workers)."""
    limiter = Limiter(get_remote_address, app=app, storage_uri="memory://", headers_enabled=True,
                      key_prefix=f"satisfaction-{id(app)}")
    app.view_functions["api.kiosk_pair"] = limiter.limit(
        lambda: current_app.config["PAIRING_RATE_LIMIT"],
        error_message="too many pairing attempts from this address; wait a minute")(
        app.view_functions["api.kiosk_pair"])
    app.extensions["rate_limits"] = limiter


@bp.get("/stats")
@user_required
def get_stats():
    db = get_db()
    tz = current_app.extensions["timezone"]
    try:
        exclusions = current_app.extensions.get("stats_exclusions", {})
        query = stats.parse_query(request.args, local_today(tz), exclusions,
                                  channels=current_app.extensions["channels"])
        tree = load_tree(db)
        rows = stats.satisfaction_rows(db, tree, current_app.extensions["scale"], query, g.user, exclusions)
    except params.ParamError as problem:
        return error(400, str(problem))
    except scope.OutOfScope as problem:
        return error(403, str(problem))
    return jsonify({
        "period": query.period, "from": query.start.isoformat(), "to": query.end.isoformat(),
        "channel": query.channel, "breakdown": query.breakdown, "structure": query.structure,
        "include_misuse": query.include_misuse, **{name: True for name in query.exclusions}, "rows": rows,
        # an office merged away, under current: say where its ratings went instead of silence
        **(stats.successor_notice(tree, query, g.user) or {}),
    })


@bp.get("/ratings")
@user_required
def get_ratings():
    """Individual ratings in the user's scope, without personal data (server.listing)."""
    db = get_db()
    today = local_today(current_app.extensions["timezone"])
    try:
        query = listing.parse(request.args, today, g.user, current_app.extensions["channels"])
        items, cursor = listing.ratings(db, load_tree(db), query, g.user)
    except params.ParamError as problem:
        return error(400, str(problem))
    except (scope.OutOfScope, listing.Forbidden) as problem:
        return error(403, str(problem))
    headers = {}
    if cursor is not None:
        args = {**request.args.to_dict(), "after": cursor}
        headers["Link"] = f'<{request.base_url}?{urlencode(args)}>; rel="next"'
    if query.csv:
        return current_app.response_class(listing.as_csv(items, query.comment), mimetype="text/csv",
                                          headers=headers)
    response = jsonify({"from": query.start.isoformat(), "to": query.end.isoformat(), "ratings": items,
                        "next": cursor})
    response.headers.update(headers)
    return response


@bp.get("/ping")
def ping():
    """No database, no auth: lets a kiosk check the network and its clock (and is the
    trivial endpoint `make bench` compares the real ones with)."""
    return jsonify({"status": "ok", "server_time": now_stored()})


@bp.get("/openapi.json")
def openapi_document():
    return jsonify(document(current_app))


def document(app):
    """The whole OpenAPI document: the core's operations and every component's."""
    paths, schemas = {}, {}
    for component in app.extensions["components"]:
        paths.update(component.call("openapi", app) or {})
        schemas.update(component.call("openapi_schemas", app) or {})
    return openapi.document(app.extensions["scale"], app.config["MAX_BATCH"], app.extensions["channels"],
                            paths, schemas, stats_flags=tuple(app.extensions.get("stats_exclusions", {})))
