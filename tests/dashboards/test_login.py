"""Logging in and out: sessions, CSRF, the lockout, and the API for a logged-in browser."""

import datetime as dt

from server.db import get_db
from tests.dashboards.conftest import YEAR, csrf_token, log_in, post_form


def test_pages_need_a_login_and_send_you_back_after_it(demo_app):
    client = demo_app.test_client()
    response = client.get("/dashboard/compare")
    assert response.status_code == 302
    assert response.location.startswith("/login?next=")
    token = csrf_token(client.get(response.location).text)
    after = client.post(response.location, data={"username": "tinh", "password": "demo-password",
                                                 "csrf_token": token})
    assert after.location == "/dashboard/compare"


def test_the_login_form_has_the_named_fields_and_is_vietnamese_by_default(demo_app):
    page = demo_app.test_client().get("/login").text
    assert 'name="username"' in page and 'name="password"' in page
    assert "Đăng nhập" in page and "Mật khẩu" in page


def test_a_wrong_password_is_refused_without_saying_which_part_was_wrong(demo_app):
    client = demo_app.test_client()
    wrong_password = log_in(client, "tinh", "not-the-password")
    unknown_user = log_in(client, "nobody", "not-the-password")
    assert wrong_password.status_code == unknown_user.status_code == 401
    assert "Sai tên đăng nhập hoặc mật khẩu" in wrong_password.text
    assert client.get("/dashboard").status_code == 302


def test_a_login_without_the_csrf_token_is_rejected(demo_app):
    client = demo_app.test_client()
    client.get("/login")
    response = client.post("/login", data={"username": "tinh", "password": "demo-password"})
    assert response.status_code == 400
    assert client.get("/dashboard").status_code == 302


def test_five_failures_lock_the_name_even_against_the_right_password(demo_app):
    client = demo_app.test_client()
    for _ in range(5):
        assert log_in(client, "tinh", "guess").status_code == 401
    locked = log_in(client, "tinh")
    assert locked.status_code == 429
    assert "15 phút" in locked.text
    # another user from elsewhere is not locked out by it
    assert log_in(demo_app.test_client(), "giangia").status_code == 302


def test_the_lockout_ends_after_its_time(demo_app):
    client = demo_app.test_client()
    for _ in range(5):
        log_in(client, "tinh", "guess")
    with demo_app.app_context():
        db = get_db()
        past = (dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
        db.execute("UPDATE login_failures SET locked_until = ?", [past])
        db.conn.commit()
    assert log_in(client, "tinh").status_code == 302


def test_logging_out_ends_the_session(as_user):
    client = as_user("tinh")
    assert client.get("/dashboard", query_string=YEAR).status_code == 200
    token = csrf_token(client.get("/dashboard", query_string=YEAR).text)
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/dashboard").status_code == 302


def test_a_logged_in_browser_reads_the_stats_api_within_its_scope(as_user):
    client = as_user("giangia")
    mine = client.get("/api/v1/stats", query_string={"period": "year", "from": "2025-11-01", "to": "2026-10-31"})
    assert mine.status_code == 200
    assert {row["office"] for row in mine.json["rows"]} == {"GN"}
    assert client.get("/api/v1/stats", query_string={"office": "DG"}).status_code == 403
    assert demo_app_client_without_login(client).get("/api/v1/stats").status_code == 401


def demo_app_client_without_login(client):
    return client.application.test_client()


def test_changing_a_password_ends_the_users_other_sessions(as_user):
    browser = as_user("admin")
    other = as_user("giangia")
    assert other.get("/dashboard/kiosks").status_code == 200
    users = browser.get("/admin/users").text
    user_id = users.split('action="/admin/users/')[1].split('"')[0]
    for line in users.split("<tr>"):
        if "giangia" in line:
            user_id = line.split('action="/admin/users/')[1].split('"')[0]
    response = post_form(browser, f"/admin/users/{user_id}", {"role": "supervisor", "office": "GN",
                                                              "password": "a-new-long-password"}, page="/admin/users")
    assert response.status_code == 302
    assert other.get("/dashboard/kiosks").status_code == 302
    assert log_in(demo_app_client_without_login(other), "giangia", "a-new-long-password").status_code == 302


def test_an_outside_next_parameter_does_not_redirect_off_site(demo_app):
    client = demo_app.test_client()
    token = csrf_token(client.get("/login").text)
    response = client.post("/login?next=//evil.example/x", data={"username": "tinh", "password": "demo-password",
                                                                "csrf_token": token})
    assert response.location == "/dashboard"
