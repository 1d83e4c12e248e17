"""End to end under Xvfb: real clicks and key presses (xdotool) on the real kiosk, ratings on the real server.

The kiosk is set up as an installer does (the token stored in its data folder by
`--save-token`), so the token is nowhere on its command line.
"""

import time
from pathlib import Path

import pytest

from tests.kiosk.support import Site, build_province, save_token
from tests.kiosk.xdisplay import KioskOnScreen, Xvfb
from tests.support import ARTIFACTS, ServerProcess

VERY_SATISFIED, DISSATISFIED = "#1a9850", "#d7301f"
SEND_GREEN = (0.10, 0.60, 0.31)
REASON_GREY = (0.87, 0.89, 0.92)
HEADER_BLUE = (0.05, 0.28, 0.63)  # only the idle screen has the header
SHOTS = ARTIFACTS / "kiosk"
QUICK = {"MISUSE_INTERVAL_SECONDS": 0.5, "KIOSK_THANKS_SECONDS": 1, "KIOSK_COOLDOWN_SECONDS": 0.5,
         "KIOSK_REASONS_TIMEOUT_SECONDS": 20}


@pytest.fixture(scope="module")
def quick_site(tmp_path_factory):
    database = tmp_path_factory.mktemp("e2e") / "site.db"
    build_province(database)
    # The thank-you stays until tapped, so the test can see it come and dismiss it as a citizen
    # does; with a timeout it could come and go between two looks at the screen on a busy machine.
    with ServerProcess(database, **{**QUICK, "KIOSK_THANKS_SECONDS": 600}) as server:
        yield Site(database, server)


def next_citizen(kiosk, timeout=30):
    """After a rating: wait for the thank-you (no header), tap it away, wait for the question.

    Waiting for the header alone was flaky under load: the rating can reach the server
    before the kiosk has drawn its thank-you, so the old frame's header passed for idle and
    the next key press landed on the thank-you, inside the cooldown, and was no rating.
    """
    kiosk.wait_for_colour(HEADER_BLUE, present=False, timeout=timeout)
    deadline = time.monotonic() + timeout
    while not kiosk.pixels_of(HEADER_BLUE):
        assert time.monotonic() < deadline, "the thank-you never gave way to the question"
        kiosk.click(5, 5)  # on the thank-you a tap dismisses it (once the cooldown is over); on idle, a bare corner
        time.sleep(0.2)


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
    save_token(quick_site.url, token, tmp_path / "data")
    assert (tmp_path / "data" / "credentials.json").stat().st_mode & 0o777 == 0o600
    argv = ["--server", quick_site.url, "--data-dir", str(tmp_path / "data")]
    SHOTS.mkdir(parents=True, exist_ok=True)  # on a fresh clone no other test may have made it yet
    with Xvfb(800, 480) as xvfb:
        kiosk = KioskOnScreen(xvfb, argv, tmp_path).start()
        try:
            kiosk.wait_for_colour(HEADER_BLUE)
            command_line = Path(f"/proc/{kiosk.process.pid}/cmdline").read_bytes()
            kiosk.grab().save(SHOTS / "xvfb-800x480-idle.png")
            kiosk.click_colour(VERY_SATISFIED)
            wait_for_ratings(quick_site, kiosk_id, 1)
            next_citizen(kiosk)
            kiosk.key("3")
            wait_for_ratings(quick_site, kiosk_id, 2)
            next_citizen(kiosk)
            kiosk.key("KP_2")
            wait_for_ratings(quick_site, kiosk_id, 3)
            next_citizen(kiosk)
            kiosk.click_colour(DISSATISFIED)
            kiosk.wait_for_colour(REASON_GREY)
            kiosk.grab().save(SHOTS / "xvfb-800x480-reasons.png")
            toggles = kiosk.pixels_of(REASON_GREY)
            top = min(y for _, y in toggles)
            kiosk.click(min(x for x, _ in toggles) + 80, top + 25)  # the first reason, top left
            kiosk.click_colour(SEND_GREEN)
            ratings = wait_for_ratings(quick_site, kiosk_id, 4)
        finally:
            kiosk.stop()
    assert b"-m\x00kiosk" in command_line and token.encode() not in command_line
    assert [(r["score"], r["office"], r["counter"], r["staff"]) for r in ratings] == \
        [(4, "D", "Quầy 2", "CB2"), (3, "D", "Quầy 2", "CB2"), (2, "D", "Quầy 2", "CB2"), (1, "D", "Quầy 2", "CB2")]
    assert ratings[3]["reasons"] == '["waiting_time"]'
    assert [r["misuse"] for r in ratings] == [0, 0, 0, 0]
    log = kiosk.log_path.read_text(errors="replace")
    assert [line for line in log.splitlines() if "ERROR" in line or line.startswith("Traceback")] == []
    assert token not in log
