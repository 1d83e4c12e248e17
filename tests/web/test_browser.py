"""The citizen's page in a real browser (Debian's chromium through Playwright) against the
real server under gunicorn, on two phone sizes, with and without JavaScript: scan to thanks
for a poor rating with reasons and a comment, the rating in the stats as channel web, a
dossier link used twice giving one rating, expired and changed links, an axe-core check.
Screenshots of every step go to test-artifacts/web/."""

import datetime as dt
import sqlite3

import pytest
import requests
from axe_playwright_python.sync_playwright import Axe

from server import accounts, create_app, offices
from server.db import get_db, write_transaction
from server.timeutil import to_stored, utcnow
from tests.support import ARTIFACTS, ServerProcess, free_port
from web import guard

SHOTS = ARTIFACTS / "web"
PHONES = {"390x844": {"width": 390, "height": 844}, "360x640": {"width": 360, "height": 640}}
SECRET = "test-secret-" + "x" * 40  # tests.support.server_env's


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    database = tmp_path_factory.mktemp("web-browser") / "web.db"
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    app = create_app({"DATABASE": str(database), "SECRET_KEY": SECRET, "WEB_BASE_URL": base})
    with app.app_context():
        db = get_db()
        with write_transaction(db):
            offices.add_office(db, "P", "Tỉnh Đắk Nông", None, "province")
            offices.add_office(db, "GN", "Bộ phận Một cửa thành phố Gia Nghĩa", "P", "district")
            offices.add_staff(db, "CB1", "Nguyễn Văn An", "GN", "Quầy 1")
            user_id = accounts.add_user(db, "hs", "supervisor", offices.office_by_code(db, "P")["id"], "long-enough")
            _, token = accounts.create_token(db, user_id)
    code_url = app.test_cli_runner().invoke(args=["counter", "link", "GN", "--counter", "Quầy 1"]).output.split()[-1]
    with ServerProcess(database, port=port, workers=2, WEB_BASE_URL=base, WEB_BURST_SECONDS=0,
                       WEB_RATINGS_PER_MINUTE=1000) as server:
        yield {"server": server, "database": database, "token": token, "counter_url": code_url, "app": app}


def _page(browser, phone, javascript=True):
    context = browser.new_context(viewport=PHONES[phone], java_script_enabled=javascript, locale="vi-VN",
                                  bypass_csp=javascript)  # axe is injected through the DevTools protocol
    page = context.new_page()
    outside = []
    page.on("request", lambda request: outside.append(request.url)
            if not request.url.startswith("http://127.0.0.1") else None)
    return context, page, outside


