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
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from dashboards import charts, queries
from dashboards.filters import Filters
from dashboards.formatting import language, local_time
from dashboards.labels import period_name
from dashboards.web import bp, office_in_scope, page, scale, today, tree, user, view_filters
from server import periods
from server.db import get_db
from server.timeutil import to_stored, utcnow

QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")
# A text cell starting with one of these is a formula to Excel and LibreOffice (CR and TAB
# are skipped before the sign): `=HYPERLINK(...)` in an office's name would run.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """A value for a CSV cell that a spreadsheet shows as text, never runs: a text that
    would start a formula gets a leading `'` (OWASP's advice). Numbers pass unchanged. Call
    it on every cell of every CSV export (names, comments, any free text)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def xlsx_cell(sheet, value):
    """A write-only XLSX cell; a text is stored as a string, whatever it starts with
    (openpyxl would store a text starting with `=` as a live formula)."""
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str):
        cell.data_type = "s"
    return cell


def export_rows(filters):
    db, day = get_db(), today()
    rows = []
    for breakdown in ("none", "children"):
        for row in queries.satisfaction(db, tree(), scale(), filters, user(), day, breakdown=breakdown):
            rows.append({"breakdown": breakdown, **row})
    return rows


# (key, header, kind): kinds pick the Excel number format and how CSV writes the value.
def columns():
    levels = [(f"n{level.score}", f"{level_name(level)} ({level.score})", "count") for level in scale().levels]
    return ([("part_label", _("Rows"), "text"), ("office", _("Office code"), "text"),
             ("office_name", _("Office"), "text"), ("part", _("Part"), "text"),
             ("period", _("Period"), "text"), ("period_start", _("Period starts"), "date"),
             ("partial", _("Incomplete period"), "text"), ("responses", _("Responses (n)"), "count")]
            + levels
            + [("satisfaction_rate", _("Satisfaction rate (Decision 766)"), "rate"),
               ("ci_low", _("95 percent interval, low"), "rate"), ("ci_high", _("95 percent interval, high"), "rate"),
               ("csat", "CSAT", "rate"), ("mean_score", _("Mean score"), "score")])


def level_name(level):
    return level.labels.get(language(), level.labels["vi"])


def values(row):
    """One export row as {column key: value}: dates as dates, rates as fractions."""
    ci = row["satisfaction_ci95"] or [None, None]
    lang = language()
    result = {
        "part_label": _("Total") if row["breakdown"] == "none" else _("By office"),
        "office": row["office"], "office_name": row["office_name"],
        "part": {"subtree": _("whole office"), "office_only": _("own counters")}[row["part"]],
        "period": period_name(row.get("period_kind", "month"), row["period"], lang),
        "period_start": dt.date.fromisoformat(row["period_start"]),
        "partial": _("yes") if row.get("partial") else _("no"),
        "responses": row["responses"], "satisfaction_rate": row["satisfaction_rate"],
        "ci_low": ci[0], "ci_high": ci[1], "csat": row["csat"], "mean_score": row["mean_score"],
    }
    result.update({f"n{s}": n for s, n in row["counts"].items()})
    return result


def _filename(filters, extension):
    return f"satisfaction-{filters.office or 'all'}-{filters.start}-{filters.end}-{filters.period}.{extension}"


def _csv_value(value, kind, decimal):
    if value is None:
        return ""
    if kind == "rate":
        text = f"{value * 100:.2f}"  # a percentage: the API's four decimals are two here
    elif kind == "score":
        text = f"{value:.4f}".rstrip("0").rstrip(".")
    elif kind == "date":
        return value.strftime("%d/%m/%Y") if language() == "vi" else value.isoformat()
    else:
        return str(value)
    return text.replace(".", decimal)


@bp.get("/dashboard/export.csv")
@login_required
def export_csv():
    """The view's rows as CSV with a UTF-8 BOM (so Excel reads the Vietnamese names);
    `sep=semicolon` writes `;` between fields and decimal commas, as Excel set to Vietnamese
    expects. Totals and rows by office are marked in the first column, so a sum over one
    kind does not count anything twice."""
    filters = view_filters(strict=True)  # a download has no form to mark
    semicolon = request.args.get("sep", "comma") == "semicolon"
    if request.args.get("sep", "comma") not in ("comma", "semicolon"):
        abort(400, _("The separator must be a comma or a semicolon."))
    decimal = "," if semicolon else "."
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";" if semicolon else ",")
    spec = columns()
    writer.writerow([neutralise(header + (" (%)" if kind == "rate" else "")) for _key, header, kind in spec])
    for row in export_rows(filters):
        row = {**row, "period_kind": filters.period}
        data = values(row)
        writer.writerow([neutralise(_csv_value(data.get(key), kind, decimal)) for key, _header, kind in spec])
    suffix = "-semicolon" if semicolon else ""
    return Response("\ufeff" + out.getvalue(), mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition":
                             f"attachment; filename={_filename(filters, 'csv').replace('.csv', suffix + '.csv')}"})


