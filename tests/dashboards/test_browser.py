"""The dashboards in a real browser (Debian's chromium through Playwright) against the real
server under gunicorn: log in, charts drawn with data, filters, drill-down, export, scope,
escaping; and screenshots of every page on a laptop and a phone, for people to look at."""

import csv
import datetime as dt
import io
import json
import re
import shutil
import uuid

import pytest
import requests
from playwright.sync_api import expect

from tests.support import ARTIFACTS, ServerProcess, flask_cli, log_in

SHOTS = ARTIFACTS / "dashboards"
YEAR = "preset=custom&from=2025-11-01&to=2026-10-31"
SCRIPT_COMMENT = '<script>window.hacked = 1; alert("x")</script> Chờ <b>quá</b> lâu'
LAPTOP, PHONE = {"width": 1366, "height": 768}, {"width": 390, "height": 844}


def _prepare(database):
    """A kiosk that reported a while ago, one with a <script> comment, and an open alert."""
    token = flask_cli(database, "kiosk", "add", "LDG-NGN", "--counter", "Quầy thử").stdout.strip().splitlines()[-1]
    with ServerProcess(database) as server:
        moment = dt.datetime(2026, 10, 30, 2, 30, tzinfo=dt.UTC).isoformat()
        response = requests.post(server.url + "/api/v1/ratings", headers={"Authorization": f"Bearer {token}"},
                                 json={"ratings": [{"id": str(uuid.uuid4()), "score": 1, "created_at": moment,
                                                    "comment": SCRIPT_COMMENT, "reasons": ["waiting_time"]}]},
                                 timeout=10)
        assert response.json()["results"][0]["status"] == "accepted"
        requests.post(server.url + "/api/v1/kiosk/heartbeat", headers={"Authorization": f"Bearer {token}"},
                      json={"queue_length": 4, "app_version": "1.3.0"}, timeout=10)
    import sqlite3

    with sqlite3.connect(database) as conn:
        office = conn.execute("SELECT id FROM offices WHERE code = 'LDG-NGN'").fetchone()[0]
        conn.execute("INSERT INTO alerts (rule, office_id, subject, raised_at, details) VALUES (?, ?, ?, ?, ?)",
                     ["window", office, f"office:{office}", "2026-10-30T02:40:00.000Z",
                      json.dumps({"ratings": 5, "dissatisfied": 4, "share": 0.8, "minutes": 15})])


@pytest.fixture(scope="module")
def server(demo_database, tmp_path_factory):
    database = tmp_path_factory.mktemp("browser") / "demo.db"
    shutil.copy(demo_database, database)
    _prepare(database)
    with ServerProcess(database, workers=2, threads=4, PUBLIC_PAGE="true", ALERT_INTERVAL_SECONDS=0) as running:
        yield running


def logged_in(browser, server, username, viewport=LAPTOP, **options):
    context = browser.new_context(viewport=viewport, accept_downloads=True, **options)
    return context, log_in(context.new_page(), server.url, username)


def drawn(page, name):
    chart = page.locator(f"#chart-{name}[data-drawn=true]")
    expect(chart).to_be_visible()
    return chart


def bar_count(page, name):
    drawn(page, name)
    return page.locator(f"#chart-{name} .barlayer .point path").count()


def point_count(page, name):
    drawn(page, name)  # each chart is drawn on its own: the offices' being drawn says nothing of this one
    return page.locator(f"#chart-{name} .scatterlayer .point").count()


def headline(page, name):
    return page.locator(f'[data-figure="{name}"]').inner_text().strip()


def vi_int(text):
    return int(text.replace(".", ""))


def api(page, server, **params):
    response = page.request.get(server.url + "/api/v1/stats", params=params)
    assert response.status == 200
    return response.json()["rows"]