def _shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _no_serious_findings(page):
    results = Axe().run(page)
    serious = [v["id"] for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
    assert serious == [], serious


def _link(site, **fields):
    answer = requests.post(site["server"].url + "/api/v1/rating-links", timeout=10,
                           headers={"Authorization": f"Bearer {site['token']}"},
                           json={"office": "GN", "counter": "Quầy 1", "staff": "CB1", "service": "1.004227",
                                 "reference": "000.00.12.H09-260301-0001", **fields})
    assert answer.status_code == 201, answer.text
    return answer.json()["url"]


def _web_responses(site):
    answer = requests.get(site["server"].url + "/api/v1/stats?office=GN&period=day&channel=web",
                          headers={"Authorization": f"Bearer {site['token']}"}, timeout=10)
    return sum(row["responses"] for row in answer.json()["rows"])


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "nojs"])
@pytest.mark.parametrize("phone", list(PHONES))
def test_scan_to_thanks_for_a_poor_rating_with_reasons_and_a_comment(site, browser, phone, javascript):
    name = f"{phone}-{'js' if javascript else 'nojs'}"
    before = _web_responses(site)
    context, page, outside = _page(browser, phone, javascript)
    page.goto(site["counter_url"])
    assert page.get_by_text("Bộ phận Một cửa thành phố Gia Nghĩa").is_visible()
    assert page.get_by_role("heading").inner_text() == "Ông/Bà có hài lòng với sự phục vụ tại quầy này không?"
    faces = page.get_by_role("button")
    assert faces.count() == 4
    for index in range(4):  # big tap targets, each inside the phone's width
        box = faces.nth(index).bounding_box()
        assert box["height"] >= 48 and box["x"] >= 0 and box["x"] + box["width"] <= PHONES[phone]["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONES[phone]["width"] if javascript else True
    _shot(page, f"{name}-1-faces")
    if javascript:
        _no_serious_findings(page)
    page.get_by_role("button", name="Không hài lòng").click()
    page.wait_for_url("**/why?**")
    assert page.get_by_role("heading").inner_text() == "Ông/Bà chưa hài lòng về điều gì?"
    page.get_by_label("Thời gian chờ đợi lâu").check()
    page.get_by_label("Thái độ của cán bộ").check()
    page.get_by_label("Ý kiến khác (không bắt buộc)").fill("Chờ hơn một tiếng mà không ai hướng dẫn")
    # Every control is a target a thumb can hit (WCAG 2.5.8: 24 px at least), within the width:
    # the phone number's field and its consent box were the browser's 13 px defaults.
    for control in ("input[type=checkbox]", "input[type=tel]", "textarea", "button"):
        for box in (item.bounding_box() for item in page.locator(control).all()):
            assert box["height"] >= 24 and box["width"] >= 24 and box["x"] + box["width"] <= PHONES[phone]["width"], \
                (control, box)
    field = page.locator("input[type=tel]").bounding_box()
    assert field["height"] >= 44 and field["width"] >= PHONES[phone]["width"] * 0.8  # as wide as the comment box
    _shot(page, f"{name}-2-why")
    if javascript:
        _no_serious_findings(page)
    page.get_by_role("button", name="Gửi").click()
    page.wait_for_url("**/thanks**")
    assert page.get_by_role("heading").inner_text() == "Xin cảm ơn Ông/Bà đã đánh giá!"
    assert "Nghị định 13/2023" in page.content()
    _shot(page, f"{name}-3-thanks")
    if javascript:
        _no_serious_findings(page)
    page.goto(site["counter_url"])  # the same browser again: thanked, not counted twice
    assert "Ông/Bà đã đánh giá quầy này" in page.content()
    _shot(page, f"{name}-4-again")
    assert outside == []
    context.close()
    assert _web_responses(site) == before + 1
    with sqlite3.connect(site["database"]) as conn:
        reasons, comment = conn.execute("SELECT reasons, comment FROM ratings WHERE channel = 'web' "
                                        "ORDER BY id DESC LIMIT 1").fetchone()
    assert reasons == '["waiting_time", "staff_attitude"]' and comment == "Chờ hơn một tiếng mà không ai hướng dẫn"


def test_the_page_switches_to_english(site, browser):
    context, page, _ = _page(browser, "390x844")
    page.goto(site["counter_url"])
    page.get_by_role("link", name="English").click()
    assert page.get_by_role("heading").inner_text() == "How satisfied are you with the service at this counter?"
    assert page.locator("html").get_attribute("lang") == "en"
    _shot(page, "390x844-english")
    _no_serious_findings(page)
    context.close()


def test_a_dossier_link_used_twice_gives_one_rating(site, browser):
    url = _link(site)
    before = _web_responses(site)
    for visit in (1, 2):
        context, page, _ = _page(browser, "360x640", javascript=False)
        page.goto(url)
        _shot(page, f"link-visit{visit}-1")
        page.get_by_role("button", name="Hài lòng", exact=True).click()
        page.wait_for_url("**/thanks**")
        _shot(page, f"link-visit{visit}-2-thanks")
        context.close()
    assert _web_responses(site) == before + 1
    with site["app"].app_context():
        db = get_db()
        with write_transaction(db):
            db.execute("UPDATE web_links SET rated_at = ?", [to_stored(dt.datetime.now(dt.UTC)
                                                                        - dt.timedelta(minutes=30))])
    context, page, _ = _page(browser, "360x640")
    page.goto(url)
    assert page.get_by_role("heading").inner_text() == "Hồ sơ này đã được đánh giá. Xin cảm ơn!"
    assert page.get_by_role("button").count() == 0
    _shot(page, "link-visit3-done")
    context.close()
    with sqlite3.connect(site["database"]) as conn:
        assert conn.execute("SELECT COUNT(*) FROM ratings WHERE reference = '000.00.12.H09-260301-0001'"
                            ).fetchone()[0] == 1


def test_expired_and_changed_links_get_a_clear_page(site, browser):
    expired = _link(site, expires_in_hours=0.0003)
    good = _link(site)
    import time
    time.sleep(1.5)
    context, page, _ = _page(browser, "390x844")
    answer = page.goto(expired)
    assert answer.status == 410 and page.get_by_role("heading").inner_text() == "Đường dẫn đánh giá đã hết hạn"
    _names_the_counter(page)  # the server still has the link: the citizen sees whose link it was
    _shot(page, "link-expired")
    _no_serious_findings(page)
    answer = page.goto(good[:-4] + ("AAAA" if not good.endswith("AAAA") else "BBBB"))
    assert answer.status == 404 and page.get_by_role("heading").inner_text() == "Đường dẫn đánh giá không hợp lệ"
    _no_empty_bar(page)  # a changed link names nothing the server could trust
    _shot(page, "link-tampered")
    context.close()


def _names_the_counter(page):
    """The page's header names the office and counter, as the rating page does."""
    assert page.locator("header .office").inner_text() == "Bộ phận Một cửa thành phố Gia Nghĩa"
    assert page.locator("header .counter").inner_text() == "Quầy 1"
    assert page.title().endswith("· Bộ phận Một cửa thành phố Gia Nghĩa")


def _no_empty_bar(page):
    """Where nothing is known there is no header at all (it was an empty bar with a rule under it)."""
    assert page.locator("header").count() == 0



def _crowd_the_address(database):
    """A thousand taps from 127.0.0.1 this second (this module's server allows 1,000 a minute),
    under the address's key of today and, should UTC midnight come before the server counts,
    of tomorrow (the key changes with the UTC date); returns the keys."""
    now = utcnow()
    keys = {guard.address_key(SECRET, "127.0.0.1", moment) for moment in (now, now + dt.timedelta(minutes=1))}
    add = """INSERT INTO web_address_counts (key, second, ratings, last_at) VALUES (?, ?, 1000, ?)
             ON CONFLICT (key, second) DO UPDATE SET ratings = 1000"""
    with sqlite3.connect(database) as conn:
        for key in keys:
            conn.execute(add, [key, int(now.timestamp()), to_stored(now)])
    return keys


def test_a_phone_over_its_networks_limit_is_told_to_wait_and_nothing_is_stored(site, browser):
    """The 429 page as a citizen sees it: the counter named, why, what to do, nothing stored.
    The address's count is set to a thousand taps before each phone's tap (the count is of the
    last minute: with axe and screenshots, two phones can take longer than that on a loaded
    machine), then given back to the other tests."""
    keys = set()
    try:
        before = _web_responses(site)
        for phone in PHONES:
            keys |= _crowd_the_address(site["database"])
            context, page, _ = _page(browser, phone)
            page.goto(site["counter_url"])
            with page.expect_response(lambda answer: answer.request.method == "POST") as posted:
                page.get_by_role("button", name="Hài lòng", exact=True).click()
            assert posted.value.status == 429
            assert page.get_by_role("heading").inner_text() == "Có quá nhiều đánh giá từ mạng này"
            assert "Xin thử lại sau một phút. Đánh giá của Ông/Bà chưa được gửi." in page.content()
            _names_the_counter(page)
            _shot(page, f"{phone}-too-many")
            _no_serious_findings(page)
            page.get_by_role("link", name="Quay lại trang đánh giá").click()  # a minute later, say
            assert page.get_by_role("heading").inner_text() == "Ông/Bà có hài lòng với sự phục vụ tại quầy này không?"
            context.close()
        assert _web_responses(site) == before
    finally:
        with sqlite3.connect(site["database"]) as conn:
            conn.executemany("DELETE FROM web_address_counts WHERE key = ?", [[key] for key in keys])

def test_a_retired_poster_says_so_politely(site, browser):
    runner = site["app"].test_cli_runner()
    new_url = runner.invoke(args=["counter", "rotate", "GN", "--counter", "Quầy 1"]).output.split()[-1]
    for phone in PHONES:
        context, page, _ = _page(browser, phone)
        answer = page.goto(site["counter_url"])
        assert answer.status == 410 and page.get_by_role("heading").inner_text() == "Mã này không còn được sử dụng"
        _names_the_counter(page)  # the old poster still says which counter it was for
        _shot(page, f"{phone}-retired-code")
        _no_serious_findings(page)
        assert page.goto(new_url.rsplit("/", 1)[0] + "/ZZZZZZ").status == 404
        assert page.get_by_role("heading").inner_text() == "Không tìm thấy mã đánh giá"
        _no_empty_bar(page)
        _shot(page, f"{phone}-unknown-code")
        assert page.goto(new_url).status == 200
        context.close()
    site["counter_url"] = new_url
