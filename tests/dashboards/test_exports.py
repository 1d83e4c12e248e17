"""CSV and Excel exports hold the same figures as GET /api/v1/stats for the same view."""

import csv
import io

from openpyxl import load_workbook

VIEW = {"preset": "custom", "from": "2026-04-01", "to": "2026-09-30", "period": "month", "office": "DM",
        "channel": "all"}
API = {"from": "2026-04-01", "to": "2026-09-30", "period": "month", "office": "DM", "channel": "all"}


def expected(client):
    rows = []
    for breakdown in ("none", "children"):
        response = client.get("/api/v1/stats", query_string={**API, "breakdown": breakdown})
        assert response.status_code == 200
        rows += [{"breakdown": breakdown, **row} for row in response.json["rows"]]
    return rows


def as_export(row):
    ci = row["satisfaction_ci95"]
    return [row["breakdown"], row["office"], row["office_name"], row["part"], row["period"], row["period_start"],
            row["responses"], *[row["counts"][s] for s in ("1", "2", "3", "4")], row["satisfaction_rate"],
            ci[0], ci[1], row["csat"], row["mean_score"]]


def test_the_csv_export_matches_the_api(as_user):
    client = as_user("tinh")
    response = client.get("/dashboard/export.csv", query_string=VIEW)
    assert response.headers["Content-Disposition"].startswith("attachment; filename=satisfaction-DM-")
    text = response.data.decode("utf-8-sig")
    table = list(csv.reader(io.StringIO(text)))
    assert table[0][:7] == ["breakdown", "office", "office_name", "part", "period", "period_start", "responses"]
    wanted = [[str(value) for value in as_export(row)] for row in expected(client)]
    assert table[1:] == wanted
    assert any(row[3] == "office_only" for row in table[1:])  # the district's own counters
    assert "Đắk Mil" in text  # Vietnamese names survive


def test_the_excel_export_matches_the_api(as_user):
    client = as_user("xem")  # a viewer may export its own district
    response = client.get("/dashboard/export.xlsx", query_string=VIEW)
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data))
    rows = list(book["satisfaction"].iter_rows(values_only=True))
    assert [list(row) for row in rows[1:]] == [as_export(row) for row in expected(client)]
    assert dict(book["filters"].iter_rows(values_only=True))["office"] == "DM"


def test_an_export_of_an_empty_view_has_only_the_header(as_user):
    response = as_user("tinh").get("/dashboard/export.csv", query_string={**VIEW, "from": "2024-01-01",
                                                                           "to": "2024-01-31"})
    assert len(response.data.decode("utf-8-sig").splitlines()) == 1
