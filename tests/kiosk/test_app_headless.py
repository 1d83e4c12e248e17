"""The real kiosk app, headless (SDL2 offscreen), driven by kivy.tests touches in its own process.

Screenshots of every screen at 800×480 and 1280×800 landscape and 480×800 portrait go to
test-artifacts/kiosk/. The kiosk starts with the server unreachable, from its cached config.
"""

import datetime as dt
import json
import re
import zoneinfo

import pytest

from kiosk.datadir import DataDir
from tests.kiosk.appdriver import EXTRA_LANGUAGE, config_from_server, run_plan
from tests.kiosk.support import build_province, save_token
from tests.support import ARTIFACTS, free_port

SHOTS = ARTIFACTS / "kiosk"


def offline_kiosk(tmp_path, size="800x480", **settings):
    """A kiosk whose data folder holds the server's config, pointed at a port nobody answers."""
    database = tmp_path / "site.db"
    build_province(database)
    data_dir = tmp_path / "kiosk-data"
    data_dir.mkdir()
    config = config_from_server(database, **settings)
    (data_dir / "config.json").write_text(json.dumps(config, ensure_ascii=False), encoding="utf-8")
    server = f"http://127.0.0.1:{free_port()}"
    DataDir(data_dir).save_credentials(server, "kt_unused", {})
    return ["--server", server, "--data-dir", str(data_dir), "--size", size]


def error_lines(log):
    """Lines a member of staff reading the kiosk's log would take for a fault."""
    return [line for line in log.splitlines() if "ERROR" in line or line.startswith("Traceback")]


def every_screen(prefix):
    return [
        {"record": "idle"}, {"shot": f"{SHOTS}/{prefix}-idle.png"},
        {"tap": ["level", 1]}, {"tap": ["reason", "waiting_time"]}, {"tap": ["reason", "fees"]},
        {"record": "reasons"}, {"shot": f"{SHOTS}/{prefix}-reasons.png"},
        {"tap": ["contact_field"]}, *[{"tap": ["keypad", d]} for d in "0912345678"], {"tap": ["contact_send"]},
        {"record": "contact"}, {"shot": f"{SHOTS}/{prefix}-contact.png"}, {"tap": ["consent"]},
        {"tap": ["contact_send"]}, {"record": "thanks"}, {"shot": f"{SHOTS}/{prefix}-thanks.png"},
        {"advance": 5}, {"tap": ["language", "en"]}, {"record": "english"}, {"shot": f"{SHOTS}/{prefix}-idle-en.png"},
    ]


@pytest.mark.parametrize("size", ["800x480", "1280x800", "480x800"])
def test_every_screen_fits_and_is_saved_as_a_screenshot(tmp_path, size):
    results = run_plan(tmp_path, offline_kiosk(tmp_path, size), every_screen(f"default-{size}"))
    records = {r["label"]: r for r in results["records"]}
    assert [records[name]["screen"] for name in ("idle", "reasons", "contact", "thanks", "english")] == \
        ["idle", "reasons", "contact", "thanks", "idle"]
    for record in records.values():
        assert record["overflowing"] == [], f"text cut off on {record['label']} at {size}"
        assert record["window"] == [int(n) for n in size.split("x")]
    idle = records["idle"]
    # what the header's labels show, read from the running app's widget tree
    assert idle["header"] == {"office": "Bộ phận Một cửa huyện Đắk Glong",
                              "placement": "Quầy 1  ·  Cán bộ tiếp nhận: Nguyễn Thị Hồng Nhung"}
    assert records["english"]["header"]["placement"] == "Counter 1  ·  Officer on duty: Nguyễn Thị Hồng Nhung"
    assert idle["question"] == "Ông/Bà có hài lòng với sự phục vụ tại quầy này không?"
    assert idle["level_order"] == [4, 3, 2, 1]
    assert idle["levels"] == {"4": "Rất hài lòng", "3": "Hài lòng", "2": "Bình thường", "1": "Không hài lòng"}
    assert records["reasons"]["chosen"] == ["fees", "waiting_time"]
    assert records["contact"]["contact"]["message"].startswith("Xin chạm vào ô đồng ý")  # sent without the tick
    assert all(w >= 0.9 * records["contact"]["window"][0] / 8 and h >= 50
               for _, w, h in records["contact"]["contact"]["keys"]), records["contact"]["contact"]["keys"]
    [given] = [r for r in records["thanks"]["outbox"] if r["score"] == 1]
    assert (given["reasons"], given["contact"], given["contact_consent"]) == (["waiting_time", "fees"], "0912345678",
                                                                             True)
    assert records["english"]["levels"]["1"] == "Dissatisfied"
    for screen in ("idle", "reasons", "contact", "thanks", "idle-en"):
        assert (SHOTS / f"default-{size}-{screen}.png").stat().st_size > 5000
    assert error_lines(results["log"]) == []  # no libmtdev traceback dressed as an ERROR


