"""The audit log page in a real browser (Debian's chromium) against the real server, with
screenshots on a laptop and a phone for people to look at."""

import re

from playwright.sync_api import expect

from tests.support import ARTIFACTS, ServerProcess, flask_cli, log_in

SHOTS = ARTIFACTS / "ops"


def test_an_admin_reads_the_audit_log_in_vietnamese_on_a_laptop_and_a_phone(demo_copy, browser):
    flask_cli(demo_copy, "office", "add", "GN-MOI", "UBND phường Nghĩa Mới", "--parent", "LDG-NGN", "--kind", "ward")
    added = flask_cli(demo_copy, "kiosk", "add", "GN-MOI", "--counter", "Quầy 1", "--pairing-code").stdout
    flask_cli(demo_copy, "kiosk", "revoke", re.search(r"Kiosk (\d+) added", added).group(1))
    flask_cli(demo_copy, "office", "merge", "GN-MOI", "LDG-NGN", "--effective", "2026-07-01")
    SHOTS.mkdir(parents=True, exist_ok=True)
    with ServerProcess(demo_copy, SMS_SENDER_INTERVAL_SECONDS=0, ALERT_INTERVAL_SECONDS=0) as server:
        for name, viewport in (("laptop", {"width": 1366, "height": 768}), ("phone", {"width": 390, "height": 844})):
            page = log_in(browser.new_context(viewport=viewport).new_page(), server.url, "admin")
            page.goto(server.url + "/admin/audit")
            expect(page.locator("h2").first).to_have_text("Nhật ký quản trị")
            rows = page.locator("table.audit tbody tr")
            expect(rows).to_have_count(4 + 3)  # the four above, newest first, then the demo's three
            expect(rows.first).to_contain_text("Sáp nhập cơ quan")
            expect(rows.nth(1)).to_contain_text("Thu hồi máy đánh giá")
            page.select_option("select[name=action]", "kiosk.add")
            page.click("form.filters button[type=submit]")
            expect(rows).to_have_count(2)  # ours, then the demo's
            expect(rows.first).to_contain_text("Đã cấp mã ghép nối: ✓")
            page.goto(server.url + "/admin/audit")
            page.screenshot(path=str(SHOTS / f"audit-{name}.png"), full_page=True)
            page.context.close()
