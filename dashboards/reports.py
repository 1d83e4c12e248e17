"""The quarterly report as documents an office files: Word (to edit before signing) and PDF.

`GET /dashboard/report.docx?office=CODE&quarter=YYYY-Qn` and `/dashboard/report.pdf?...`
hold the same content, in the form of a Vietnamese administrative report (Decree
30/2020/NĐ-CP): the issuing office and the national motto side by side, number and date
lines, the title, figures by office with their sample sizes and 95 % intervals (the rows
of GET /api/v1/stats for that office and quarter), the trend as an image, reasons, a short
list of citizens' comments still within retention, and the signature block. Administrative
documents are written in Vietnamese whatever the reader's page language.
"""

import base64
import datetime as dt
import io

from babel.numbers import format_decimal
from docx.shared import Cm, Pt
from flask import Response, current_app, render_template, request
from flask_login import login_required

from dashboards import chart_image, queries
from dashboards.exports import quarter_range
from dashboards.filters import Filters
from dashboards.labels import percent, percent_range, period_name
from dashboards.web import bp, office_in_scope, scale, scope_office_code, today, tree, user
from server import documents, periods
from server.db import get_db
from server.documents import CENTER, paragraph

COMMENTS_SHOWN = 10


def number(value):
    return "–" if value is None else format_decimal(value, locale="vi")


def rate(value):
    return "–" if value is None else percent(value, "vi")


def interval(ci):
    return "–" if not ci else percent_range(ci[0], ci[1], "vi")


def points(difference):
    if difference is None:
        return "–"
    difference = round(difference * 100, 1)
    sign = "+" if difference > 0 else "−" if difference < 0 else "±"
    return f"{sign}{format_decimal(abs(difference), '0.0', locale='vi')} điểm %"


def _filters(office, start, end, period):
    return Filters(office=office.code, preset="custom", start=start, end=end, period=period, channel="all",
                   include_misuse=False, structure="current")


def _total(filters, day):
    rows = queries.satisfaction(get_db(), tree(), scale(), filters, user(), day, period="year")
    figures = queries.total(rows, scale())
    return figures if figures["responses"] else None


def _place(office):
    """The place the date line names: the province (the root of the office's tree)."""
    root = tree().by_id[tree().lineage(office.id, "current")[-1]]
    for prefix in ("Tỉnh ", "Thành phố ", "UBND tỉnh ", "UBND "):
        if root.name.startswith(prefix):
            return root.name[len(prefix):]
    return root.name


def report_context(code, quarter):
    """Everything the documents say, for one office and quarter the user may see."""
    office = office_in_scope(code)
    day = today()
    label, first, last = quarter_range(quarter, day)
    db = get_db()
    filters = _filters(office, first, last, "quarter")
    parts = queries.satisfaction(db, tree(), scale(), filters, user(), day, breakdown="children")
    total_rows = queries.satisfaction(db, tree(), scale(), filters, user(), day)
    months_from = periods.shift("month", first, -9)
    months = queries.satisfaction(db, tree(), scale(), _filters(office, months_from, last, "month"), user(), day)
    previous = _total(_filters(office, periods.shift("quarter", first, -1), first - dt.timedelta(days=1),
                                "quarter"), day)
    a_year_before = _total(_filters(office, first.replace(year=first.year - 1), last.replace(year=last.year - 1),
                                    "quarter"), day)
    ids = queries.subtree_ids(tree(), user(), filters)
    reason_labels = {r.code: r.labels["vi"] for r in scale().reasons}
    reasons = queries.reasons(db, ids, filters)
    given = sum(n for _, n in reasons) or 1
    parent_ids = tree().lineage(office.id, "current")[1:2]
    return {
        "office": office, "parent": tree().by_id[parent_ids[0]] if parent_ids else None,
        "quarter": label, "quarter_name": period_name("quarter", label, "vi"), "first": first, "last": last,
        "generated": day, "place": _place(office), "number_line": f"Số:       /BC-{office.code}",
        "total": total_rows[0] if total_rows else None, "parts": parts,
        "previous": previous, "a_year_before": a_year_before,
        "months": months, "month_names": {r["period"]: period_name("month", r["period"], "vi") for r in months},
        "quarter_months": {periods.labels(periods.shift("month", first, i))["month"] for i in range(3)},
        "reasons": [(reason_labels.get(code, code), n, n / given) for code, n in reasons],
        "target": current_app.config["TARGET_RATE"],
        **_comments(db, ids, office, first, last, day),
        # Other components' sections (app.extensions["report_sections"]: section(db, office ids,
        # first day, last day) -> (heading, [lines])), after the citizens' comments.
        "extra_sections": [section(db, ids, first, last)
                           for section in current_app.extensions.get("report_sections", ())],
    }


ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X")


def closing_numeral(context):
    """The numeral of the last section (assessment), after the other components' sections."""
    return ROMAN[5 + len(context["extra_sections"])]


