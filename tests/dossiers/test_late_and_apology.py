"""Late dossiers, with and without an apology; the apology form read back as Word and PDF."""

import datetime as dt
import io
import subprocess

import docx
import pytest

from tests.dashboards.support import log_in
from tests.dossiers.support import event, post_events, summary
from tests.support import ARTIFACTS, add_user, auth, opened_in_an_office_suite, pin_clock

# The server's "now" in these tests: 10:00 on Wednesday 18 November 2026 in Vietnam, so the days
# they count from it (10 back, 8 back, 9 ahead) stay in one month, quarter and year, as their
# figures expect. On the machine's clock the yearly summary split in two on 3-6 January, the
# overview and the quarter's report lost a dossier in the first days of a month or quarter.
NOW = dt.datetime(2026, 11, 18, 3, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def clock(monkeypatch):
    pin_clock(monkeypatch, NOW)


def received(code, days_ago, due_in_days, **fields):
    at = NOW - dt.timedelta(days=days_ago)
    return event("received", code, at, counter="Quầy 1", staff="CB1", due_at=at + dt.timedelta(days=due_in_days),
                 **fields)


def late_list(client, headers, **params):
    response = client.get("/api/v1/dossiers/late", query_string=params, headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_a_dossier_returned_late_without_an_apology_is_listed_and_counted_late(dossier_app, integration):
    client = dossier_app.test_client()
    post_events(client, integration, received("HS-L1", 10, 3),
                event("returned", "HS-L1", NOW - dt.timedelta(days=2)),
                received("HS-OK", 10, 5), event("returned", "HS-OK", NOW - dt.timedelta(days=6)))
    body = late_list(client, integration, office="D", **{"from": (NOW - dt.timedelta(days=30)).date().isoformat()})
    assert [(d["dossier"], d["status"], d["apology"]["status"]) for d in body["dossiers"]] == \
        [("HS-L1", "returned", "none")]
    rows = summary(client, integration, office="D", period="year")
    assert [(r["returned"], r["returned_on_time"], r["late"], r["apologised"]) for r in rows] == [(2, 1, 1, 0)]
    assert rows[0]["on_time_rate"] == 0.5 and rows[0]["apology_rate"] == 0.0


def test_an_apology_before_the_promised_date_counts_in_time_and_its_form_reads_back(dossier_app, integration,
                                                                                    tmp_path):
    client = dossier_app.test_client()
    supervisor = auth(add_user(dossier_app, "truong", role="supervisor", office="D"))
    post_events(client, integration, received("HS-A1", 3, 1, service="1.004227"))  # promised 2 days ago, open
    post_events(client, integration, received("HS-A2", 2, 5))  # promised in 3 days: apologise ahead
    new_date = (NOW + dt.timedelta(days=7)).date().isoformat()
    late_one = client.post("/api/v1/dossiers/HS-A1/apology", headers=supervisor,
                           json={"new_due_at": new_date, "reason": "Chờ ý kiến của Sở Tài nguyên"})
    ahead = client.post("/api/v1/dossiers/HS-A2/apology", headers=supervisor,
                        json={"new_due_at": (NOW + dt.timedelta(days=9)).date().isoformat(), "reason": "Cần xác minh"})
    assert late_one.status_code == 201 and ahead.status_code == 201, (late_one.get_json(), ahead.get_json())
    body = late_list(client, supervisor, office="D")
    assert [(d["dossier"], d["apology"]["status"]) for d in body["dossiers"]] == [("HS-A1", "late")]
    # Counted on promised days: HS-A2's is three days ahead, so the range runs past today.
    ahead_to = (NOW + dt.timedelta(days=10)).date().isoformat()
    rows = summary(client, supervisor, office="D", period="month", to=ahead_to,
                   **{"from": (NOW - dt.timedelta(days=40)).date().isoformat()})
    assert sum(r["late"] for r in rows) == 1  # HS-A2 is not late yet
    assert (sum(r["apologised"] for r in rows), sum(r["apologised_in_time"] for r in rows)) == (2, 1)

    # The form, as the office edits it in Word and prints it as PDF.
    browser = dossier_app.test_client()
    assert log_in(browser, "truong", "correct-horse").status_code == 302
    word = browser.get("/dashboard/dossiers/HS-A1/apology.docx")
    assert word.status_code == 200
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(word.data)).paragraphs)
    cells = "\n".join(c.text for t in docx.Document(io.BytesIO(word.data)).tables for r in t.rows for c in r.cells)
    for expected in ("PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ", "Mã hồ sơ: HS-A1", "Chờ ý kiến của Sở Tài nguyên",
                     "Huyện Một xin lỗi Ông/Bà", dt.date.fromisoformat(new_date).strftime("%d/%m/%Y"), "1.004227"):
        assert expected in text, expected
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in cells and "THỦ TRƯỞNG CƠ QUAN" in cells
    laid_out = opened_in_an_office_suite(word.data, tmp_path, "apology-word", ARTIFACTS / "dossiers")
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in laid_out  # on one line, as the decree draws it
    assert "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ" in laid_out and "THỦ TRƯỞNG CƠ QUAN" in laid_out
    pdf = browser.get("/dashboard/dossiers/HS-A1/apology.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    printed = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf.data, capture_output=True, check=True)
    words = " ".join(printed.stdout.decode().split())
    assert "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ" in words and "HS-A1" in words and "Sở Tài nguyên" in words


def test_no_apology_is_due_for_a_dossier_returned_on_time_and_viewers_cannot_record_one(dossier_app, integration):
    client = dossier_app.test_client()
    post_events(client, integration, received("HS-T", 10, 5), event("returned", "HS-T", NOW - dt.timedelta(days=8)))
    supervisor = auth(add_user(dossier_app, "truong", role="supervisor", office="D"))
    viewer = auth(add_user(dossier_app, "xem", role="viewer", office="D"))
    future = (NOW + dt.timedelta(days=3)).date().isoformat()
    on_time = client.post("/api/v1/dossiers/HS-T/apology", headers=supervisor, json={"new_due_at": future,
                                                                                     "reason": "x"})
    assert on_time.status_code == 409
    assert client.post("/api/v1/dossiers/HS-T/apology", headers=viewer,
                       json={"new_due_at": future, "reason": "x"}).status_code == 403
    other = auth(add_user(dossier_app, "khac", role="supervisor", office="E"))
    assert client.post("/api/v1/dossiers/HS-T/apology", headers=other,
                       json={"new_due_at": future, "reason": "x"}).status_code == 404
    bad = client.post("/api/v1/dossiers/HS-T/apology", headers=supervisor, json={"new_due_at": "soon", "reason": ""})
    assert bad.status_code == 400 and bad.get_json()["error"].startswith("reason:")


def test_an_apology_goes_to_the_citizen_by_sms_when_the_dossier_has_a_number(dossier_app, integration):
    client = dossier_app.test_client()
    post_events(client, integration, received("HS-S", 3, 1, phone="0912 345 678"))
    supervisor = auth(add_user(dossier_app, "truong", role="supervisor", office="D"))
    response = client.post("/api/v1/dossiers/HS-S/apology", headers=supervisor,
                           json={"new_due_at": (NOW + dt.timedelta(days=4)).date().isoformat(),
                                 "reason": "Hệ thống liên thông gián đoạn"})
    assert response.status_code == 201 and response.get_json()["sms_message_id"] is not None
    import sqlite3
    connection = sqlite3.connect(dossier_app.config["DATABASE"])
    [(body, purpose, phone)] = connection.execute("SELECT body, purpose, phone FROM sms_messages").fetchall()
    assert purpose == "apology" and phone == "+84912345678"
    assert "xin lỗi Ông/Bà" in body and "HS-S" in body and "Hệ thống liên thông gián đoạn" in body


def test_the_overview_and_the_quarterly_report_show_the_on_time_and_response_rates(dossier_app, integration):
    client = dossier_app.test_client()
    from tests.support import add_kiosk, rating
    _, kiosk_token = add_kiosk(dossier_app, "D", "Quầy 1")
    post_events(client, integration, received("HS-R1", 10, 3), event("returned", "HS-R1", NOW - dt.timedelta(days=8)),
                received("HS-R2", 10, 3), event("returned", "HS-R2", NOW - dt.timedelta(days=2)))
    client.post("/api/v1/ratings", json={"ratings": [rating(4, NOW - dt.timedelta(days=8))]},
                headers=auth(kiosk_token))
    add_user(dossier_app, "truong", role="supervisor", office="D")
    browser = dossier_app.test_client()
    assert log_in(browser, "truong", "correct-horse").status_code == 302
    page = browser.get("/dashboard", query_string={"preset": "this_month"}).text  # both returned this month
    section = page[page.index('id="dossier-figures"'):]
    assert "response-rate\">50,0\u00a0% (1 / 2)" in section, section[:1500]
    assert "50,0\u00a0% (n = 2)" in section  # one of the two returned on time
    quarter = f"{(NOW - dt.timedelta(days=8)).year}-Q{((NOW - dt.timedelta(days=8)).month - 1) // 3 + 1}"
    report = browser.get(f"/dashboard/report.docx?office=D&quarter={quarter}")
    assert report.status_code == 200
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(report.data)).paragraphs)
    assert "GIẢI QUYẾT HỒ SƠ VÀ TỶ LỆ PHẢN HỒI" in text, text
    assert "Trả kết quả đúng hạn: 1 (50,0 %, n = 2)." in text
    assert "Tỷ lệ phản hồi (số phiếu đánh giá trên số hồ sơ đã trả): 50,0 % (1 phiếu / 2 hồ sơ)." in text


def test_ratings_from_before_the_dossier_system_reported_do_not_inflate_the_response_rate(dossier_app, integration):
    from dossiers import totals
    from server.db import get_db
    from tests.support import add_kiosk, rating
    client = dossier_app.test_client()
    _, kiosk_token = add_kiosk(dossier_app, "D", "Quầy 1")
    early = [rating(4, NOW - dt.timedelta(days=60, minutes=m)) for m in range(0, 50, 5)]  # ten, long before
    client.post("/api/v1/ratings", json={"ratings": [*early, rating(4, NOW - dt.timedelta(days=8))]},
                headers=auth(kiosk_token))
    post_events(client, integration, received("HS-X1", 10, 3), event("returned", "HS-X1", NOW - dt.timedelta(days=8)),
                received("HS-X2", 10, 3), event("returned", "HS-X2", NOW - dt.timedelta(days=2)))
    with dossier_app.app_context():
        db = get_db()
        office = db.execute("SELECT id FROM offices WHERE code = 'D'").fetchone()[0]
        figures = totals.totals(db, {office}, (NOW - dt.timedelta(days=90)).date(), NOW.date(), NOW.date())
    assert (figures["rated"], figures["returned"], figures["response_rate"]) == (1, 2, 0.5)
