"""The citizen's pages: /r/<code> (a counter's poster) and /l/<token> (a link for one dossier).

Plain HTML forms, no JavaScript. Tapping a face stores the rating at once (so nothing is
lost if the phone is put away); a poor rating then asks why on a second page, whose
answer is added to the stored rating (server.ratings.attach_followup). Every POST
answers with a redirect (303), so a reload never sends anything twice; the rating's id
is chosen when the page is made, so a double tap or a resubmit is one rating.
"""

import datetime as dt
import functools
import re
import uuid
from dataclasses import dataclass
from urllib.parse import quote

from flask import Blueprint, current_app, g, make_response, render_template, request
from itsdangerous import BadSignature

from kiosk.faces import text_colour as faces_text_colour
from server import forms, languages
from server.db import get_db
from server.observability import count_results
from server.offices import load_tree
from server.ratings import ItemError, Source, attach_followup, parse_item
from server.timeutil import from_stored, to_stored, utcnow
from web import guard, links, signing, storage
from web.faces import face_svg
from web.texts import page_texts

bp = Blueprint("web", __name__, template_folder="templates", static_folder="static", static_url_path="/r/static")
FOLLOWUP_SALT = "web-followup"
FOLLOWUP_MAX_AGE = 3600
_URL_SAFE = re.compile(r"[A-Za-z0-9._~-]*")
STYLESHEETS = ("web.static", "web.level_colours")
CSP = ("default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; "
       "frame-ancestors 'none'")


class PageError(Exception):
    """A page that says what went wrong: (HTTP status, title text key, explanation key), and
    the counter or link it is about when the server knows it (a retired code, an expired link)."""

    def __init__(self, status, title, more, target=None):
        super().__init__(title)
        self.status, self.title, self.more, self.target = status, title, more, target


class LinkTaken(Exception):
    """Another rating used the link first (two tabs at once)."""


class TooMany(Exception):
    """The address sent its ratings per minute already."""


@dataclass
class Target:
    """What a page rates: a counter (by its poster code) or one dossier's link."""
    kind: str  # "r" or "l"
    key: str
    office_id: int
    counter_id: int | None
    counter_label: str | None
    staff_code: str | None
    service: str | None = None
    reference: str | None = None
    link: dict | None = None

    @functools.cached_property
    def office_name(self):
        """The name of the office that stands for it today; read only by a page that shows it
        (a tapped face's answer is a redirect, which needs no office tree)."""
        tree = load_tree(get_db())
        return tree.by_id[tree.successor(self.office_id)].name


@bp.before_request
def read_form_in_one_read():
    """A page's form, read at its declared length in one read (server.forms.read_urlencoded):
    werkzeug's stream wrappers read a tap's 120 bytes in 64 KB chunks."""
    if request.method == "POST":
        forms.read_urlencoded(request)


@bp.after_request
def page_headers(response):
    response.headers["Content-Security-Policy"] = CSP
    if request.endpoint in STYLESHEETS:
        # The phone keeps its styles for an hour (each page would fetch them again on 3G, and
        # behind nginx count against the address's limit); pages are never kept.
        response.headers["Cache-Control"] = "public, max-age=3600"
    else:
        response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"  # a link's token never goes elsewhere
    return response


@bp.errorhandler(PageError)
def problem_page(problem):
    return _render("problem.html", problem.target, problem.status, title=problem.title, more=problem.more)


def _resolve(kind, key):
    db = get_db()
    if kind == "r":
        found = storage.code_target(db, key)
        if found is None:
            raise PageError(404, "unknown", "unknown_more")
        target = Target("r", storage.normalise_code(key), found["office_id"], found["counter_id"], found["label"],
                        found["staff_code"])
        if found["retired"]:  # the old poster's counter is still known: the page names it
            raise PageError(410, "retired", "retired_more", target)
        return target
    nonce = links.nonce_of(current_app.config["SECRET_KEY"], key)
    if nonce is None:
        raise PageError(404, "invalid", "invalid_more")
    link = storage.link_by_nonce(db, nonce)
    if link is None:  # purged after its end: only the signed nonce is left, which names nothing
        raise PageError(410, "expired", "expired_more")
    target = Target("l", key, link["office_id"], link["counter_id"], link["label"], link["staff_code"],
                    link["service"], link["reference"], link)
    if from_stored(link["expires_at"]) < utcnow() and not _can_edit(link):
        raise PageError(410, "expired", "expired_more", target)
    return target