def _comments(db, ids, office, first, last, day):
    """A few recent comments of the quarter, only from days still inside retention: a
    report filed today must not bring back what `flask purge` is due to erase."""
    keep_days = current_app.config["COMMENT_RETENTION_DAYS"]
    kept_from = day - dt.timedelta(days=keep_days)
    start = max(first, kept_from)
    if start > last:
        return {"comments": [], "comments_note": f"Ý kiến của quý này đã quá thời hạn lưu ({keep_days} ngày) "
                                                 "và không còn được giữ."}
    items, _ = queries.comments(db, ids, _filters(office, start, last, "quarter"), limit=200)
    levels = {level.score: level.labels["vi"] for level in scale().levels}
    shown = [{"day": dt.date.fromisoformat(item["local_day"]), "office": item["office_name"],
              "level": levels.get(item["score"], str(item["score"])), "text": item["comment"].strip()}
             for item in items if item["comment"] and item["comment"].strip()][:COMMENTS_SHOWN]
    note = f"Tối đa {COMMENTS_SHOWN} ý kiến gần nhất trong quý; ý kiến được lưu {keep_days} ngày."
    if start > first:
        note += f" Ý kiến trước ngày {start:%d/%m/%Y} đã quá thời hạn lưu."
    return {"comments": shown, "comments_note": note}


def trend_png(context):
    return chart_image.trend_png(context["months"], context["month_names"], "vi",
                                 highlight=context["quarter_months"], target=context["target"],
                                 labels={"target": "Mục tiêu", "rate": "Tỷ lệ hài lòng (QĐ 766)",
                                         "responses": "Số phiếu", "band": "Khoảng tin cậy 95 %",
                                         "empty": "Chưa có phiếu đánh giá"})


def office_rows(context):
    """The table of figures by office: each part, then the total (parts add up to it)."""
    def cells(name, row):
        return [name, number(row["responses"]), rate(row["satisfaction_rate"]), interval(row["satisfaction_ci95"]),
                rate(row["csat"]), format_decimal(row["mean_score"], "0.00", locale="vi")]
    rows = [cells(row["office_name"] + (" (tại chỗ)" if row["part"] == "office_only" else ""), row)
            for row in context["parts"]]
    if context["total"]:
        rows.append(cells("Tổng cộng", context["total"]))
    return rows


OFFICE_HEADERS = ["Cơ quan, đơn vị", "Số phiếu (n)", "Tỷ lệ hài lòng (QĐ 766)", "Khoảng tin cậy 95 %", "CSAT",
                  "Điểm TB"]


def reason_lines(context):
    return [f"{name}: {number(n)} lượt ({percent(share, 'vi')})." for name, n, share in context["reasons"]] \
        or ["Không có lý do nào được nêu trong quý."]


def comment_lines(context):
    return [f"{item['day']:%d/%m/%Y}, {item['office']} ({item['level']}): “{item['text']}”"
            for item in context["comments"]] or ["Không có ý kiến."]


def summary_lines(context):
    total, target = context["total"], context["target"]
    if not total:
        return [f"Trong {context['quarter_name']} chưa có phiếu đánh giá nào."]
    lines = [f"Tổng số phiếu đánh giá: {number(total['responses'])}.",
             f"Tỷ lệ hài lòng theo Quyết định 766/QĐ-TTg: {rate(total['satisfaction_rate'])} "
             f"(khoảng tin cậy 95 %: {interval(total['satisfaction_ci95'])}); mục tiêu {percent(target, 'vi', 0)}: "
             + ("đạt." if total["satisfaction_rate"] >= target else "chưa đạt."),
             f"Tỷ lệ rất hài lòng và hài lòng (CSAT): {rate(total['csat'])}; điểm trung bình "
             f"{format_decimal(total['mean_score'], '0.00', locale='vi')}/{scale().size}."]
    for name, before in (("quý trước", context["previous"]), ("cùng kỳ năm trước", context["a_year_before"])):
        if before:
            change = points(total["satisfaction_rate"] - before["satisfaction_rate"])
            lines.append(f"So với {name} (cả quý, {number(before['responses'])} phiếu, "
                         f"{rate(before['satisfaction_rate'])}): {change}.")
        else:
            lines.append(f"So với {name}: không có số liệu để so sánh.")
    return lines


@bp.get("/dashboard/report.docx")
@login_required
def report_docx():
    context = report_context(request.args.get("office") or scope_office_code(), request.args.get("quarter"))
    body = build_docx(context, trend_png(context))
    return Response(body, mimetype=documents.DOCX_TYPE, headers={
        "Content-Disposition": f"attachment; filename=bao-cao-{context['office'].code}-{context['quarter']}.docx"})


