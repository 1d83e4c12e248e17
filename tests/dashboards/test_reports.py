"""The quarterly report as documents: read back the Word file with python-docx and the PDF with
pdftotext, as an office would open them, and hold their figures against GET /api/v1/stats."""

import datetime as dt
import io
import re
import subprocess

import docx
import pytest

from dashboards.labels import percent, percent_range
from tests.dashboards.support import DEMO_NOW
from tests.support import ARTIFACTS, opened_in_an_office_suite, pin_clock

QUARTER = {"from": "2026-07-01", "to": "2026-09-30", "period": "quarter"}
SHOTS = ARTIFACTS / "dashboards"


def api(client, **params):
    response = client.get("/api/v1/stats", query_string=params)
    assert response.status_code == 200, response.text
    return response.json["rows"]


def vi_number(n):
    return f"{n:,}".replace(",", ".")


def expected_table(client, office):
    """The rows the report's table must show: the API's children breakdown, then its total."""
    rows = api(client, office=office, breakdown="children", **QUARTER)
    total = api(client, office=office, **QUARTER)
    assert len(total) == 1
    expected = [(r["office_name"] + (" (tại chỗ)" if r["part"] == "office_only" else ""), r) for r in rows]
    expected.append(("Tổng cộng", total[0]))
    return [[name, vi_number(r["responses"]), percent(r["satisfaction_rate"], "vi"),
             percent_range(*r["satisfaction_ci95"], "vi"), percent(r["csat"], "vi"),
             f"{r['mean_score']:.2f}".replace(".", ",")] for name, r in expected]


def word(client, **params):
    response = client.get("/dashboard/report.docx", query_string=params)
    assert response.status_code == 200, response.text
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    return docx.Document(io.BytesIO(response.data))


def text_of(document):
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return "\n".join(parts)


@pytest.mark.parametrize("office", ["LDG", "LDG-NGN"])
def test_the_word_report_holds_the_apis_figures_office_by_office(as_user, office):
    client = as_user("tinh")
    document = word(client, office=office, quarter="2026-Q3")
    figures = next(t for t in document.tables if t.rows[0].cells[0].text == "Cơ quan, đơn vị")
    shown = [[cell.text for cell in row.cells] for row in figures.rows[1:]]
    assert shown == expected_table(client, office)


def test_the_word_report_is_in_vietnamese_administrative_form(as_user):
    client = as_user("giangia")
    document = word(client, office="LDG-NGN", quarter="2026-Q3")
    text = text_of(document)
    heading = document.tables[0].rows[0].cells
    assert "TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG PHƯỜNG NAM GIA NGHĨA" in heading[0].text
    assert "TỈNH LÂM ĐỒNG" in heading[0].text
    assert re.search(r"Số:\s+/BC-LDG-NGN", heading[0].text)
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in heading[1].text and "Độc lập - Tự do - Hạnh phúc" in heading[1].text
    assert re.search(r"Lâm Đồng, ngày \d\d tháng \d\d năm 20\d\d", heading[1].text)
    assert "BÁO CÁO" in text and "Quý 3/2026 (từ 01/07/2026 đến 30/09/2026)" in text
    assert "THỦ TRƯỞNG CƠ QUAN" in text and "Nơi nhận:" in text and "(Ký, ghi rõ họ tên, đóng dấu)" in text
    assert "LÝ DO CHƯA HÀI LÒNG" in text and "Ý KIẾN CỦA NGƯỜI DÂN" in text
    assert len(document.inline_shapes) == 1  # the trend chart, as an image Word shows
    total = api(client, office="LDG-NGN", **QUARTER)[0]
    assert f"Tổng số phiếu đánh giá: {vi_number(total['responses'])}." in text
    # Editable: the styles are Word's own, the body font the administrative one.
    assert document.styles["Normal"].font.name == "Times New Roman"