def test_charts_draw_with_data_and_a_filter_change_redraws_them(browser, server):
    context, page = logged_in(browser, server, "tinh")
    page.goto(f"{server.url}/dashboard?{YEAR}")
    assert bar_count(page, "offices") >= 9 * 4  # nine offices, four levels each
    assert point_count(page, "trend") >= 12
    assert bar_count(page, "reasons") == 8 and bar_count(page, "channels") == 8
    expect(page.locator("#chart-heatmap .hm image")).to_have_count(1)
    expect(page.locator("#chart-trend .xtick text").first).to_have_text("11/2025")
    everything = vi_int(headline(page, "responses"))
    page.select_option("select[name=channel]", "sms")  # submits by itself
    page.wait_for_url(re.compile(r".*channel=sms.*"))
    sms_rows = api(page, server, channel="sms", period="year", **{"from": "2025-11-01", "to": "2026-10-31"})
    assert vi_int(headline(page, "responses")) == sum(r["responses"] for r in sms_rows) < everything
    assert bar_count(page, "channels") == 4  # only the SMS bar now
    assert point_count(page, "trend") >= 12
    context.close()


def test_clicking_an_office_drills_down_and_breadcrumbs_lead_back(browser, server):
    context, page = logged_in(browser, server, "tinh")
    page.goto(f"{server.url}/dashboard?{YEAR}")
    drawn(page, "offices")
    top_bar = page.locator("#chart-offices .barlayer .trace").last.locator(".point path").last
    page.locator("#chart-offices").scroll_into_view_if_needed()
    box = top_bar.bounding_box()  # plotly's drag layer lies on top: click where a person would
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_url(re.compile(r".*/dashboard/office/[A-Z-]+\?.*"))
    office = re.search(r"/office/([A-Z-]+)", page.url).group(1)
    assert office == "LDG-BGN"  # the best office sits on top of the sorted bars
    expect(page.locator("h1")).to_have_text("Trung tâm Phục vụ hành chính công phường Bắc Gia Nghĩa")
    assert bar_count(page, "offices") >= 4  # a ward has no offices below: its own counters, four levels
    assert "from=2025-11-01" in page.url  # the view's filters travel with the click
    page.click(".breadcrumbs >> text=Tỉnh Lâm Đồng")
    page.wait_for_url(re.compile(r".*/dashboard/office/LDG\?.*"))
    expect(page.locator("h1")).to_have_text("Tỉnh Lâm Đồng")
    context.close()


def test_the_export_downloads_the_figures_of_the_api(browser, server):
    context, page = logged_in(browser, server, "tinh")
    page.goto(f"{server.url}/dashboard/office/LDG-DMI?{YEAR}&period=quarter")
    with page.expect_download() as download_info:
        page.click("text=Xuất CSV")
    download = download_info.value
    assert download.suggested_filename.startswith("satisfaction-LDG-DMI-2025-11-01-2026-10-31-quarter")
    table = list(csv.DictReader(io.StringIO(open(download.path(), encoding="utf-8-sig").read())))
    params = {"office": "LDG-DMI", "period": "quarter", "from": "2025-11-01", "to": "2026-10-31"}
    for breakdown, kind in (("none", "Tổng cộng"), ("children", "Theo cơ quan")):
        rows = api(page, server, breakdown=breakdown, **params)
        exported = [r for r in table if r["Loại dòng"] == kind]
        assert [(r["Mã cơ quan"], r["Kỳ"], int(r["Số phiếu (n)"]), r["Tỷ lệ hài lòng (QĐ 766) (%)"])
                for r in exported] \
            == [(r["office"], "Quý {1}/{0}".format(*r["period"].split("-Q")), r["responses"],
                 f"{r['satisfaction_rate'] * 100:.2f}") for r in rows]
    context.close()


def test_a_supervisor_cannot_reach_another_district(browser, server):
    context, page = logged_in(browser, server, "giangia")
    options = page.locator("select[name=office] option").all_inner_texts()
    assert any("Gia Nghĩa" in o for o in options) and not any("Đắk Glong" in o for o in options)
    response = page.goto(f"{server.url}/dashboard/office/LDG-QKH?{YEAR}")
    assert response.status == 403
    expect(page.locator("h1")).to_have_text("Ngoài phạm vi của bạn")
    assert page.request.get(f"{server.url}/dashboard/export.csv?office=LDG-QKH&{YEAR}").status == 403
    assert page.request.get(f"{server.url}/api/v1/stats?office=LDG-QKH").status == 403
    context.close()


def test_a_comment_with_a_script_shows_as_text(browser, server):
    context, page = logged_in(browser, server, "tinh")
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(f"{server.url}/dashboard/comments?{YEAR}&q=hacked")
    expect(page.locator("blockquote.text")).to_have_text(SCRIPT_COMMENT)
    assert page.evaluate("window.hacked") is None and dialogs == []
    context.close()


