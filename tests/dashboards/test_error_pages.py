"""Error pages (400, 403, 404, 500, the public page switched off) in the reader's language, in
the site's layout (its stylesheet, its menu for a logged-in reader) and with a way back."""

import pytest

from server import create_app
from tests.dashboards.support import log_in

LAYOUT = "/dashboard/static/dashboards.css"


def assert_in_layout(response, code, *words):
    html = response.text
    assert response.status_code == code, html[:300]
    assert LAYOUT in html and 'class="top"' in html and 'data-error="' in html
    for word in words:
        assert word in html, word
    assert "style-src 'self'" in response.headers["Content-Security-Policy"]


@pytest.mark.parametrize("language, words", [
    ("vi", {400: "Quý phải được viết theo dạng 2026-Q3.", 403: "Ngoài phạm vi của bạn", 404: "Không tìm thấy",
            "back": "Về trang tổng quan"}),
    ("en", {400: "The quarter must be written like 2026-Q3.", 403: "Outside your scope", 404: "Not found",
            "back": "Back to the overview"}),
])
def test_400_403_and_404_speak_the_readers_language_with_a_way_back(as_user, language, words):
    viewer = as_user("xem")
    if language == "en":
        viewer.get("/language/en")
    bad = viewer.get("/dashboard/report/LDG-DMI", query_string={"quarter": "2026-5"})
    assert_in_layout(bad, 400, words[400], words["back"])
    assert "must look like" not in bad.text
    assert_in_layout(viewer.get("/admin/users"), 403, words[403], words["back"])
    assert_in_layout(viewer.get("/dashboard/office/LDG-QKH"), 403, words[403], words["back"])
    assert_in_layout(viewer.get("/dashboard/no-such-page"), 404, words[404], words["back"])
    assert_in_layout(viewer.get("/dashboard/cases/999999"), 404, words[404], words["back"])


def test_a_server_error_is_a_page_in_the_layout_that_says_nothing_was_lost(demo_copy):
    app = create_app({"DATABASE": str(demo_copy), "TESTING": True, "PROPAGATE_EXCEPTIONS": False})

    def broken():
        raise RuntimeError("a bug")
    app.add_url_rule("/dashboard/broken", "broken", broken)
    client = app.test_client()
    log_in(client, "tinh")
    response = client.get("/dashboard/broken")
    assert_in_layout(response, 500, "Máy chủ gặp lỗi", "Về trang tổng quan", "Về trang tổng quan")
    assert "a bug" not in response.text and "Traceback" not in response.text
    client.get("/language/en")
    english = client.get("/dashboard/broken")
    assert_in_layout(english, 500, "Something went wrong on the server", "Nothing you entered was lost")


def test_the_public_page_switched_off_says_so_to_a_citizen(demo_app):
    citizen = demo_app.test_client()
    response = citizen.get("/public")
    assert_in_layout(response, 404, "Trang công khai chưa được mở", "mã QR", "Cán bộ: đăng nhập")
    assert 'href="/login"' in response.text
    english = citizen.get("/public?lang=en")
    assert_in_layout(english, 404, "The public page is not open", "Staff: log in to the dashboards")