def test_comments_past_retention_stay_out_of_the_report(as_user, demo_app, monkeypatch):
    # A day a few weeks after the demo's year (2025-11-01..2026-10-31), as when it was seeded: the
    # retention cut falls inside the demo, with comments on both sides of it. Counted from the
    # machine's today, from November 2027 the cut passed the demo's last comment and nothing was
    # left to keep or to hide.
    now = pin_clock(monkeypatch, DEMO_NOW)
    client = as_user("tinh")
    today = now.astimezone(demo_app.extensions["timezone"]).date()
    kept_from = today - dt.timedelta(days=int(demo_app.config["COMMENT_RETENTION_DAYS"]))
    quarter = f"{kept_from.year}-Q{(kept_from.month - 1) // 3 + 1}"
    text = text_of(word(client, office="LDG", quarter=quarter))
    listed = [dt.datetime.strptime(day, "%d/%m/%Y").date() for day in re.findall(r"^- (\d\d/\d\d/\d{4}), ", text, re.M)]
    assert listed and all(day >= kept_from for day in listed)
    if kept_from.day != 1 or kept_from.month not in (1, 4, 7, 10):
        assert f"Ý kiến trước ngày {kept_from:%d/%m/%Y} đã quá thời hạn lưu." in text
    old = text_of(word(client, office="LDG", quarter=f"{kept_from.year - 1}-Q1"))
    assert "đã quá thời hạn lưu" in old and not re.search(r"^- \d\d/\d\d/\d{4}, ", old, re.M)


def test_the_pdf_report_reads_the_same_figures(as_user, tmp_path):
    client = as_user("tinh")
    response = client.get("/dashboard/report.pdf", query_string={"office": "LDG-NGN", "quarter": "2026-Q3"})
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(response.data)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout.replace("\u00a0", " ")
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text and "Độc lập - Tự do - Hạnh phúc" in text
    assert "THỦ TRƯỞNG CƠ QUAN" in text
    for row in expected_table(client, "LDG-NGN"):
        row = [cell.replace("\u00a0", " ") for cell in row]
        line = next(line for line in text.splitlines() if row[3] in line and row[1] in line)
        assert all(cell in line for cell in row[1:]), (row, line)
    # Screenshots of the document for people to look at (the Word file holds the same content).
    SHOTS.mkdir(parents=True, exist_ok=True)
    subprocess.run(["pdftoppm", "-r", "70", "-png", str(pdf), str(SHOTS / "report-document")], check=True)


def test_the_word_report_opens_in_an_office_suite_with_its_figures_laid_out(as_user, tmp_path):
    client = as_user("tinh")
    response = client.get("/dashboard/report.docx", query_string={"office": "LDG-NGN", "quarter": "2026-Q3"})
    text = opened_in_an_office_suite(response.data, tmp_path, "report-word", SHOTS)
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text and "Độc lập - Tự do - Hạnh phúc" in text
    assert "THỦ TRƯỞNG CƠ QUAN" in text and "(Ký, ghi rõ họ tên, đóng dấu)" in text
    for row in expected_table(client, "LDG-NGN"):
        row = [cell.replace("\u00a0", " ") for cell in row]
        # Each office's figures stay on one line of the laid-out table, none cut or wrapped apart.
        line = next((line for line in text.splitlines() if row[1] in line and row[3] in line), None)
        assert line is not None and all(cell in line for cell in row[1:]), (row, line)


def test_reports_keep_to_the_users_scope_and_name_a_bad_quarter(as_user):
    client = as_user("giangia")
    for kind in ("docx", "pdf"):
        assert client.get(f"/dashboard/report.{kind}", query_string={"office": "LDG-QKH", "quarter": "2026-Q3"}
                          ).status_code == 403
    response = client.get("/dashboard/report.docx", query_string={"office": "LDG-NGN", "quarter": "2026-Q5"})
    assert response.status_code == 400 and "Quý phải" in response.text
    default = client.get("/dashboard/report.docx")  # the user's own office, the last full quarter
    assert default.status_code == 200 and "bao-cao-LDG-NGN-" in default.headers["Content-Disposition"]


def test_office_pages_and_the_overview_link_to_the_documents(as_user):
    client = as_user("tinh")
    overview = client.get("/dashboard").text
    assert "/dashboard/report.docx?office=LDG" in overview and "/dashboard/report.pdf?office=LDG" in overview
    office = client.get("/dashboard/office/LDG-NGN").text
    assert "/dashboard/report.docx?office=LDG-NGN" in office and "/dashboard/report.pdf?office=LDG-NGN" in office
    page = client.get("/dashboard/report/LDG-NGN", query_string={"quarter": "2026-Q2"}).text
    assert 'value="2026-Q2" selected' in page and "/dashboard/report.docx?office=LDG-NGN&amp;quarter=2026-Q2" in page
