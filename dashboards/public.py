"""The public page (off unless PUBLIC_PAGE is set): satisfaction per office for citizens.

Aggregates only: per office, the Decision 766 rate, CSAT and the number of ratings over
the last full quarter and the year so far. No comments, no officers, no counters; an office
with fewer ratings than MIN_RATINGS_TO_RANK shows its count but no rate.
"""

import dataclasses

from flask import Blueprint, abort, current_app, request
from flask_babel import gettext as _

from dashboards import charts, queries
from dashboards.exports import quarter_range
from dashboards.filters import Filters
from dashboards.formatting import language
from dashboards.web import page, scale, security_headers, today, tree
from server.db import get_db

bp = Blueprint("public", __name__)
bp.after_request(security_headers)
EVERYONE = {"id": 0, "username": "public", "role": "viewer", "office_id": None}


@bp.get("/public")
def satisfaction():
    if not current_app.config["PUBLIC_PAGE"]:  # off: say so to the citizen, not a bare "not found"
        return page("error.html", code=404, message=None, public_off=True), 404
    code = request.args.get("office")
    office = tree().by_code.get(code.upper()) if code else None
    if code and office is None:
        abort(404)
    day = today()
    label, first, last = quarter_range(None, day)
    quarter = Filters(office=office.code if office else None, preset="custom", start=first, end=last,
                      period="quarter", channel="all", include_misuse=False, structure="current")
    year = dataclasses.replace(quarter, start=day.replace(month=1, day=1), end=day, period="year")
    min_n = current_app.config["MIN_RATINGS_TO_RANK"]
    tables = {name: _rows(filters, day, min_n) for name, filters in (("quarter", quarter), ("year", year))}
    shown = [row for row in tables["quarter"] if row["shown"]]
    chart = charts.level_bars(shown, scale(), language(), _)
    return page("public.html", office=office, tables=tables, quarter_label=label, charts={"offices": chart},
                min_n=min_n, year=day.year)


def _rows(filters, day, min_n):
    rows = queries.satisfaction(get_db(), tree(), scale(), filters, EVERYONE, day, breakdown="children")
    grouped = {}
    for row in rows:
        grouped.setdefault((row["office"], row["part"]), []).append(row)
    result = []
    for (code, part), group in grouped.items():
        figures_ = queries.total(group, scale())
        name = group[0]["office_name"] + (" – " + _("own counters") if part == "office_only" else "")
        has_children = part == "subtree" and bool(tree().children(tree().by_code[code].id, "current"))
        result.append({"office": code if has_children else None, "office_name": name,
                       "shown": figures_["responses"] >= min_n, **figures_})
    return result
