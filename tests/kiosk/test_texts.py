"""The header's counter name follows the screen's language (kiosk.texts, pure)."""

import pytest

from kiosk.sender import Status
from kiosk.texts import counter_name, status_line
from server import languages

TEXTS = {code: lang["texts"] for code, lang in languages.languages({"ede": {"name": "Ê Đê"}}).items()}


@pytest.mark.parametrize("label, vi, en", [
    ("Quầy 1", "Quầy 1", "Counter 1"),  # was "Counter Quầy 1" on the English screen
    ("quầy 12", "Quầy 12", "Counter 12"),
    ("3", "Quầy 3", "Counter 3"),
    ("A2", "Quầy A2", "Counter A2"),
    ("Quầy tiếp nhận hồ sơ đất đai", "Quầy tiếp nhận hồ sơ đất đai", "Quầy tiếp nhận hồ sơ đất đai"),
])
def test_the_counter_is_named_in_the_screens_language(label, vi, en):
    config = {"texts": TEXTS, "counter": {"label": label}}
    assert (counter_name(config, "vi"), counter_name(config, "en"), counter_name(config, "ede")) == (vi, en, vi)


@pytest.mark.parametrize("zone, shown", [
    ("Asia/Ho_Chi_Minh", "00:30"),  # 17:30 UTC is half past midnight at the counter
    (None, "17:30"),  # an older server names no zone: the device's own (UTC here)
    ("No/Such_Zone", "17:30"),
])
def test_the_last_send_is_shown_in_the_zone_the_server_names(zone, shown, monkeypatch):
    import time
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    try:
        line = status_line(TEXTS["vi"] | {"online": "Đã kết nối", "queued": "chờ gửi", "last_sync": "gửi lần cuối"},
                           Status(True, 0, 0, "2026-12-01T17:30:04.120Z"), zone=zone)
    finally:
        monkeypatch.undo()
        time.tzset()
    assert line == f"Đã kết nối · 0 chờ gửi · gửi lần cuối {shown}"