def _can_edit(link):
    return link["rated_at"] is not None and utcnow() - from_stored(link["rated_at"]) < storage.EDIT_WINDOW


# --- what every page shows ------------------------------------------------------------------

def _languages():
    """Every language of the pages, built once per LANGUAGES value (not on every call)."""
    configured = current_app.config["LANGUAGES"]
    kept = current_app.extensions.get("web_languages")
    if kept is None or kept[0] is not configured:
        kept = current_app.extensions["web_languages"] = (configured, languages.languages(configured))
    return kept[1]


def _language():
    """The page's language (?lang= or the form's field), read once per request."""
    chosen = g.get("web_language")
    if chosen is None:
        # As request.values: the address first, then the form (a tap's address has no query).
        chosen = request.args.get("lang") if request.query_string else None
        if chosen is None and request.method == "POST":
            chosen = request.form.get("lang")
        chosen = g.web_language = chosen if chosen in _languages() else "vi"
    return chosen


def _page_url(target, page, **query):
    """The address of one of the target's pages ("", "/why", "/thanks") with `query`: what
    url_for builds for these routes, without a routing map lookup on every tap."""
    query = "&".join(f"{name}={_quoted(value)}" for name, value in query.items())
    return f"{request.script_root}/{target.kind}/{_quoted(target.key)}{page}{'?' + query if query else ''}"


def _quoted(value):
    # Codes, tokens and language codes are nearly always URL-safe already.
    return value if _URL_SAFE.fullmatch(value) else quote(value, safe="")


def _render(template, target, status=200, **context):
    langs, lang = _languages(), _language()
    texts = page_texts(langs[lang]["texts"], lang)
    body = render_template(
        f"web/{template}", target=target, lang=lang, texts=texts,
        languages=[(code, item["name"]) for code, item in langs.items()],
        privacy=texts["privacy"].format(days=current_app.config["COMMENT_RETENTION_DAYS"]),
        contact_consent=_contact_consent(texts), **context)
    response = make_response(body, status)
    fresh = g.get("web_csrf_fresh")
    if fresh is not None:  # the browser's first form here: its CSRF value, for this kind of page
        response.set_cookie(signing.CSRF_COOKIE, fresh, path=f"{request.script_root}/{request.view_args['kind']}/",
                            httponly=True, samesite="Lax", secure=current_app.config["SESSION_COOKIE_SECURE"])
    return response


def _contact_consent(texts):
    """The consent line with the days the number is kept after the case closes (the component
    that reads the number says how long: the same figure the kiosk's consent line shows)."""
    field = current_app.extensions.get("kiosk_fields", {}).get("contact") or {}
    return texts["contact_consent"].format(days=field.get("retention_days", "…"))


def _form_page(target, status=200, notice=None, rated=None):
    scale = current_app.extensions["scale"]
    lang = _language()
    levels = [{**level, "label": level["labels"][lang], "svg": face_svg(level["face"])}
              for level in languages.levels(scale, _languages())]
    return _render("rate.html", target, status, levels=levels, client_id=str(uuid.uuid4()),
                   csrf_token=_csrf_token(), notice=notice, rated=rated)


def _followup_serializer():
    return signing.serializer(current_app.config["SECRET_KEY"], FOLLOWUP_SALT)


def _csrf_token():
    """The form's CSRF token (web.signing), for the browser's CSRF cookie; a browser without
    one gets a fresh value, which _render sets."""
    value = signing.csrf_value(request.cookies.get(signing.CSRF_COOKIE)) or g.get("web_csrf_fresh")
    if value is None:
        value = g.web_csrf_fresh = signing.new_csrf_value()
    return signing.csrf_token(current_app.config["SECRET_KEY"], value)


def _check_csrf():
    config = current_app.config
    if not config.get("WTF_CSRF_ENABLED", True):
        return True
    return signing.csrf_valid(config["SECRET_KEY"], request.cookies.get(signing.CSRF_COOKIE),
                              request.form.get("csrf_token"))


def _see_other(url):
    """303 to `url` (built by _page_url, already quoted), with no body: flask.redirect also
    writes a "Redirecting..." HTML page with the link, escaped, which a browser following the
    303 never shows."""
    return current_app.response_class(status=303, headers={"Location": url})