FORMATS = {"count": "#,##0", "rate": "0.0%", "score": "0.00", "date": "DD/MM/YYYY"}
WIDTHS = {"text": 14, "count": 11, "rate": 12, "score": 10, "date": 12}


def _sheet(book, title, spec, rows, filters):
    sheet = book.create_sheet(title)
    for index, (key, _header, kind) in enumerate(spec):
        sheet.column_dimensions[get_column_letter(index + 1)].width = 44 if key == "office_name" else WIDTHS[kind]
    sheet.freeze_panes = "A2"  # the header stays while scrolling
    count = 0
    header = []
    for _key, text, _kind in spec:
        cell = WriteOnlyCell(sheet, value=text)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        header.append(cell)
    sheet.append(header)
    for row in rows:
        data = values({**row, "period_kind": filters.period})
        line = []
        for key, _header, kind in spec:
            cell = xlsx_cell(sheet, data.get(key))
            if kind in FORMATS:
                cell.number_format = FORMATS[kind]
            line.append(cell)
        sheet.append(line)
        count += 1
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(spec))}{count + 1}"
    return sheet


def filter_lines(filters):
    """The view's filters in words, for the sheet that says what the export holds."""
    office = tree().by_code.get(filters.office) if filters.office else None
    channels = {"all": _("All channels"), "kiosk": _("Kiosk"), "sms": "SMS"}
    steps = {"day": _("Day"), "week": _("Week"), "month": _("Month"), "quarter": _("Quarter")}
    return [(_("Office"), office.name if office else _("All offices in your scope")),
            (_("Office code"), filters.office or ""), (_("From"), filters.start), (_("To"), filters.end),
            (_("Step"), steps.get(filters.period, filters.period)), (_("Channel"), channels[filters.channel]),
            (_("Structure"), _("Current offices") if filters.structure == "current" else _("As before mergers")),
            (_("Include misuse"), _("yes") if filters.include_misuse else _("no")),
            (_("Exported"), local_time(to_stored(utcnow()))), (_("Exported by"), user()["username"]),
            (_("Rows"), _("Sheet “%(total)s” holds the totals; sheet “%(parts)s” the offices below, which add up "
                          "to the totals: do not add the two sheets together.",
                          total=_("Total"), parts=_("By office"))),
            (_("Rates"), _("Decision 766/QĐ-TTg: (responses − dissatisfied) / responses; the 95 percent interval is "
                           "Wilson's."))]


@bp.get("/dashboard/export.xlsx")
@login_required
def export_xlsx():
    filters = view_filters(strict=True)  # a download has no form to mark
    book = Workbook(write_only=True)  # streams rows: several times faster than the full model
    spec = [column for column in columns() if column[0] != "part_label"]
    rows = export_rows(filters)
    _sheet(book, _("Total"), spec, [r for r in rows if r["breakdown"] == "none"], filters)
    _sheet(book, _("By office"), spec, [r for r in rows if r["breakdown"] == "children"], filters)
    about = book.create_sheet(_("Filters"))
    about.column_dimensions["A"].width, about.column_dimensions["B"].width = 22, 90
    for name, value in filter_lines(filters):
        label = xlsx_cell(about, name)
        label.font = Font(bold=True)
        cell = xlsx_cell(about, value)
        if isinstance(value, dt.date):
            cell.number_format = FORMATS["date"]
        about.append([label, cell])
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
            abort(400, _("The quarter must be written like 2026-Q3."))
        if not periods.EARLIEST.year <= int(match[1]) <= periods.LATEST.year:
            abort(400, _("The quarter must be between %(first)s-Q1 and %(last)s-Q4.", first=periods.EARLIEST.year,
                         last=periods.LATEST.year))
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
    graphs = {"trend": charts.trend(months, names, lang, _, target=current_app.config["TARGET_RATE"],
                                     min_n=current_app.config["MIN_RATINGS_TO_RANK"]),
              "offices": charts.level_bars(rows, scale(), lang, _),
              "reasons": charts.reasons_pareto(reasons, labels, lang, _)}
    return page("report.html", office=office, quarter=label, quarter_name=period_name("quarter", label, lang),
                filters=filters, current=current, previous=previous, parts=rows, reasons=reasons,
                reason_labels=labels, charts=graphs, generated=day, quarter_choices=quarter_choices(day, lang))


def quarter_choices(day, language, count=12):
    """(label, name) of the quarters a report can be asked for, this one first."""
    choices = []
    for back in range(count):
        label = periods.labels(periods.shift("quarter", day, -back))["quarter"]
        choices.append((label, period_name("quarter", label, language)))
    return choices
