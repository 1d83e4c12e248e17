"""The quarterly report (Word, read back with python-docx) has the cases' section with sample sizes."""

import datetime as dt
import re
import uuid

from server.db import get_db, write_transaction
from server.offices import load_tree
from server.ratings import Source
from tests.dashboards.conftest import as_user, demo_app  # noqa: F401 (fixtures)
from tests.dashboards.test_reports import text_of, word
from tests.support import pin_clock


def _case_lines(text):
    opened = int(re.search(r"hoặc để lại số điện thoại\): (\d+)\.", text).group(1))
    answered = re.search(r"- Đã trả lời: .*", text).group(0)
    return opened, answered


def test_the_word_report_has_the_case_figures(as_user, demo_app, monkeypatch):  # noqa: F811
    # The server's now: 10:00 on 18 November 2026 in Vietnam, well inside its quarter. On the
    # machine's clock the quarter was the UTC year's with the local month (2026-Q1 on local
    # 1 January 2027, from 17:00 UTC on 31 December: its two new cases opened in 2027-Q1, not there).
    now = pin_clock(monkeypatch, dt.datetime(2026, 11, 18, 3, 0, tzinfo=dt.UTC))
    quarter = "2026-Q4"
    # The demo has its own cases this quarter; the two poor ratings below add two more.
    opened_before, answered_before = _case_lines(text_of(word(as_user("giangia"), office="LDG-NGN",
                                                               quarter=quarter)))
    with demo_app.app_context():
        db = get_db()
        kiosk_id, office_id, counter_id = db.execute(
            "SELECT k.id, k.office_id, k.counter_id FROM kiosks k JOIN offices o ON o.id = k.office_id "
            "WHERE o.code = 'LDG-NGN' LIMIT 1").fetchone()
        items = [{"id": str(uuid.uuid4()), "score": 1, "created_at": (now - dt.timedelta(minutes=m)).isoformat(),
                  "comment": "Chờ quá lâu"} for m in (30, 20)]
        with write_transaction(db):
            results = demo_app.extensions["ingest"].store_items(
                db, load_tree(db), Source("kiosk", office_id, counter_id, kiosk_id), items, now)
        assert {r["status"] for r in results} == {"accepted"}
    text = text_of(word(as_user("giangia"), office="LDG-NGN", quarter=quarter))
    # The cases' section comes first among the components' sections; the assessment closes the report.
    assert "VI. TIẾP NHẬN, TRẢ LỜI PHẢN ÁNH CỦA NGƯỜI DÂN" in text
    assert text.index("VI. TIẾP NHẬN") < text.index(". ĐÁNH GIÁ, KIẾN NGHỊ")
    # Two more received, none of them answered or overdue yet.
    assert _case_lines(text) == (opened_before + 2, answered_before)
    assert re.search(r"Người dân hài lòng với cách giải quyết: .* \(n = \d+\)", text)