def _next(target, client_id, score):
    """Where a stored score goes on: reasons for a poor one, else thanks."""
    lang = _language()
    if score in current_app.extensions["scale"].dissatisfied_scores:
        token = _followup_serializer().dumps([target.kind, target.key, client_id])
        return _see_other(_page_url(target, "/why", f=token, lang=lang))
    return _see_other(_page_url(target, "/thanks", lang=lang))


# --- the rating page --------------------------------------------------------------------

@bp.get("/<any(r, l):kind>/<key>")
def rate_page(kind, key):
    target = _resolve(kind, key)
    if target.link is not None and target.link["client_id"] is not None:
        if not _can_edit(target.link):
            return _render("done.html", target, message="already_link")
        return _form_page(target, rated=_rated_note(target))
    secret, minutes = current_app.config["SECRET_KEY"], current_app.config["WEB_REPEAT_MINUTES"]
    if target.kind == "r" and str(target.counter_id) in guard.rated_counters(secret, request.cookies.get(guard.COOKIE),
                                                                             minutes):
        return _render("done.html", target, message="already")
    return _form_page(target)


def _rated_note(target):
    row = get_db().execute("SELECT score FROM ratings WHERE client_id = ?", [target.link["client_id"]]).fetchone()
    if row is None:
        return None
    lang = _language()
    level = next(item for item in languages.levels(current_app.extensions["scale"], _languages())
                 if item["score"] == row[0])
    until = from_stored(target.link["rated_at"]) + storage.EDIT_WINDOW
    local = until.astimezone(current_app.extensions["timezone"])
    return page_texts(_languages()[lang]["texts"], lang)["you_rated"].format(level=level["labels"][lang],
                                                                             until=f"{local:%H:%M}")


@bp.post("/<any(r, l):kind>/<key>")
def rate(kind, key):
    target = _resolve(kind, key)
    if not _check_csrf():
        return _form_page(target, 400, notice="resubmit")
    app, form = current_app._get_current_object(), request.form  # looked up once, not per use
    extensions, config = app.extensions, app.config
    scale = extensions["scale"]
    try:
        score = int(form.get("score", ""))
        client_id = str(uuid.UUID(form.get("client_id", "")))
    except ValueError:
        return _form_page(target, 400, notice="resubmit")
    if score not in scale.scores:
        return _form_page(target, 400, notice="resubmit")
    if target.link is not None and target.link["client_id"] is not None:
        return _change(target, score)
    now = utcnow()
    rated = {}
    if target.kind == "r":
        rated = guard.rated_counters(config["SECRET_KEY"], request.cookies.get(guard.COOKIE),
                                     config["WEB_REPEAT_MINUTES"])
        earlier = rated.get(str(target.counter_id))
        if earlier is not None:
            if earlier[1] == client_id:  # the same page sent twice: carry on as the first time
                return _next(target, client_id, score)
            return _render("done.html", target, message="already")
    window = dt.timedelta(minutes=1)
    addresses = guard.address_keys(config["SECRET_KEY"], request.remote_addr, now, window)
    ingest, limit = extensions["ingest"], config["WEB_RATINGS_PER_MINUTE"]
    burst_within = dt.timedelta(seconds=config["WEB_BURST_SECONDS"])
    item = {"id": client_id, "score": score, "created_at": to_stored(now), "language": _language(),
            "staff": target.staff_code, "service": target.service}
    try:
        rating = parse_item(item, scale, now, config["FUTURE_TOLERANCE_SECONDS"])
    except ItemError:
        return _form_page(target, 400, notice="resubmit")
    rating.reference = target.reference
    source = Source("web", target.office_id, target.counter_id)

    def store(db):
        # The address's count is read in the write transaction: taps sent at the same moment
        # take turns, so none passes the limit or escapes the burst flag on a stale count.
        count, latest, markers = storage.hits_since(db, addresses, now - window)
        if count >= limit:
            raise TooMany()
        rating.flagged = latest is not None and now - from_stored(latest) < burst_within
        if target.link is not None and not storage.mark_link_used(db, target.link["id"], client_id, now):
            raise LinkTaken()
        status = ingest.store_parsed(db, load_tree(db, markers), source, [rating], now)[0]
        if status == "accepted":
            storage.record_hit(db, addresses[0], now)
        return status

    try:
        status = extensions["group_commit"].run(get_db(), store)
    except TooMany:
        return _render("problem.html", target, 429, title="too_many", more="too_many_more",
                       back=_page_url(target, "", lang=_language()))
    except LinkTaken:
        return _change(_resolve(kind, key), score)
    count_results("web", [status])
    response = _next(target, client_id, score)
    if target.kind == "r":
        response.set_cookie(guard.COOKIE, guard.with_rating(config["SECRET_KEY"], rated, target.counter_id,
                                                            client_id),
                            max_age=int(config["WEB_REPEAT_MINUTES"] * 60), path="/r/", httponly=True,
                            samesite="Lax", secure=config["SESSION_COOKIE_SECURE"],
                            expires=guard.expires_in(int(config["WEB_REPEAT_MINUTES"] * 60)))
    return response


