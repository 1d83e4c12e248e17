"""The pages as a supervisor reads them: figures that match the API, drill-down, comments,
kiosk health, the SMS page, the report, the public page and the English switch."""

import datetime as dt
import gzip
import re
import uuid

import pytest

from server.db import get_db
from server.figures import summarise
from server.offices import add_kiosk
from server.scale import build_scale
from tests.dashboards.support import DEMO_NOW, YEAR, without_csrf_tokens
from tests.support import auth, pin_clock

API_YEAR = {"from": "2025-11-01", "to": "2026-10-31"}


def figure(html, name):
    match = re.search(rf'data-figure="{name}">([^<]+)<', html)
    return match.group(1).strip()


def api_rows(client, **params):
    response = client.get("/api/v1/stats", query_string={**API_YEAR, **params})
    assert response.status_code == 200, response.text
    return response.json["rows"]


def test_the_headline_figures_are_the_apis_in_vietnamese_format(as_user):
    client = as_user("tinh")
    html = client.get("/dashboard", query_string=YEAR).text
    total = _sum(api_rows(client, period="year"))
    assert figure(html, "responses") == f"{total['responses']:,}".replace(",", ".")
    rate = f"{total['rate'] * 100:.1f}".replace(".", ",")
    assert figure(html, "satisfaction_rate") == f"{rate}\u00a0%"  # Vietnamese spaces the sign (no-break)
    counts = {}
    for row in api_rows(client, period="year"):
        for score, n in row["counts"].items():
            counts[int(score)] = counts.get(int(score), 0) + n
    low, high = (f"{v * 100:.1f}".replace(".", ",") for v in summarise(counts, build_scale(4))["satisfaction_ci95"])
    assert figure(html, "interval") == f"khoảng tin cậy 95 %: {low}–{high}\u00a0%"


def _sum(rows):
    responses = sum(r["responses"] for r in rows)
    dissatisfied = sum(r["counts"]["1"] for r in rows)
    return {"responses": responses, "rate": (responses - dissatisfied) / responses}


def test_the_overview_compares_with_the_previous_period(as_user):
    client = as_user("tinh")
    html = client.get("/dashboard", query_string={"preset": "custom", "from": "2026-10-01",
                                                  "to": "2026-10-31"}).text
    september = _sum(api_rows(client, period="month", **{"from": "2026-09-01", "to": "2026-09-30"}))
    compared = html.split('data-figure="compared"')[1][:300]
    assert "01/09/2026 – 30/09/2026" in compared and "30 ngày" in compared
    assert f"{september['responses']:,}".replace(",", ".") in compared


def test_no_change_is_shown_against_a_period_before_the_first_rating(as_user):
    html = as_user("tinh").get("/dashboard", query_string={"preset": "custom", "from": "2024-11-01",
                                                            "to": "2025-10-31"}).text  # the demo's first year
    compared = html.split('data-figure="compared"')[1][:300]
    assert "Không so sánh" in compared and "so với kỳ trước" not in html


def test_an_office_page_has_breadcrumbs_counters_officers_and_links_down(as_user):
    client = as_user("tinh")
    html = client.get("/dashboard/office/LDG-NGN", query_string=YEAR).text
    crumbs = html.split('class="breadcrumbs"')[1].split("</nav>")[0]
    assert "Tỉnh Lâm Đồng" in crumbs and "Gia Nghĩa" in crumbs
    province = client.get("/dashboard/office/LDG", query_string=YEAR).text
    assert "/dashboard/office/LDG-NGN?" in province  # a ward below, one click away
    assert "Quầy 1" in html and "Cán bộ" in html
    assert "Khoảng tin cậy 95 %" in html


def test_a_ward_page_shows_its_own_counters_and_those_of_the_ward_merged_into_it(as_user):
    html = as_user("tinh").get("/dashboard/office/LDG-NGN", query_string=YEAR).text
    assert "Quầy 1 – LDG-NGN" in html  # the kiosks carried from the city's one-stop shop
    assert "Quầy 1 – LDG-NGN" in html  # the old ward's own, carrying on under the new one