PAGES = [
    ("overview", f"/dashboard?{YEAR}"),
    ("office", f"/dashboard/office/LDG-NGN?{YEAR}"),
    ("compare", f"/dashboard/compare?office=LDG-DMI&{YEAR}"),
    ("comments", f"/dashboard/comments?{YEAR}"),
    ("kiosks", "/dashboard/kiosks?office=LDG-NGN"),
    ("alerts", "/dashboard/alerts"),
    ("sms", "/dashboard/sms?preset=custom&from=2026-10-01&to=2026-10-31"),  # the demo's SMS history
    ("report", "/dashboard/report/LDG?quarter=2026-Q3"),
    ("admin-offices", "/admin/offices"),
    ("admin-staff", "/admin/staff"),
    ("admin-kiosks", "/admin/kiosks"),
    ("admin-users", "/admin/users"),
    ("admin-tokens", "/admin/tokens"),
    ("admin-audit", "/admin/audit"),
    ("account", "/dashboard/account"),
    ("not-found", "/dashboard/no-such-page"),
]


def toolbar_titles(page):
    """The titles of every plotly toolbar button on the page (hidden ones too)."""
    return set(page.evaluate("Array.from(document.querySelectorAll('.modebar-btn')).map(b => b.dataset.title)"))


def page_overflows(page):
    return page.evaluate("document.documentElement.scrollWidth > document.documentElement.clientWidth + 1")


