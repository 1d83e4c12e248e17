"""Login, the overview, the office page and the fair comparisons."""

import dataclasses
import datetime as dt
import os

import plotly
from flask import current_app, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from dashboards import accounts, charts, compression, queries, ranking
from dashboards.formatting import language
from dashboards.labels import period_name
from dashboards.web import (
    bp,
    channel_name,
    error_page,
    office_in_scope,
    page,
    safe_next,
    scale,
    scope_office_code,
    today,
    tree,
    user,
    view_filters,
)
from server.db import get_db, write_transaction
from server.stats import parse_query, successor_notice
from server.timeutil import utcnow

PLOTLY_JS = os.path.join(os.path.dirname(plotly.__file__), "package_data", "plotly.min.js")

for code in (400, 403, 404):
    bp.register_error_handler(code, error_page)


@bp.get("/")
def home():
    return redirect(url_for("dashboards.overview"))


@bp.route("/login", methods=["GET", "POST"])
def login():
    if request.method == "GET":
        return page("login.html", error=None, username="")
    username = request.form.get("username", "").strip()[:100]
    password = request.form.get("password", "")[:1000]
    db, now, config, address = get_db(), utcnow(), current_app.config, request.remote_addr
    refused = accounts.refusal(db, username, address, now)
    if refused:
        # No name in the log: a mistyped password typed into the name field would land there.
        current_app.logger.warning("login refused: %s", "lockout" if refused == "locked" else "slow-down")
        return page("login.html", error=refused, username=username), 429
    found = accounts.authenticate(db, username, password)
    with write_transaction(db):
        if found is None:
            accounts.record_failure(db, username, address, now, config["LOGIN_MAX_FAILURES"],
                                    config["LOGIN_LOCKOUT_MINUTES"], config["LOGIN_SLOWDOWN_SECONDS"])
        else:
            accounts.clear_failures(db, username, address)
            signed_in = accounts.start_session(db, found, now, address, request.user_agent.string)
    if found is None:
        return page("login.html", error="wrong", username=username), 401
    _fresh_session()  # nothing planted before the login survives it
    login_user(signed_in)
    return redirect(safe_next(request.args.get("next")))


def _fresh_session():
    language_choice = session.get("language")
    session.clear()
    if language_choice:
        session["language"] = language_choice


@bp.post("/logout")
def logout():
    if current_user.is_authenticated:
        db = get_db()
        with write_transaction(db):
            accounts.end_session(db, current_user.session_id, utcnow(), "logout")
    logout_user()
    _fresh_session()
    return redirect(url_for("dashboards.login"))


@bp.get("/language/<code>")
def choose_language(code):
    if code in ("vi", "en"):
        session["language"] = code
    return redirect(safe_next(request.args.get("next")))


@bp.get("/dashboard/assets/plotly.min.js")
def plotly_js():
    """Plotly's JavaScript from the plotly package itself: offices may have no internet.
    Gzipped and cacheable for a year: pages link it with plotly's version in the URL."""
    return compression.versioned_file(PLOTLY_JS, "text/javascript")


@bp.get("/dashboard")
@login_required
def overview():
    filters = view_filters()
    if filters.office:
        # An office chosen in the filter opens that office's page, keeping the other filters
        # (only the filters: other query keys must not reach url_for as its arguments).
        return redirect(url_for("dashboards.office", code=filters.office, **filters.url_args(office=None)))
    return page("overview.html", report_office_code=scope_office_code(), **satisfaction_view(filters))


@bp.get("/dashboard/office/<code>")
@login_required
def office(code):
    office = office_in_scope(code)
    filters = dataclasses.replace(view_filters(), office=office.code)
    context = satisfaction_view(filters)
    ids = queries.subtree_ids(tree(), user(), filters)
    min_n = current_app.config["MIN_RATINGS_TO_RANK"]
    overall = context["current"]["satisfaction_rate"]
    counts = queries.staff_counts(get_db(), ids, filters)
    context["counters"] = ranking.rank(_named(queries.counters(get_db(), scale(), ids, filters, counts)), min_n,
                                       overall)
    context["officers"] = ranking.rank(_named(queries.officers(get_db(), scale(), ids, filters, counts)), min_n,
                                       overall)
    context["breadcrumbs"] = queries.breadcrumbs(tree(), user(), office.id, filters.structure)
    context["office"] = office
    context["succession"] = _succession(filters)
    return page("office.html", **context)


def _succession(filters):
    """Under `current`, an office merged away or closed has no figures of its own: say who took
    it over (the stats API's `successor`, server.stats.successor_notice) or when it closed."""
    if filters.structure != "current":
        return None
    found = tree().by_code[filters.office]
    query = parse_query(filters.stats_args(period="year"), today(), channels=current_app.extensions["channels"])
    notice = successor_notice(tree(), query, user())
    if notice:
        return {"successor": tree().by_code[notice["successor"]], "merged_at": dt.date.fromisoformat(found.merged_at)}
    if found.closed:
        return {"successor": None, "closed_after": dt.date.fromisoformat(found.active_to)}
    return None