def _change(target, score):
    """A used dossier link: the score is changed within the edit window, else it is done."""
    link = target.link
    if not _can_edit(link):
        return _render("done.html", target, message="already_link")
    poor = score in current_app.extensions["scale"].dissatisfied_scores
    attach_followup(get_db(), link["client_id"], score=score, reasons=None if poor else [])
    return _next(target, link["client_id"], score)


# --- why, and thanks ----------------------------------------------------------------------

def _followup_client(target):
    try:
        kind, key, client_id = _followup_serializer().loads(request.values.get("f", ""), max_age=FOLLOWUP_MAX_AGE)
    except (BadSignature, ValueError, TypeError):
        return None
    return client_id if (kind, key) == (target.kind, target.key) else None


def _why_page(target, status=200, chosen=(), comment="", error=None, contact=None):
    lang = _language()
    reasons = [{"code": r["code"], "label": r["labels"][lang]}
               for r in languages.reasons(current_app.extensions["scale"], _languages())]
    return _render("why.html", target, status, reasons=reasons, chosen=set(chosen), comment=comment, error=error,
                   f=request.values.get("f", ""), csrf_token=_csrf_token(), contact=contact or {},
                   ask_contact="contact" in current_app.extensions.get("rating_fields", ()))


@bp.get("/<any(r, l):kind>/<key>/why")
def why(kind, key):
    target = _resolve(kind, key)
    if _followup_client(target) is None:
        return _see_other(_page_url(target, "", lang=_language()))
    return _why_page(target)


@bp.post("/<any(r, l):kind>/<key>/why")
def why_answer(kind, key):
    target = _resolve(kind, key)
    client_id = _followup_client(target)
    if client_id is None:
        return _see_other(_page_url(target, "", lang=_language()))
    chosen = request.form.getlist("reason")
    comment = request.form.get("comment", "")
    contact = {"contact": request.form.get("contact", ""), "contact_consent": request.form.get("consent") == "1"}
    if not _check_csrf():
        return _why_page(target, 400, chosen, comment, error="resubmit", contact=contact)
    if "skip" not in request.form:
        known = current_app.extensions["scale"].reason_codes
        try:
            # The optional number is read by the component that declared it (Ingest.field_parsers).
            extra = {}
            for parse in current_app.extensions["ingest"].field_parsers:
                extra.update(parse(contact))
        except ItemError:
            return _why_page(target, 400, chosen, comment, error="contact_hint", contact=contact)
        try:
            attach_followup(get_db(), client_id, reasons=[code for code in chosen if code in known],
                            comment=comment, extra=extra)
        except ItemError:
            return _why_page(target, 400, chosen, comment, error="comment_hint", contact=contact)
    return _see_other(_page_url(target, "/thanks", lang=_language()))


@bp.get("/<any(r, l):kind>/<key>/thanks")
def thanks(kind, key):
    target = _resolve(kind, key)
    can_change = target.link is not None and target.link["rated_at"] is not None and _can_edit(target.link)
    return _render("done.html", target, message="thanks", can_change=can_change)


def counter_url(config, code):
    """The public address of a counter's poster code."""
    return f"{config['WEB_BASE_URL'].rstrip('/')}/r/{code}"




@bp.get("/r/levels.css")
def level_colours():
    """The scale's colours (a setting), as a stylesheet: the page's policy allows no inline style."""
    rules = []
    for level in current_app.extensions["scale"].levels:
        ink = "#ffffff" if faces_text_colour(level.colour) == (1.0, 1.0, 1.0) else "#1d232a"
        rules.append(f".level-{level.score}{{background:{level.colour};color:{ink}}}")
    response = make_response("\n".join(rules) + "\n")
    response.mimetype = "text/css"
    return response