def test_rankings_put_small_samples_apart(as_user):
    html = as_user("tinh").get("/dashboard/compare", query_string={"preset": "custom", "from": "2026-10-01",
                                                                    "to": "2026-10-31"}).text
    assert "Không xếp hạng: dưới 30 phiếu" in html


def _post_rating(demo_app, comment, reasons=("waiting_time",), score=1, office="LDG-NGN"):
    with demo_app.app_context():
        db = get_db()
        _, token, _ = add_kiosk(db, office, "Quầy thử")
        db.conn.commit()
    moment = dt.datetime(2026, 10, 30, 3, 0, tzinfo=dt.UTC).isoformat()
    response = demo_app.test_client().post("/api/v1/ratings", headers=auth(token), json={"ratings": [
        {"id": str(uuid.uuid4()), "score": score, "created_at": moment, "comment": comment,
         "reasons": list(reasons)}]})
    assert response.json["results"][0]["status"] == "accepted"


def test_a_comment_with_markup_is_shown_as_text(demo_app, as_user):
    _post_rating(demo_app, '<script>alert("x")</script> <b>chờ lâu</b>')
    html = as_user("tinh").get("/dashboard/comments", query_string=YEAR).text
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &lt;b&gt;chờ lâu&lt;/b&gt;" in html
    assert "<script>alert" not in html


def test_comments_can_be_searched_and_filtered_by_reason_and_level(demo_app, as_user):
    _post_rating(demo_app, "Không có chỗ để xe máy 100%_thật", reasons=("facilities",))
    client = as_user("tinh")
    found = client.get("/dashboard/comments", query_string={**YEAR, "q": "100%_thật"}).text
    assert found.count('class="comment score-') == 1 and "chỗ để xe máy" in found
    assert client.get("/dashboard/comments", query_string={**YEAR, "q": "100%_x"}).text.count(
        'class="comment score-') == 0
    facilities = client.get("/dashboard/comments", query_string={**YEAR, "reason": "facilities"}).text
    assert facilities.count('class="comment score-') > 0
    items = facilities.split('<li class="comment')[1:]
    assert items and all("Cơ sở vật chất</span>" in item for item in items)
    good = client.get("/dashboard/comments", query_string={**YEAR, "score": "4"}).text
    assert "comment score-1" not in good and "comment score-4" in good


def test_comments_page_on_to_older_ones(as_user):
    client = as_user("tinh")
    first = client.get("/dashboard/comments", query_string=YEAR).text
    older = re.search(r'href="([^"]*before_day=[^"]+)"', first).group(1).replace("&amp;", "&")
    second = client.get(older).text
    first_ids = re.findall(r"<li class=\"comment[^>]*>\s*<div class=\"meta\">(.*?)</div>", first, re.S)
    second_ids = re.findall(r"<li class=\"comment[^>]*>\s*<div class=\"meta\">(.*?)</div>", second, re.S)
    assert len(first_ids) == 50 and second_ids and first_ids[-1] != second_ids[0]


def test_a_kiosk_silent_in_office_hours_stands_out(demo_app, as_user):
    with demo_app.app_context():
        db = get_db()
        _, token, _ = add_kiosk(db, "LDG-NGN", "Quầy im lặng")
        db.conn.commit()
    client = demo_app.test_client()
    client.post("/api/v1/kiosk/heartbeat", headers=auth(token), json={"queue_length": 3, "app_version": "1.2.3"})
    with demo_app.app_context():
        db = get_db()
        db.execute("UPDATE kiosks SET last_seen_at = '2026-01-05T01:00:00.000Z' WHERE counter_id IN "
                   "(SELECT id FROM counters WHERE label = 'Quầy im lặng')")
        db.conn.commit()
    html = as_user("giangia").get("/dashboard/kiosks").text
    row = html.split("Quầy im lặng")[0].rsplit("<tr", 1)[1]
    assert 'class="kiosk-silent"' in row and "Mất liên lạc" in row
    assert "1.2.3" in html and "05/01/2026 08:00" in html
    assert "Chưa từng báo" not in html  # the demo's kiosks all sent heartbeats (dashboards/demo.py)