@pytest.mark.parametrize("size, viewport", [("laptop", LAPTOP), ("phone", PHONE)])
def test_screenshots_of_every_page(browser, server, size, viewport):
    """Every page drawn, screenshot for people to look at; no page offers to send a chart
    to Plotly's cloud (only PNG download); on a phone no page is wider than the screen."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    phone = {"is_mobile": True, "has_touch": True} if size == "phone" else {}
    context, page = logged_in(browser, server, "admin", viewport=viewport, **phone)
    errors, overflowing, toolbars = [], [], set()
    page.on("pageerror", lambda error: errors.append(str(error)))
    for name, url in PAGES:
        response = page.goto(server.url + url)
        assert response.status == (404 if name == "not-found" else 200), name
        for chart in page.locator(".chart[data-figure]").all():
            expect(chart).to_have_attribute("data-drawn", "true")
        toolbars |= toolbar_titles(page)
        assert page.locator("[data-title*='Share'], [data-title*='Chart Studio'], a.modebar-btn[href]").count() == 0
        if page_overflows(page):
            overflowing.append(name)
        page.screenshot(path=SHOTS / f"{name}-{size}.png", full_page=True)
    assert toolbars == ({"Tải biểu đồ (ảnh PNG)"} if size == "laptop" else set())
    public = browser.new_context(viewport=viewport, **phone).new_page()
    public.goto(server.url + "/public")
    expect(public.locator(".chart")).to_have_attribute("data-drawn", "true")
    assert not page_overflows(public)
    public.screenshot(path=SHOTS / f"public-{size}.png", full_page=True)
    login = browser.new_context(viewport=viewport, **phone).new_page()
    login.goto(server.url + "/login")
    assert not page_overflows(login)
    login.screenshot(path=SHOTS / f"login-{size}.png", full_page=True)
    assert errors == [] and overflowing == []
    context.close()


def test_the_toolbar_offers_only_png_download_in_english_too(browser, server):
    context, page = logged_in(browser, server, "tinh")
    page.goto(f"{server.url}/language/en?next=/dashboard?{YEAR}")
    drawn(page, "trend")
    assert toolbar_titles(page) == {"Download plot as a PNG"}
    context.close()


def test_partial_periods_are_drawn_hollow_on_a_dotted_line_with_a_note(browser, server):
    context, page = logged_in(browser, server, "tinh")
    # Mid-November to the end of October: November is cut by the range.
    page.goto(f"{server.url}/dashboard?preset=custom&from=2025-11-15&to=2026-10-31&period=month")
    chart = drawn(page, "trend")
    rows = api(page, server, period="month", **{"from": "2025-11-15", "to": "2026-10-31"})
    assert rows[0]["partial"] and not any(r["partial"] for r in rows[1:])
    traces = page.evaluate("""Array.from(document.querySelectorAll('#chart-trend .scatterlayer .trace')).map(t => ({
        dashed: Array.from(t.querySelectorAll('.js-line')).some(l => (l.style.strokeDasharray || 'none') !== 'none'),
        hollow: Array.from(t.querySelectorAll('path.point')).filter(p => (p.getAttribute('d') || '').length > 4 &&
                 (p.style.fill === 'none' || p.style.fill === 'transparent' || p.style.fillOpacity === '0')).length,
        fills: Array.from(t.querySelectorAll('path.point')).map(p => p.style.fill + '/' + p.style.fillOpacity)}))""")
    assert any(t["dashed"] and t["hollow"] == 1 for t in traces), traces
    expect(page.locator(".chart-note").first).to_contain_text("kỳ chưa trọn")
    chart.screenshot(path=SHOTS / "trend-partial.png")
    context.close()


def test_the_overview_follows_a_phone_turned_sideways(browser, server):
    context, page = logged_in(browser, server, "tinh", viewport=PHONE, is_mobile=True, has_touch=True)
    page.goto(f"{server.url}/dashboard?{YEAR}")
    expect(drawn(page, "offices")).to_have_attribute("data-layout", "phone")
    page.set_viewport_size({"width": 1024, "height": 390})
    expect(page.locator("#chart-offices")).to_have_attribute("data-layout", "wide")
    assert not page_overflows(page)
    context.close()


def test_a_pages_first_load_transfers_under_one_and_a_half_megabytes(browser, server):
    """Plotly's 4.8 MB bundle goes gzipped and is cached: an office on a slow line gets the
    overview quickly the first time and without the bundle again after that."""
    context, page = logged_in(browser, server, "tinh")
    context.clear_cookies()
    fresh = browser.new_context(viewport=LAPTOP)
    page = fresh.new_page()
    page.goto(server.url + "/login")
    page.fill("input[name=username]", "tinh")
    page.fill("input[name=password]", "demo-password")
    cdp = fresh.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": False})
    transferred, urls = [], []
    cdp.on("Network.loadingFinished", lambda event: transferred.append(event["encodedDataLength"]))
    cdp.on("Network.responseReceived", lambda event: urls.append(event["response"]["url"]))
    page.click("form button[type=submit]")
    page.wait_for_url(re.compile(r".*/dashboard$"))
    drawn(page, "trend")
    page.wait_for_load_state("networkidle")
    first = sum(transferred)
    assert any("plotly.min.js" in url for url in urls) and first < 1_500_000, (first, urls)
    transferred.clear()
    urls.clear()
    page.goto(f"{server.url}/dashboard/office/LDG-NGN?{YEAR}")
    drawn(page, "trend")
    page.wait_for_load_state("networkidle")
    assert sum(transferred) < 300_000, (sum(transferred), urls)  # plotly from the cache this time
    fresh.close()


def test_the_overview_shows_the_same_two_years_on_todays_map_and_as_they_were(browser, server):
    """The screenshot pair for the 2025 reorganisation: current rolls the old Đắk Nông into
    today's Lâm Đồng, historical shows both provinces, each in its own time."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    context, page = logged_in(browser, server, "admin")
    two_years = "preset=custom&from=2024-11-01&to=2026-10-31&period=quarter"
    seen = {}
    for structure in ("current", "historical"):
        page.goto(f"{server.url}/dashboard?{two_years}&structure={structure}")
        drawn(page, "offices")
        drawn(page, "trend")
        page.screenshot(path=str(SHOTS / f"reorganisation-overview-{structure}.png"), full_page=True)
        seen[structure] = (page.locator("body").inner_text(), vi_int(headline(page, "responses")))
    current, historical = seen["current"], seen["historical"]
    assert current[1] == historical[1]  # the same ratings, both ways
    assert "Tỉnh Đắk Nông" not in current[0] and "Tỉnh Đắk Nông" in historical[0]
    rows = api(page, server, structure="historical", period="year", **{"from": "2024-11-01", "to": "2026-10-31"})
    assert {r["office"] for r in rows} == {"DNO", "LDG"}
    context.close()


def tick_texts(page, selector):
    return [text.replace("\u00a0", " ") for text in page.locator(selector).all_text_contents()]