def test_a_five_level_scale_and_an_extra_language_render(tmp_path):
    argv = offline_kiosk(tmp_path, "800x480", SCALE=5, LANGUAGES=EXTRA_LANGUAGE)
    steps = [{"record": "vi"}, {"shot": f"{SHOTS}/five-levels-800x480-idle.png"},
             {"tap": ["language", "ede"]}, {"record": "ede"}, {"shot": f"{SHOTS}/five-levels-800x480-idle-ede.png"},
             {"tap": ["level", 2]}, {"record": "reasons"}]
    records = {r["label"]: r for r in run_plan(tmp_path, argv, steps)["records"]}
    assert records["vi"]["level_order"] == [5, 4, 3, 2, 1]
    assert records["vi"]["languages"] == ["Tiếng Việt", "English", "Ê Đê"]
    assert records["ede"]["question"] == "Ih mơak hĭ hŏng bruă ti anôk anei?"
    assert records["ede"]["levels"]["5"] == "Mơak snăk" and records["ede"]["levels"]["3"] == "Bình thường"
    assert records["reasons"]["screen"] == "reasons"  # 2 of 5 counts as dissatisfied
    assert all(r["overflowing"] == [] for r in records.values())


def test_a_citizen_rates_by_touch_and_every_rating_is_in_the_outbox(tmp_path):
    steps = [
        {"tap": ["level", 4]}, {"record": "after a good tap"},
        {"advance": 4.1}, {"record": "thanks over"},
        {"tap": ["level", 1]}, {"tap": ["reason", "staff_attitude"]}, {"tap": ["skip"]}, {"record": "skipped"},
        {"advance": 5}, {"tap": ["language", "en"]}, {"tap": ["level", 3]}, {"record": "in english"},
        {"advance": 5}, {"record": "next citizen"},
        {"tap": ["level", 1]}, {"advance": 21}, {"record": "walked away"},
    ]
    records = {r["label"]: r for r in run_plan(tmp_path, offline_kiosk(tmp_path), steps)["records"]}
    assert records["after a good tap"]["screen"] == "thanks" and records["after a good tap"]["queued"] == 1
    assert records["thanks over"]["screen"] == "idle"
    assert records["skipped"]["screen"] == "thanks"
    assert records["in english"]["language"] == "en"
    assert records["next citizen"]["language"] == "vi" and records["next citizen"]["question"].startswith("Ông/Bà")
    walked = records["walked away"]
    assert walked["screen"] == "idle"
    assert [(r["score"], r.get("reasons"), r["language"]) for r in walked["outbox"]] == \
        [(4, None, "vi"), (1, None, "vi"), (3, None, "en"), (1, None, "vi")]
    assert all(r["staff"] == "CB1" for r in walked["outbox"])
    assert "Mất kết nối" in walked["status"] and "4 chờ gửi" in walked["status"]


