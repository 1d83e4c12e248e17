"""A supervisor's whole path through a case in a real browser (chromium through Playwright),
against the real server under gunicorn, with the real twilio client talking to the local
fake Twilio: the case opens from a kiosk rating, is assigned, answered by SMS (the cost shown
first), the citizen answers "2", the case reopens, and is closed. Screenshots of the list and
the case page go to test-artifacts/cases/."""

import datetime as dt
import uuid

import pytest
import requests
from playwright.sync_api import expect
from twilio.request_validator import RequestValidator

from tests.sms.fake_twilio import FakeTwilio
from tests.support import ARTIFACTS, ServerProcess, flask_cli, free_port, log_in

SHOTS = ARTIFACTS / "cases"
COMMENT = "Phải đi lại ba lần mới xong hồ sơ, cán bộ không hướng dẫn rõ giấy tờ cần nộp."


def setup(database):
    flask_cli(database, "office", "add", "DN", "UBND tỉnh Đắk Nông", "--kind", "province")
    flask_cli(database, "office", "add", "GN", "Bộ phận Một cửa thành phố Gia Nghĩa", "--parent", "DN",
              "--kind", "centre")
    flask_cli(database, "staff", "add", "CB07", "Trần Thị Bình", "--office", "GN", "--counter", "Quầy 2")
    flask_cli(database, "user", "add", "giangia", "--role", "supervisor", "--office", "GN", "--password",
              "long-enough")
    return flask_cli(database, "kiosk", "add", "GN", "--counter", "Quầy 2").stdout.strip().splitlines()[-1]


def test_open_assign_reply_by_sms_citizen_answers_2_reopened_closed(database, browser):
    SHOTS.mkdir(parents=True, exist_ok=True)
    kiosk = setup(database)
    port = free_port()
    with FakeTwilio() as fake, ServerProcess(database, port=port, workers=2, threads=2,
                                             PUBLIC_BASE_URL=f"http://127.0.0.1:{port}", SMS_QUIET_HOURS="",
                                             SMS_SENDER_INTERVAL_SECONDS=1, ALERT_INTERVAL_SECONDS=0,
                                             SESSION_COOKIE_SECURE="false", **fake.settings()) as server:
        moment = (dt.datetime.now(dt.UTC) - dt.timedelta(minutes=20)).isoformat()
        delivered = requests.post(server.url + "/api/v1/ratings", headers={"Authorization": f"Bearer {kiosk}"},
                                  json={"ratings": [{"id": str(uuid.uuid4()), "score": 1, "created_at": moment,
                                                     "staff": "CB07", "comment": COMMENT,
                                                     "reasons": ["repeat_visits", "staff_competence"],
                                                     "contact": "0912 345 678", "contact_consent": True}]},
                                  timeout=10)
        assert delivered.json()["results"][0]["status"] == "accepted"

        page = log_in(browser.new_context(viewport={"width": 1366, "height": 900}).new_page(), server.url, "giangia",
                      "long-enough")

        page.click("nav.main >> text=Phản ánh")
        expect(page.locator("nav.case-tabs a[aria-current=page]")).to_contain_text("Đang mở 1")
        row = page.locator("table.cases tbody tr").first
        expect(row).to_contain_text("Phải đi lại ba lần")
        expect(row).to_contain_text("+8491*****78")
        expect(row).to_contain_text("Quầy 2 · Trần Thị Bình")
        assert "0912345678" not in page.content() and "+84912345678" not in page.content()
        page.screenshot(path=str(SHOTS / "cases-list.png"), full_page=True)

        row.locator("a").first.click()
        expect(page.locator("h1")).to_contain_text("Bộ phận Một cửa thành phố Gia Nghĩa")
        page.select_option("form.assign select[name=assignee]", "giangia")
        page.click("form.assign button")
        expect(page.locator(".flash.ok")).to_contain_text("Đã giao xử lý")
        expect(page.locator(".case-state")).to_contain_text("Người xử lý: giangia")

        page.fill("form.reply textarea",
                  "Cơ quan xin lỗi Ông/Bà. Đã nhắc nhở cán bộ; danh mục giấy tờ đã niêm yết tại quầy.")
        page.click("form.reply button")
        cost = page.locator("form.reply .cost")
        expect(cost).to_contain_text("3 tin nhắn SMS")
        assert not fake.messages  # nothing leaves before the supervisor confirms
        page.click("form.reply button.primary")
        expect(page.locator(".flash.ok")).to_contain_text("Đã xếp tin trả lời")
        [sent] = fake.wait_for(1)
        assert sent["To"] == "+84912345678" and sent["Body"].startswith("Cơ quan xin lỗi Ông/Bà.")
        assert sent["Body"].endswith("Nhắn 1 = Hài lòng với cách giải quyết, 2 = Chưa hài lòng")
        expect(page.locator(".case-state")).to_contain_text("Đã trả lời")

        # The citizen answers "2" (signed as Twilio signs it): the case reopens with a new due date.
        params = {"MessageSid": "SM" + uuid.uuid4().hex, "AccountSid": fake.account_sid, "From": "+84912345678",
                  "To": sent["From"], "Body": "2", "NumMedia": "0"}
        url = server.url + "/sms/twilio/inbound"
        signature = RequestValidator(fake.auth_token).compute_signature(url, params)
        answer = requests.post(url, data=params, headers={"X-Twilio-Signature": signature}, timeout=10)
        assert answer.status_code == 200 and "Cảm ơn Ông/Bà đã cho biết" in answer.text

        page.reload()
        expect(page.locator(".case-state")).to_contain_text("Đang mở")
        expect(page.locator(".case-state")).to_contain_text("chưa hài lòng")
        expect(page.locator(".timeline li.feedback")).to_contain_text("Chưa hài lòng")
        expect(page.locator(".timeline li.reopened")).to_contain_text("hạn mới")
        page.screenshot(path=str(SHOTS / "case-page.png"), full_page=True)

        page.fill("form.call textarea", "Đã gọi điện, hẹn trả kết quả bổ sung ngày mai.")
        page.click("form.call button")
        expect(page.locator(".flash.ok")).to_contain_text("Đã ghi nhận")
        page.select_option("form.close select[name=outcome]", "fixed")
        page.click("form.close button")
        expect(page.locator(".case-state")).to_contain_text("Đã đóng · Đã khắc phục")
        page.screenshot(path=str(SHOTS / "case-closed.png"), full_page=True)

        page.goto(server.url + "/dashboard/cases?status=closed")
        expect(page.locator("table.cases tbody tr").first).to_contain_text("Đã khắc phục")
        page.context.close()
    log = server.log_path.read_text()
    assert "912345678" not in log and "ba lần" not in log


@pytest.fixture
def database(tmp_path):
    return tmp_path / "cases.db"
