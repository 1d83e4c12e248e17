"""Issue 13 at the counter: a dissatisfied citizen leaves a number on the kiosk's own keypad.

The real kiosk app (headless, driven by touches) against the real server: tap the field, type
on the keypad, see why a wrong number or a missing consent does not go, tick the consent,
send; the server opens a case with the number, which a viewer sees only masked.
"""

import requests

from tests.kiosk.appdriver import run_plan
from tests.kiosk.support import save_token
from tests.support import ARTIFACTS, add_user

SHOTS = ARTIFACTS / "kiosk"


def keys(digits):
    return [{"tap": ["keypad", digit]} for digit in digits]


def test_a_citizen_leaves_a_number_on_the_keypad_and_the_case_has_it_masked(site, tmp_path):
    kiosk_id, token, _ = site.add_kiosk(counter="Quầy 2")
    save_token(site.url, token, tmp_path / "data")
    viewer = add_user(site.app, "xem-kiosk", "viewer", "D")
    steps = [
        {"until": "idle"}, {"tap": ["level", 1]}, {"tap": ["reason", "waiting_time"]}, {"record": "reasons"},
        {"tap": ["contact_field"]}, {"record": "keypad"}, {"shot": f"{SHOTS}/contact-800x480-keypad.png"},
        *keys("091234567"), {"tap": ["contact_send"]}, {"record": "too short"},
        {"shot": f"{SHOTS}/contact-800x480-invalid.png"},
        *keys("8"), {"tap": ["contact_send"]}, {"record": "no consent"},
        {"tap": ["consent"]}, {"record": "ready"}, {"shot": f"{SHOTS}/contact-800x480-ready.png"},
        {"tap": ["contact_back"]}, {"record": "back"}, {"shot": f"{SHOTS}/contact-800x480-reasons.png"},
        {"tap": ["send"]}, {"record": "sent"}, {"until": "sent"},
    ]
    results = run_plan(tmp_path, ["--server", site.url, "--data-dir", str(tmp_path / "data")], steps)
    records = {r["label"]: r for r in results["records"]}

    reasons = records["reasons"]["contact"]
    assert reasons["field_shown"] and reasons["field"] == "Để lại số điện thoại để cơ quan liên hệ lại (không bắt buộc)"
    keypad = records["keypad"]
    assert keypad["screen"] == "contact" and keypad["contact"]["number"] == "Chạm các số để nhập"
    assert [key[0] for key in keypad["contact"]["keys"]] == [*"123456789", "Xoá hết", "0", "Xoá"]
    assert all(width >= 100 and height >= 55 for _, width, height in keypad["contact"]["keys"])  # thumb-sized
    assert keypad["contact"]["consent"] == ("Tôi đồng ý để cơ quan dùng số này chỉ để liên hệ trả lời ý kiến của "
                                            "tôi. Số được xoá 30 ngày sau khi ý kiến được giải quyết xong.")
    short = records["too short"]
    assert short["screen"] == "contact" and short["contact"]["number"] == "0912 345 67"
    assert short["contact"]["message"] == "Số chưa đúng. Xin nhập số di động Việt Nam, ví dụ 0912 345 678."
    unticked = records["no consent"]
    assert unticked["screen"] == "contact" and unticked["contact"]["number"] == "0912 345 678"
    assert unticked["contact"]["message"].startswith("Xin chạm vào ô đồng ý")
    assert records["ready"]["contact"]["consent_ticked"] and records["ready"]["contact"]["message"] == ""
    assert records["back"]["screen"] == "reasons"
    assert records["back"]["contact"]["field"] == "Số điện thoại: 0912 345 678  ·  đã đồng ý"
    assert records["sent"]["screen"] == "thanks"
    for record in records.values():
        assert record["overflowing"] == [], f"text cut off on {record['label']}"
    assert "0912345678" not in results["log"] and "912 345" not in results["log"]

    answer = requests.get(f"{site.url}/api/v1/cases", headers={"Authorization": f"Bearer {viewer}"}, timeout=10)
    assert answer.status_code == 200
    [case] = [c for c in answer.json()["cases"] if c["rating"]["counter"] == "Quầy 2"]
    assert case["has_contact"] is True and case["contact"] == "+8491*****78"
    assert case["rating"]["score"] == 1 and case["rating"]["reasons"] == ["waiting_time"]
    assert "0912345678" not in answer.text and "+84912345678" not in answer.text
    assert [(r["score"], r["counter"]) for r in site.ratings(kiosk_id)] == [(1, "Quầy 2")]


def test_physical_keys_type_the_number_while_the_keypad_is_open(site, tmp_path):
    _, token, _ = site.add_kiosk(counter="Quầy 1")
    save_token(site.url, token, tmp_path / "data")
    steps = [{"until": "idle"}, {"tap": ["level", 1]}, {"tap": ["contact_field"]},
             *[{"key": d} for d in "0987654321"], {"key": "backspace"}, {"key": "1"}, {"record": "typed"},
             {"key": "escape"}, {"record": "escaped"}]
    records = {r["label"]: r for r in run_plan(tmp_path, ["--server", site.url, "--data-dir",
                                                          str(tmp_path / "data")], steps)["records"]}
    assert records["typed"]["screen"] == "contact" and records["typed"]["contact"]["number"] == "0987 654 321"
    assert records["typed"]["queued"] <= 1  # the digits were no ratings
    assert records["escaped"]["screen"] == "reasons"


def test_the_field_is_written_out_in_full_on_a_portrait_screen_and_follows_the_language(tmp_path):
    from tests.kiosk.test_app_headless import offline_kiosk
    steps = [{"tap": ["level", 1]}, {"record": "reasons"}, {"shot": f"{SHOTS}/contact-480x800-field.png"},
             {"tap": ["skip"]}, {"advance": 5}, {"tap": ["language", "en"]}, {"tap": ["level", 1]},
             {"tap": ["contact_field"]}, {"record": "english"}, {"shot": f"{SHOTS}/contact-480x800-en.png"}]
    record, english = run_plan(tmp_path, offline_kiosk(tmp_path, "480x800"), steps)["records"]
    assert english["screen"] == "contact" and english["overflowing"] == []
    assert english["contact"]["title"] == "Leave a phone number so the office can get back to you (optional)"
    assert english["contact"]["consent"].endswith("It is deleted 30 days after the feedback has been dealt with.")
    assert [key[0] for key in english["contact"]["keys"]][-3:] == ["Clear", "0", "Delete"]
    assert record["contact"]["field"].endswith("(không bắt buộc)") and record["overflowing"] == []
    text_height, field_height = record["contact"]["field_texture"][1], record["contact"]["field_size"][1]
    assert text_height > 2 * record["contact"]["field_font"] and field_height > text_height  # two lines, not "…"