def test_mashing_a_button_gives_one_rating_and_a_flagged_one_after_the_cooldown(tmp_path):
    steps = [{"tap": ["level", 4]}] + [{"tap": ["screen"]}] * 5 + [
        {"record": "mashed"}, {"advance": 2.2}, {"tap": ["screen"]}, {"record": "dismissed"},
        {"tap": ["level", 4]}, {"record": "too fast"}]
    # A wide misuse window, so a slow machine's real seconds between steps cannot leave it.
    argv = offline_kiosk(tmp_path, MISUSE_INTERVAL_SECONDS=30)
    records = {r["label"]: r for r in run_plan(tmp_path, argv, steps)["records"]}
    assert records["mashed"]["screen"] == "thanks" and records["mashed"]["queued"] == 1
    assert records["dismissed"]["screen"] == "idle"
    assert [r.get("misuse", False) for r in records["too fast"]["outbox"]] == [False, True]


def test_keys_and_the_keypad_rate_and_escape_does_not_quit(tmp_path):
    steps = [{"key": "4"}, {"advance": 5}, {"key": "numpad2"}, {"advance": 5}, {"key": "9"}, {"record": "keys"},
             {"key": "1"}, {"tap": ["reason", "fees"]}, {"key": "enter"}, {"record": "sent"}, {"advance": 5},
             {"key": "1"}, {"key": "escape"}, {"record": "escaped"}]
    records = {r["label"]: r for r in run_plan(tmp_path, offline_kiosk(tmp_path), steps)["records"]}
    assert [r["score"] for r in records["keys"]["outbox"]] == [4, 2]
    assert records["sent"]["screen"] == "thanks" and records["sent"]["outbox"][-1]["reasons"] == ["fees"]
    assert records["escaped"]["screen"] == "thanks"
    assert [r["score"] for r in records["escaped"]["outbox"]] == [4, 2, 1, 1]


def test_a_new_kiosk_waits_for_its_server_then_asks(tmp_path, site):
    _, token, _ = site.add_kiosk(counter="Quầy 2")
    save_token(site.url, token, tmp_path / "fresh")
    argv = ["--server", site.url, "--data-dir", str(tmp_path / "fresh")]
    steps = [{"record": "at once"}, {"wait": 3}, {"record": "connected"}, {"shot": f"{SHOTS}/fresh-800x480-idle.png"}]
    records = {r["label"]: r for r in run_plan(tmp_path, argv, steps)["records"]}
    assert records["connected"]["screen"] == "idle" and records["connected"]["online"] is True
    assert records["connected"]["header"]["placement"] == "Quầy 2  ·  Cán bộ tiếp nhận: Y Blông Niê"
    assert records["connected"]["status"].startswith("Đã kết nối · 0 chờ gửi")
    assert (tmp_path / "fresh" / "config.json").exists()


def test_the_staff_line_gives_the_last_send_in_the_offices_time_whatever_the_devices_zone(tmp_path, site):
    """A Pi left on UTC (an image flashed without install.sh) shows the time of the office's
    wall clock: the zone comes from the server's config (TIMEZONE), not from the device."""
    _, token, _ = site.add_kiosk(counter="Quầy 3")
    save_token(site.url, token, tmp_path / "utc")
    argv = ["--server", site.url, "--data-dir", str(tmp_path / "utc")]
    steps = [{"until": "idle", "timeout": 60}, {"key": "4"}, {"advance": 5}, {"until": "sent", "timeout": 60},
             {"wait": 2}, {"record": "sent"}]  # the sender's status reaches the screen on its next frame
    records = {r["label"]: r for r in run_plan(tmp_path, argv, steps, env={"TZ": "UTC"})["records"]}
    shown = re.search(r"gửi lần cuối (\d\d:\d\d)", records["sent"]["status"])
    assert shown, records["sent"]["status"]
    now = dt.datetime.now(dt.UTC)
    vietnam = {f"{now.astimezone(zoneinfo.ZoneInfo('Asia/Ho_Chi_Minh')) - dt.timedelta(minutes=m):%H:%M}"
               for m in range(3)}
    assert shown.group(1) in vietnam  # seven hours ahead of the device's UTC clock