def test_the_sms_page_says_texts_stay_in_the_outbox_without_a_twilio_account(as_user):
    # The demo's year by name: the default twelve months leave the demo's SMS history from November 2027.
    html = as_user("tinh").get("/dashboard/sms", query_string=YEAR).text
    assert "Chưa có tài khoản Twilio" in html
    assert 'data-figure-id="funnel"' in html or "funnel" in html


def test_the_english_switch_translates_labels_and_number_formats(as_user):
    client = as_user("tinh")
    client.get("/language/en")
    html = client.get("/dashboard", query_string=YEAR).text
    assert "Satisfaction rate (Decision 766)" in html and "Overview" in html
    assert re.search(r'data-figure="satisfaction_rate">\d+\.\d%<', html)
    assert "Tỷ lệ hài lòng" not in html
    client.get("/language/vi")
    assert "Tổng quan" in client.get("/dashboard", query_string=YEAR).text


@pytest.mark.parametrize("quarter", ["9999-Q4", "0001-Q1", "1999-Q4"])
def test_a_quarter_outside_the_reporting_years_gets_400(as_user, quarter):
    response = as_user("tinh").get(f"/dashboard/report/LDG?quarter={quarter}")
    assert response.status_code == 400


def test_the_quarterly_report_shows_the_quarter_with_a_table(as_user):
    client = as_user("tinh")
    html = client.get("/dashboard/report/LDG-NGN", query_string={"quarter": "2026-Q3"}).text
    assert "Quý 3/2026" in html and "01/07/2026 – 30/09/2026" in html
    quarter = _sum(api_rows(client, office="LDG-NGN", period="quarter", **{"from": "2026-07-01", "to": "2026-09-30"}))
    total_row = html.split('class="total"')[1].split("</tr>")[0]
    assert f"{quarter['responses']:,}".replace(",", ".") in total_row
    assert 'id="chart-trend"' in html and 'id="chart-offices"' in html
    assert client.get("/dashboard/report/LDG-NGN", query_string={"quarter": "2026-5"}).status_code == 400


def test_plotly_is_served_by_the_server_itself(as_user):
    client = as_user("tinh")
    html = client.get("/dashboard", query_string=YEAR).text
    url = re.search(r'<script src="(/dashboard/assets/plotly.min.js\?v=[^"]+)">', html).group(1)
    assert "cdn" not in without_csrf_tokens(html).lower()
    script = client.get(url)  # the test client asks for no encoding: the plain bundle
    assert script.status_code == 200 and b"plotly" in script.data[:2000].lower()
    packed = client.get(url, headers={"Accept-Encoding": "gzip, br"})
    assert packed.headers["Content-Encoding"] == "gzip" and len(packed.data) < len(script.data) / 3
    assert gzip.decompress(packed.data) == script.data
    assert "immutable" in packed.headers["Cache-Control"] and "Accept-Encoding" in packed.headers["Vary"]
    page = client.get("/dashboard", query_string=YEAR, headers={"Accept-Encoding": "gzip"})
    assert page.headers["Content-Encoding"] == "gzip" and b"<!doctype html>" in gzip.decompress(page.data)


def test_a_bad_filter_says_which_parameter_is_wrong(as_user):
    response = as_user("tinh").get("/dashboard", query_string={"period": "fortnight"})
    assert response.status_code == 400 and "period" in response.text


def test_the_public_page_is_off_by_default(demo_app):
    assert demo_app.test_client().get("/public").status_code == 404


def test_the_public_page_shows_aggregates_only(demo_copy, monkeypatch):
    from server import create_app

    # The page shows the last full quarter and this year: from the machine's today both are past
    # the demo's data from April 2027, and the page had no office to show.
    pin_clock(monkeypatch, DEMO_NOW)
    app = create_app({"DATABASE": str(demo_copy), "TESTING": True, "PUBLIC_PAGE": True})
    html = app.test_client().get("/public").text
    assert "Gia Nghĩa" in html and "Tỷ lệ hài lòng" in html
    assert "Quầy" not in html and "Đăng xuất" not in html
    with app.app_context():
        names = [row[0] for row in get_db().execute("SELECT name FROM staff")]
    assert not any(name in html for name in names)


