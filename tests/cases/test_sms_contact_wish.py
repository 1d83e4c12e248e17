"""A dissatisfied SMS citizen is asked whether they want the office to contact them, through a
real server under gunicorn with the real twilio client talking to the local fake Twilio: the
answer (1 or 2) is kept on the case, the case shows it, a "2" erases the number so no reply
can go, and words that are not an answer are added to the comment, not dropped."""

import re
import uuid

import pytest
import requests
from twilio.request_validator import RequestValidator

from tests.sms.fake_twilio import FakeTwilio
from tests.support import ServerProcess, flask_cli, free_port

QUESTION = "Ông/Bà có muốn cơ quan liên hệ lại qua số này không? Trả lời 1 = Có, 2 = Không."


def setup(database):
    flask_cli(database, "office", "add", "GN", "Bộ phận Một cửa Gia Nghĩa", "--kind", "centre")
    flask_cli(database, "user", "add", "hoso", "--role", "supervisor", "--office", "GN", "--password", "long-enough")
    return {"Authorization": "Bearer " + flask_cli(database, "user", "token", "hoso").stdout.strip().splitlines()[-1]}


class Citizen:
    def __init__(self, server, fake, number):
        self.server, self.fake, self.number = server, fake, number

    def text(self, body):
        params = {"MessageSid": "SM" + uuid.uuid4().hex, "AccountSid": self.fake.account_sid, "From": self.number,
                  "To": "+15005550006", "Body": body, "NumMedia": "0"}
        url = self.server.url + "/sms/twilio/inbound"
        signature = RequestValidator(self.fake.auth_token).compute_signature(url, params)
        answer = requests.post(url, data=params, headers={"X-Twilio-Signature": signature}, timeout=10)
        assert answer.status_code == 200
        return answer.text


def logged_in(server, username):
    session = requests.Session()
    form = session.get(server.url + "/login", timeout=10).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    answer = session.post(server.url + "/login", timeout=10,
                          data={"csrf_token": token, "username": username, "password": "long-enough"})
    assert answer.status_code == 200 and "/logout" in answer.text
    return session


def test_the_sms_follow_up_asks_whether_the_citizen_wants_an_answer_and_the_case_keeps_it(database):
    headers = setup(database)
    port = free_port()
    with FakeTwilio() as fake, ServerProcess(database, port=port, workers=2, threads=2,
                                             PUBLIC_BASE_URL=f"http://127.0.0.1:{port}", SMS_QUIET_HOURS="",
                                             SMS_SENDER_INTERVAL_SECONDS=1, SESSION_COOKIE_SECURE="false",
                                             **fake.settings()) as server:
        yes = Citizen(server, fake, "+84912345678")
        followup = yes.text("GN 1")
        assert "Vì sao?" in followup and "Cơ quan sẽ trả lời" not in followup  # no promise before asking
        asked = yes.text("1 Chờ hơn một tiếng, mã A")
        assert "Cảm ơn góp ý" in asked and QUESTION in asked
        # Not a 1 or 2: more comment, kept; the question still waits.
        assert "Đã ghi thêm góp ý" in yes.text("Không có ghế ngồi")
        assert "Cơ quan sẽ trả lời Ông/Bà qua số này." in yes.text("1")

        no = Citizen(server, fake, "+84987654321")
        no.text("GN 1")
        assert QUESTION in no.text("Cán bộ không hướng dẫn, mã B")
        assert "Cơ quan sẽ không liên hệ lại" in no.text("2")

        wanted = requests.get(server.url + "/api/v1/cases", headers=headers, timeout=10).json()["cases"]
        by_comment = {c["rating"]["comment"].split("\n")[0][-4:]: c for c in wanted}
        a, b = by_comment["mã A"], by_comment["mã B"]
        assert a["contact_wanted"] is True and a["has_contact"] and a["contact"] == "+8491*****78"
        assert a["rating"]["comment"] == "Chờ hơn một tiếng, mã A\nKhông có ghế ngồi"
        assert a["rating"]["reasons"] == ["waiting_time"]
        assert b["contact_wanted"] is False and not b["has_contact"] and b["contact"] is None

        # The office answers the one who wants it, by SMS through Twilio; the other cannot be texted.
        sent = requests.post(server.url + f"/api/v1/cases/{a['id']}/reply", headers=headers, timeout=10,
                             json={"text": "Cơ quan xin lỗi, đã bố trí thêm ghế và một quầy giờ cao điểm."})
        assert sent.status_code == 202
        [message] = fake.wait_for(1)
        assert message["To"] == "+84912345678" and message["Body"].startswith("Cơ quan xin lỗi")
        refused = requests.post(server.url + f"/api/v1/cases/{b['id']}/reply", headers=headers, timeout=10,
                                json={"text": "Cơ quan xin lỗi."})
        assert refused.status_code == 409 and "do not want to be contacted" in refused.json()["error"]
        assert len(fake.messages) == 1

        page = logged_in(server, "hoso")
        shown_a = page.get(server.url + f"/dashboard/cases/{a['id']}", timeout=10).text
        shown_b = page.get(server.url + f"/dashboard/cases/{b['id']}", timeout=10).text
        assert "Muốn được trả lời" in shown_a and "Có (công dân nhắn 1)" in shown_a
        assert "Không (công dân nhắn 2)" in shown_b and "Công dân không muốn được liên hệ lại" in shown_b
        assert "Có, muốn cơ quan liên hệ lại" in shown_a  # the timeline line
    log = server.log_path.read_text()
    assert "912345678" not in log and "987654321" not in log


@pytest.fixture
def database(tmp_path):
    return tmp_path / "wish.db"