def _named(counters):
    return [{**c, "name": f"{c['name']} – {c['office']}"} for c in counters]


def satisfaction_view(filters):
    """Everything the overview shows, for the filters' office (or the user's whole scope)."""
    db, lang = get_db(), language()
    day = today()
    parts = queries.satisfaction(db, tree(), scale(), filters, user(), day, breakdown="children")
    trend_rows = queries.by_period(parts, scale())
    current = queries.total(trend_rows, scale())
    previous = queries.total(queries.satisfaction(db, tree(), scale(), filters.previous(), user(), day,
                                                  period="year"), scale())
    by_office = _by_office(parts)
    names = {label: period_name(filters.period, label, lang) for label in {row["period"] for row in trend_rows}}
    reasons = queries.reasons(db, queries.subtree_ids(tree(), user(), filters), filters)
    reason_labels = {r.code: r.labels.get(lang, r.labels["vi"]) for r in scale().reasons}
    min_n = current_app.config["MIN_RATINGS_TO_RANK"]
    graphs = {
        "trend": charts.trend(trend_rows, names, lang, _, target=current_app.config["TARGET_RATE"],
                               min_n=min_n),
        "offices": charts.level_bars(by_office, scale(), lang, _),
        "heatmap": charts.heatmap([_own_counters_named(row) for row in parts], names, lang, _),
        "channels": charts.level_bars(_channels(db, filters, current, day), scale(), lang, _),
        "reasons": charts.reasons_pareto(reasons, reason_labels, lang, _),
    }
    return {"filters": filters, "current": current, "previous": previous, "trend_rows": trend_rows,
            "comparison": queries.comparison(db, filters), "trend_notes": charts.trend_notes(trend_rows, min_n, _),
            "by_office": by_office, "reasons": reasons, "reason_labels": reason_labels, "charts": graphs,
            "offices": queries.offices_for_picker(tree(), user(), filters.structure),
            "open_alerts": _open_alerts(), "panels": _panels(db, filters)}


def _panels(db, filters):
    """Other components' sections (app.extensions["dashboard_panels"]: panel(db, tree, user,
    office ids, first day, last day) -> HTML) for the view's offices and period."""
    ids = queries.subtree_ids(tree(), user(), filters)
    return [panel(db, tree(), user(), ids, filters.start, filters.end)
            for panel in current_app.extensions.get("dashboard_panels", ())]


def _own_counters_named(row):
    if row["part"] != "office_only":
        return row
    return {**row, "office_name": row["office_name"] + " – " + _("own counters")}


def _by_office(parts):
    """One row per office part over the whole range (counts summed across periods)."""
    grouped = {}
    for row in parts:
        grouped.setdefault((row["office"], row["part"]), []).append(row)
    result = []
    for (code, part), rows in grouped.items():
        result.append({"office": code if part == "subtree" else None, "part": part,
                       "office_name": _own_counters_named(rows[0])["office_name"], **queries.total(rows, scale())})
    return result


def _channels(db, filters, current, day):
    """Figures per rating channel of this server; the last is the whole minus the others, so they add up."""
    if filters.channel != "all":
        return [{"office": None, "office_name": channel_name(filters.channel), **current}]
    channels = current_app.extensions["channels"]
    rows, rest = [], current
    for channel in channels[:-1]:
        part = queries.total(queries.satisfaction(db, tree(), scale(), filters, user(), day, channel=channel,
                                                  period="year"), scale())
        rows.append({"office": None, "office_name": channel_name(channel), **part})
        rest = queries.difference(scale(), rest, part)
    rows.append({"office": None, "office_name": channel_name(channels[-1]), **rest})
    return [row for row in rows if row["responses"]]


def _open_alerts():
    from dashboards import alerting

    return alerting.open_alerts(get_db(), tree(), user(), limit=5)


@bp.get("/dashboard/compare")
@login_required
def compare():
    filters = view_filters()
    db, lang, day = get_db(), language(), today()
    min_n = current_app.config["MIN_RATINGS_TO_RANK"]
    current = queries.total(queries.satisfaction(db, tree(), scale(), filters, user(), day, period="year"), scale())
    parts = queries.satisfaction(db, tree(), scale(), filters, user(), day, breakdown="children", period="year")
    offices = [{**row, "name": row["office_name"]} for row in _by_office(parts)]
    office_rank = ranking.rank(offices, min_n, current["satisfaction_rate"])
    ids = queries.subtree_ids(tree(), user(), filters)
    officer_rank = ranking.rank(_named(queries.officers(db, scale(), ids, filters)), min_n,
                                current["satisfaction_rate"])
    graphs = {"offices": charts.ranking(office_rank[0], current["satisfaction_rate"], lang, _),
              "officers": charts.ranking(officer_rank[0], current["satisfaction_rate"], lang, _)}
    return page("compare.html", filters=filters, current=current, office_rank=office_rank,
                officer_rank=officer_rank, charts=graphs, min_n=min_n,
                offices=queries.offices_for_picker(tree(), user(), filters.structure))