def chart_data(html, name):
    import json

    return json.loads(re.search(rf'id="figure-{name}">(.*?)</script>', html, re.S).group(1))


def test_the_trend_chart_is_the_apis_rows_period_by_period(as_user):
    client = as_user("tinh")
    html = client.get("/dashboard", query_string={**YEAR, "office": "LDG-DAN", "period": "quarter"},
                      follow_redirects=True).text
    _, _, volume, whole, cut, csat = chart_data(html, "trend")["data"]
    rows = api_rows(client, office="LDG-DAN", period="quarter", **API_YEAR)
    assert volume["y"] == [r["responses"] for r in rows]
    assert [w if w is not None else c for w, c in zip(whole["y"], cut["y"], strict=True)] \
        == [r["satisfaction_rate"] for r in rows] and csat["y"] == [r["csat"] for r in rows]
    assert volume["x"] == ["Quý 4/2025", "Quý 1/2026", "Quý 2/2026", "Quý 3/2026", "Quý 4/2026"]
    # The range cuts the first and the last quarter: the API marks them, the chart draws them apart.
    assert [r["partial"] for r in rows] == [True, False, False, False, True]
    assert [w is None for w in whole["y"]] == [r["partial"] for r in rows]
    assert cut["marker"]["size"] == [11, 0, 0, 0, 11]


def test_a_year_by_day_is_shown_by_week_and_says_so(as_user):
    html = as_user("tinh").get("/dashboard", query_string={**YEAR, "period": "day"}).text
    assert "đang hiển thị theo tuần" in html
    assert chart_data(html, "trend")["data"][0]["x"][0].startswith("Tuần ")


def test_a_search_says_when_it_stopped_looking_back(as_user, monkeypatch):
    from dashboards import queries

    monkeypatch.setattr(queries, "COMMENT_SCAN", 40)
    client = as_user("tinh")
    html = client.get("/dashboard/comments", query_string={**YEAR, "q": "không có trong ý kiến nào"}).text
    assert "Đã tìm trong 40 phiếu có ý kiến hoặc lý do gần nhất" in html
    found = client.get("/dashboard/comments", query_string={**YEAR, "q": "Chờ quá lâu"}).text
    items = found.split('<li class="comment')[1:]
    assert items and all("chờ quá lâu" in item.lower() for item in items)


def test_an_office_merged_away_says_under_current_which_office_took_it_over_with_a_link(as_user):
    client = as_user("tinh")
    html = client.get("/dashboard/office/GN-NT", query_string={**YEAR, "structure": "current"}).text
    notice = re.search(r'<p class="notice succession"[^>]*data-successor="LDG-NGN"[^>]*>(.*?)</p>', html, re.S)
    assert notice, "no successor notice"
    assert "đã được sáp nhập vào" in notice.group(1) and "từ ngày 01/07/2025" in notice.group(1)
    assert 'href="/dashboard/office/LDG-NGN?' in notice.group(1) and "structure=historical" in notice.group(1)
    api = client.get("/api/v1/stats", query_string={"office": "GN-NT", "structure": "current"}).json
    assert api["successor"] == "LDG-NGN"  # the page says what the API says
    closed = client.get("/dashboard/office/GN", query_string={**YEAR, "structure": "current"}).text
    assert 'data-successor=""' in closed and "ngừng hoạt động sau ngày 30/06/2025" in closed
    historical = client.get("/dashboard/office/GN-NT", query_string={**YEAR, "structure": "historical"}).text
    assert 'class="notice succession"' not in historical
    assert 'class="notice succession"' not in client.get("/dashboard/office/LDG-NGN", query_string=YEAR).text
    client.get("/language/en")
    english = client.get("/dashboard/office/GN-NT", query_string={**YEAR, "structure": "current"}).text
    assert "This office was merged into" in english and "01/07/2025" in english
