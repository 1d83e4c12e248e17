"""Exports of the current view (CSV, XLSX) and the printable quarterly report.

An export holds the rows of GET /api/v1/stats for the view's filters: the trend rows
(breakdown=none) and the office rows (breakdown=children), figure for figure.
"""

import csv
import datetime as dt
import io
import re

from flask import Response, abort, current_app, request
from flask_babel import gettext as _
from flask_login import login_required
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from dashboards import figures, queries
from dashboards.filters import Filters
from dashboards.formatting import language
from dashboards.labels import period_name
from dashboards.web import bp, office_in_scope, page, scale, today, tree, user, view_filters
from server import periods
from server.db import get_db

QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")


def export_rows(filters):
    db, day = get_db(), today()
    rows = []
    for breakdown in ("none", "children"):
        for row in queries.satisfaction(db, tree(), scale(), filters, user(), day, breakdown=breakdown):
            rows.append({"breakdown": breakdown, **row})
    return rows


def columns():
    scores = [str(s) for s in scale().scores]
    return (["breakdown", "office", "office_name", "part", "period", "period_start", "responses"]
            + [f"n{s}" for s in scores]
            + ["satisfaction_rate", "satisfaction_ci95_low", "satisfaction_ci95_high", "csat", "mean_score"])


def flat(row):
    ci = row["satisfaction_ci95"] or [None, None]
    values = {key: row[key] for key in ("breakdown", "office", "office_name", "part", "period", "period_start",
                                        "responses", "satisfaction_rate", "csat", "mean_score")}
    values.update({f"n{s}": n for s, n in row["counts"].items()})
    values.update(satisfaction_ci95_low=ci[0], satisfaction_ci95_high=ci[1])
    return [values[c] for c in columns()]


def _filename(filters, extension):
    return f"satisfaction-{filters.office or 'all'}-{filters.start}-{filters.end}-{filters.period}.{extension}"


@bp.get("/dashboard/export.csv")
@login_required
def export_csv():
    filters = view_filters()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns())
    for row in export_rows(filters):
        writer.writerow(flat(row))
    # A BOM so Excel opens the Vietnamese names as UTF-8.
    return Response("\ufeff" + out.getvalue(), mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f"attachment; filename={_filename(filters, 'csv')}"})


@bp.get("/dashboard/export.xlsx")
@login_required
def export_xlsx():
    filters = view_filters()
    book = Workbook(write_only=True)  # streams rows: several times faster than the full model
    sheet = book.create_sheet("satisfaction")
    for letter, width in zip("ABCDEFG", (10, 12, 44, 12, 10, 12, 10), strict=True):
        sheet.column_dimensions[letter].width = width
    header = []
    for name in columns():
        cell = WriteOnlyCell(sheet, value=name)
        cell.font = Font(bold=True)
        header.append(cell)
    sheet.append(header)
    for row in export_rows(filters):
        sheet.append(flat(row))
    about = book.create_sheet("filters")
    for key, value in filters.stats_args().items():
        about.append([key, value])
    data = io.BytesIO()
    book.save(data)
    return Response(data.getvalue(),
                    mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f"attachment; filename={_filename(filters, 'xlsx')}"})


def quarter_range(label, day):
    """(label, first day, last day) of the asked quarter, or of the last full one."""
    if not label:
        first = periods.shift("quarter", day, -1)
    else:
        match = QUARTER.match(label)
        if not match:
            abort(400, "quarter: must look like 2026-Q3")
        if not periods.EARLIEST.year <= int(match[1]) <= periods.LATEST.year:
            abort(400, f"quarter: must be between {periods.EARLIEST.year}-Q1 and {periods.LATEST.year}-Q4")
        first = dt.date(int(match[1]), 3 * int(match[2]) - 2, 1)
    last = periods.shift("quarter", first, 1) - dt.timedelta(days=1)
    return periods.labels(first)["quarter"], first, last


@bp.get("/dashboard/report/<code>")
@login_required
def quarterly_report(code):
    office = office_in_scope(code)
    label, first, last = quarter_range(request.args.get("quarter"), today())
    filters = Filters(office=office.code, preset="custom", start=first, end=last, period="month",
                      channel="all", include_misuse=False, structure=request.args.get("structure", "current")
                      if request.args.get("structure") in ("current", "historical") else "current")
    db, lang, day = get_db(), language(), today()
    months = queries.satisfaction(db, tree(), scale(), filters, user(), day)
    current = queries.total(months, scale())
    previous = queries.total(queries.satisfaction(db, tree(), scale(), filters.previous(), user(), day,
                                                  period="quarter"), scale())
    parts = queries.satisfaction(db, tree(), scale(), filters, user(), day, breakdown="children", period="quarter")
    reasons = queries.reasons(db, queries.subtree_ids(tree(), user(), filters), filters)
    labels = {r.code: r.labels.get(lang, r.labels["vi"]) for r in scale().reasons}
    names = {row["period"]: period_name("month", row["period"], lang) for row in months}
    rows = [{**row, "office": row["office"] if row["part"] == "subtree" else None,
             "office_name": row["office_name"] + (" – " + _("own counters") if row["part"] == "office_only" else "")}
            for row in parts]
    charts = {"trend": figures.trend(months, names, lang, _, target=current_app.config["TARGET_RATE"],
                                     min_n=current_app.config["MIN_RATINGS_TO_RANK"]),
              "offices": figures.level_bars(rows, scale(), lang, _),
              "reasons": figures.reasons_pareto(reasons, labels, lang, _)}
    return page("report.html", office=office, quarter=label, quarter_name=period_name("quarter", label, lang),
                filters=filters, current=current, previous=previous, parts=rows, reasons=reasons,
                reason_labels=labels, charts=charts, generated=day, quarter_choices=quarter_choices(day, lang))


def quarter_choices(day, language, count=12):
    """(label, name) of the quarters a report can be asked for, this one first."""
    choices = []
    for back in range(count):
        label = periods.labels(periods.shift("quarter", day, -back))["quarter"]
        choices.append((label, period_name("quarter", label, language)))
    return choices
