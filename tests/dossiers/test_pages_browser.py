"""The dossier pages in a real browser against the demo: the late list with its apology
action, and the integrity page; screenshots on a laptop and a phone for people to judge."""

import pytest
from playwright.sync_api import expect

from tests.support import ARTIFACTS, ServerProcess, log_in

SHOTS = ARTIFACTS / "dossiers"
WINDOW = "preset=custom&from=2026-08-01&to=2026-10-31"
LAPTOP, PHONE = {"width": 1366, "height": 768}, {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def server(demo_database, tmp_path_factory):
    import shutil
    database = tmp_path_factory.mktemp("dossier-pages") / "demo.db"
    shutil.copy(demo_database, database)
    with ServerProcess(database, ALERT_INTERVAL_SECONDS=0, SMS_SENDER_INTERVAL_SECONDS=0) as running:
        yield running


def logged_in(browser, server, username, viewport):
    context = browser.new_context(viewport=viewport)
    return context, log_in(context.new_page(), server.url, username)


def no_sideways_scroll(page):
    return page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth + 1")


@pytest.mark.parametrize("viewport", [LAPTOP, PHONE], ids=["laptop", "phone"])
def test_the_late_list_shows_apology_states_and_records_one(browser, server, viewport):
    SHOTS.mkdir(parents=True, exist_ok=True)
    context, page = logged_in(browser, server, "tinh", viewport)
    page.click("nav.main >> text=Hồ sơ trễ hạn")
    page.goto(f"{server.url}/dashboard/dossiers/late?{WINDOW}")
    expect(page.locator("h1")).to_have_text("Hồ sơ trễ hạn")
    rows = page.locator("table.data tbody tr")
    assert rows.count() > 20
    states = page.locator("table.data tbody").inner_text()
    assert "Chưa xin lỗi" in states and "Kịp thời" in states and "Sau ngày hẹn" in states
    assert no_sideways_scroll(page)
    page.screenshot(path=SHOTS / f"late-{'laptop' if viewport is LAPTOP else 'phone'}.png", full_page=False)
    if viewport is LAPTOP:
        without = page.locator("table.data tbody tr", has=page.locator("text=Chưa xin lỗi")).first
        code = without.locator("td").first.inner_text().split("\n")[0]
        without.locator("input[name=new_due_at]").fill("2027-01-15")
        without.locator("input[name=reason]").fill("Chờ ý kiến phối hợp của Sở Xây dựng")
        without.locator("button[type=submit]").click()
        expect(page.locator(".flash")).to_contain_text(code)
        done = page.locator("table.data tbody tr", has=page.locator(f"text={code}")).first
        expect(done).to_contain_text("15/01/2027")
        with page.expect_download() as download:
            done.locator("a", has_text="Word").click()
        assert download.value.suggested_filename.endswith(".docx")
    context.close()


@pytest.mark.parametrize("viewport", [LAPTOP, PHONE], ids=["laptop", "phone"])
def test_the_integrity_page_puts_the_pressed_counter_first(browser, server, viewport):
    context, page = logged_in(browser, server, "tinh", viewport)
    page.goto(f"{server.url}/dashboard/integrity?{WINDOW}")
    expect(page.locator("h1")).to_have_text("Độ tin cậy của đánh giá")
    first = page.locator("table.data tbody tr").first.locator("td").nth(3).inner_text()
    second = page.locator("table.data tbody tr").nth(1).locator("td").nth(3).inner_text()
    share = lambda text: float(text.split("(")[1].split("\u00a0")[0].replace(",", "."))  # noqa: E731
    assert share(first) > 50 > share(second) * 3, (first, second)
    assert no_sideways_scroll(page)
    page.screenshot(path=SHOTS / f"integrity-{'laptop' if viewport is LAPTOP else 'phone'}.png", full_page=False)
    context.close()