def test_chart_ticks_write_percentages_as_the_page_does(browser, server):
    """Plotly's own `.0%` printed "100%" beside the page's "100 %": ticks follow the reader's language."""
    context, page = logged_in(browser, server, "tinh")
    page.goto(f"{server.url}/dashboard?{YEAR}")
    drawn(page, "trend")
    rates = tick_texts(page, "#chart-trend .y2tick text")
    assert "100 %" in rates and all(re.fullmatch(r"\d+ %", t) for t in rates), rates
    shares = tick_texts(page, "#chart-offices .xtick text")
    assert "100 %" in shares and not any(re.search(r"\d%", t) for t in shares), shares
    page.goto(f"{server.url}/language/en?next=/dashboard?{YEAR}")
    drawn(page, "trend")
    english = tick_texts(page, "#chart-trend .y2tick text")
    assert "100%" in english and all(re.fullmatch(r"\d+%", t) for t in english), english
    context.close()


@pytest.mark.parametrize("size, viewport", [("laptop", LAPTOP), ("phone", PHONE)])
def test_screenshots_of_the_pages_session_two_changed(browser, server, size, viewport):
    """A marked filter form, the office taken over by another, the refused merge, the admin pickers,
    the viewer's refused comments page, the cases pages in English, the dossier pages' filters."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    phone = {"is_mobile": True, "has_touch": True} if size == "phone" else {}
    overflowing = []

    def shot(page, name):
        if page_overflows(page):
            overflowing.append(name)
        page.screenshot(path=SHOTS / f"{name}-{size}.png", full_page=True)

    context, page = logged_in(browser, server, "tinh", viewport=viewport, **phone)
    response = page.goto(f"{server.url}/dashboard?preset=custom&from=2026-05-01&to=2026-04-01")
    assert response.status == 400
    expect(page.locator("input[name=from][aria-invalid=true]")).to_be_visible()
    expect(page.locator("#problem-from")).to_have_text("Ngày đầu không được sau ngày cuối.")
    shot(page, "filter-problem")
    page.goto(f"{server.url}/dashboard/office/GN-NT?{YEAR}&structure=current")
    successor = page.locator(".notice.succession a").first
    expect(successor).to_have_attribute("href", re.compile("/dashboard/office/LDG-NGN"))
    shot(page, "office-merged-away")
    for name, url in (("dossiers-late", f"/dashboard/dossiers/late?{YEAR}"),
                      ("integrity", f"/dashboard/integrity?{YEAR}")):
        page.goto(server.url + url)
        assert page.locator("select[name=channel]").count() == 0
        shot(page, name)
    page.goto(f"{server.url}/language/en?next=/dashboard/cases")
    expect(page.locator("h1")).to_have_text("Citizens' feedback to answer")
    shot(page, "cases-english")
    page.locator("table.cases a").first.click()
    expect(page.locator("h2").first).to_have_text("The citizen's rating")
    shot(page, "case-english")
    context.close()

    context, page = logged_in(browser, server, "admin", viewport=viewport, **phone)
    page.goto(f"{server.url}/admin/offices")
    merge = page.locator("form", has=page.locator("input[name=action][value=merge]"))
    assert merge.locator("select[name=old]").input_value() == ""
    merge.locator("select[name=old]").select_option("LDG-NGN")
    merge.locator("select[name=new]").select_option("LDG-NGN")
    merge.locator("input[name=effective]").fill("2026-11-01")
    merge.locator("button[type=submit]").click()
    expect(page.locator("#problem-new")).to_contain_text("Không thể sáp nhập một cơ quan vào chính nó")
    merge = page.locator("form", has=page.locator("input[name=action][value=merge]"))
    merge.scroll_into_view_if_needed()
    shot(page, "admin-merge-refused")
    page.goto(f"{server.url}/admin/kiosks")
    assert page.locator("select[name=office]").input_value() == ""
    shot(page, "admin-kiosk-form")
    page.goto(f"{server.url}/admin/staff")
    assert page.locator("select[name=staff]").count() > 0 and page.locator("input[name=staff]").count() == 0
    shot(page, "admin-staff-picker")
    context.close()

    context, page = logged_in(browser, server, "xem", viewport=viewport, **phone)
    assert page.locator("nav.main a[href='/dashboard/comments']").count() == 0
    response = page.goto(f"{server.url}/dashboard/comments?{YEAR}")
    assert response.status == 403
    shot(page, "comments-viewer-refused")
    context.close()
    assert overflowing == []
