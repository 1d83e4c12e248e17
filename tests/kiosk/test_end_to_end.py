"""End to end under Xvfb: real clicks and key presses (xdotool) on the real kiosk, ratings on the real server."""

import time

import pytest

from tests.kiosk.support import Site, build_province
from tests.kiosk.xdisplay import KioskOnScreen, Xvfb
from tests.support import ARTIFACTS, ServerProcess

VERY_SATISFIED, DISSATISFIED = "#1a9850", "#d7301f"
SEND_GREEN = (0.10, 0.60, 0.31)
REASON_GREY = (0.87, 0.89, 0.92)
HEADER_BLUE = (0.05, 0.28, 0.63)  # only the idle screen has the header
QUICK = {"MISUSE_INTERVAL_SECONDS": 0.5, "KIOSK_THANKS_SECONDS": 1, "KIOSK_COOLDOWN_SECONDS": 0.5,
         "KIOSK_REASONS_TIMEOUT_SECONDS": 20}


@pytest.fixture(scope="module")
def quick_site(tmp_path_factory):
    database = tmp_path_factory.mktemp("e2e") / "site.db"
    build_province(database)
    with ServerProcess(database, **QUICK) as server:
        yield Site(database, server)


def wait_for_ratings(site, kiosk_id, count, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ratings = site.ratings(kiosk_id)
        if len(ratings) >= count:
            return ratings
        time.sleep(0.1)
    raise AssertionError(f"{len(site.ratings(kiosk_id))} of {count} ratings arrived in {timeout}s")


def test_clicks_and_key_presses_on_the_kiosk_arrive_as_ratings(quick_site, tmp_path):
    kiosk_id, token, _ = quick_site.add_kiosk(counter="Quầy 2")
    argv = ["--server", quick_site.url, "--token", token, "--data-dir", str(tmp_path / "data")]
    with Xvfb(800, 480) as xvfb:
        kiosk = KioskOnScreen(xvfb, argv, tmp_path).start()
        try:
            kiosk.wait_for_colour(HEADER_BLUE)
            kiosk.grab().save(ARTIFACTS / "kiosk" / "xvfb-800x480-idle.png")
            kiosk.click_colour(VERY_SATISFIED)
            wait_for_ratings(quick_site, kiosk_id, 1)
            kiosk.wait_for_colour(HEADER_BLUE)  # thanks over, idle again
            kiosk.key("3")
            wait_for_ratings(quick_site, kiosk_id, 2)
            kiosk.wait_for_colour(HEADER_BLUE, present=False)
            kiosk.wait_for_colour(HEADER_BLUE)
            kiosk.key("KP_2")
            wait_for_ratings(quick_site, kiosk_id, 3)
            kiosk.wait_for_colour(HEADER_BLUE, present=False)
            kiosk.wait_for_colour(HEADER_BLUE)
            kiosk.click_colour(DISSATISFIED)
            kiosk.wait_for_colour(REASON_GREY)
            kiosk.grab().save(ARTIFACTS / "kiosk" / "xvfb-800x480-reasons.png")
            toggles = kiosk.pixels_of(REASON_GREY)
            top = min(y for _, y in toggles)
            kiosk.click(min(x for x, _ in toggles) + 80, top + 25)  # the first reason, top left
            kiosk.click_colour(SEND_GREEN)
            ratings = wait_for_ratings(quick_site, kiosk_id, 4)
        finally:
            kiosk.stop()
    assert [(r["score"], r["office"], r["counter"], r["staff"]) for r in ratings] == \
        [(4, "D", "Quầy 2", "CB2"), (3, "D", "Quầy 2", "CB2"), (2, "D", "Quầy 2", "CB2"), (1, "D", "Quầy 2", "CB2")]
    assert ratings[3]["reasons"] == '["waiting_time"]'
    assert [r["misuse"] for r in ratings] == [0, 0, 0, 0]