@bp.get("/dashboard/report.pdf")
@login_required
def report_pdf():
    from weasyprint import HTML  # heavy (pango): only when a PDF is asked for

    context = report_context(request.args.get("office") or scope_office_code(), request.args.get("quarter"))
    chart = base64.b64encode(trend_png(context)).decode()
    html = render_template("dashboards/report_document.html", c=context, chart=chart, rows=office_rows(context),
                           headers=OFFICE_HEADERS, summary=summary_lines(context),
                           reasons=reason_lines(context), comments=comment_lines(context), roman=ROMAN,
                           closing=closing_numeral(context))
    from weasyprint.urls import URLFetcher

    # No base URL and only data: URLs: everything the PDF shows is in this HTML, nothing is fetched.
    body = HTML(string=html, url_fetcher=URLFetcher(allowed_protocols={"data"})).write_pdf()
    return Response(body, mimetype="application/pdf", headers={
        "Content-Disposition": f"attachment; filename=bao-cao-{context['office'].code}-{context['quarter']}.pdf"})


# --- Word ---------------------------------------------------------------------------
# The administrative form itself (page, heading and signature blocks) is server.documents'.


def build_docx(context, chart):
    document = documents.a4_document()
    superior = context["parent"].name.upper() if context["parent"] else "ỦY BAN NHÂN DÂN"
    day = context["generated"]
    documents.heading_block(document, superior, context["office"].name.upper(), context["number_line"],
                            f"{context['place']}, ngày {day:%d} tháng {day:%m} năm {day:%Y}")
    paragraph(document, "BÁO CÁO", bold=True, size=14, align=CENTER, space_after=0)
    paragraph(document, "Kết quả khảo sát mức độ hài lòng của người dân, tổ chức đối với sự phục vụ "
                         f"của {context['office'].name}", bold=True, size=14, align=CENTER,
               space_after=0)
    paragraph(document, f"{context['quarter_name']} (từ {context['first']:%d/%m/%Y} đến {context['last']:%d/%m/%Y})",
               italic=True, align=CENTER, space_after=12)
    paragraph(document, "I. KẾT QUẢ CHUNG", bold=True)
    for line in summary_lines(context):
        paragraph(document, "- " + line)
    paragraph(document, "II. KẾT QUẢ THEO CƠ QUAN, ĐƠN VỊ", bold=True)
    _office_table(document, office_rows(context))
    paragraph(document, "Tỷ lệ hài lòng theo Quyết định 766/QĐ-TTg = (số phiếu − số phiếu không hài lòng) / số "
                         "phiếu. Khoảng tin cậy 95 % (Wilson): đơn vị có ít phiếu có khoảng rộng, không nên xếp hạng "
                         "theo tỷ lệ. Phiếu bấm quá nhanh (lạm dụng) không được tính.", italic=True, size=11)
    paragraph(document, "III. DIỄN BIẾN 12 THÁNG", bold=True)
    document.add_picture(io.BytesIO(chart), width=Cm(16))
    paragraph(document, f"Hình 1. Tỷ lệ hài lòng theo tháng; nền vàng: các tháng của {context['quarter_name']}; "
                         "điểm rỗng, nét đứt: tháng chưa trọn.", italic=True, size=11,
               align=CENTER)
    paragraph(document, "IV. LÝ DO CHƯA HÀI LÒNG", bold=True)
    for line in reason_lines(context):
        paragraph(document, "- " + line)
    paragraph(document, "V. Ý KIẾN CỦA NGƯỜI DÂN", bold=True)
    for line in comment_lines(context):
        paragraph(document, "- " + line)
    paragraph(document, context["comments_note"], italic=True, size=11)
    for number_, (heading, lines) in zip(ROMAN[5:], context["extra_sections"], strict=False):
        paragraph(document, f"{number_}. {heading}", bold=True)
        for line in lines:
            paragraph(document, "- " + line)
    paragraph(document, f"{closing_numeral(context)}. ĐÁNH GIÁ, KIẾN NGHỊ", bold=True)
    paragraph(document, "(Cơ quan bổ sung nhận xét và kiến nghị trước khi ký ban hành.)", italic=True)
    paragraph(document, "")
    superior = context["parent"].name if context["parent"] else "cơ quan cấp trên"
    documents.signature_block(document, [f"{superior};", "Lưu: VT."], "THỦ TRƯỞNG CƠ QUAN")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


OFFICE_WIDTHS_CM = (5.0, 2.1, 2.4, 2.8, 2.1, 2.1)  # the office's name wide enough not to wrap word by word


def _office_table(document, rows):
    table = document.add_table(rows=1, cols=len(OFFICE_HEADERS))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, OFFICE_HEADERS, strict=True):
        cell.paragraphs[0].add_run(text).bold = True
    for values in rows:
        cells = table.add_row().cells
        for index, (cell, text) in enumerate(zip(cells, values, strict=True)):
            run = cell.paragraphs[0].add_run(text)
            run.bold = values is rows[-1] and values[0] == "Tổng cộng"
            if index:
                cell.paragraphs[0].alignment = documents.RIGHT
    documents.column_widths(table, OFFICE_WIDTHS_CM)
    for row in table.rows:
        for cell in row.cells:
            for line in cell.paragraphs:
                for run in line.runs:
                    run.font.size = Pt(11)
