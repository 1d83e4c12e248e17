"""Logging in and out: sessions, CSRF, the lockout, and the API for a logged-in browser."""

import datetime as dt
import re
from urllib.parse import urljoin, urlsplit

import pytest

from server.db import get_db
from tests.dashboards.support import PASSWORD, YEAR, csrf_token, log_in, post_form


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
    assert {row["office"] for row in mine.json["rows"]} == {"LDG-NGN"}
    assert client.get("/api/v1/stats", query_string={"office": "LDG-QKH"}).status_code == 403
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
    response = post_form(browser, f"/admin/users/{user_id}", {"role": "supervisor", "office": "LDG-NGN",
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


# The outside review's findings 1 and 3: open redirects and the admin lockout.

OFF_SITE = ["/%09/evil.example", "/%0D/evil.example", "/%0A/evil.example", "/%5Cevil.example", "//evil.example",
            "/%5C/evil.example", "%5C/evil.example", "/%2F/evil.example", "/%252F/evil.example", "/%255Cevil.example",
            "%20//evil.example", "/%00/evil.example", "javascript:alert(1)", "JavaScript%3Aalert(1)",
            "https://evil.example/dashboard", "http:/evil.example", "evil.example", "///evil.example"]


def _lands_on_this_site(location):
    resolved = urljoin("https://satisfaction.example/login", location)
    return urlsplit(resolved).netloc == "satisfaction.example"


@pytest.mark.parametrize("target", OFF_SITE)
def test_a_crafted_next_link_never_sends_a_supervisor_to_another_site(demo_app, target):
    client = demo_app.test_client()
    language = client.get(f"/language/en?next={target}")
    assert language.status_code == 302 and language.location == "/dashboard", language.location
    token = csrf_token(client.get("/login").text)
    login = client.post(f"/login?next={target}", data={"username": "tinh", "password": PASSWORD,
                                                        "csrf_token": token})
    assert login.status_code == 302 and login.location == "/dashboard", login.location


def test_a_next_link_to_a_page_of_this_site_is_followed_with_its_filters(demo_app):
    client = demo_app.test_client()
    target = "/dashboard/compare?preset=this_year&channel=sms"
    assert client.get("/language/en", query_string={"next": target}).location == target
    token = csrf_token(client.get("/login").text)
    login = client.post("/login", query_string={"next": target},
                        data={"username": "tinh", "password": PASSWORD, "csrf_token": token})
    assert login.location == target and _lands_on_this_site(login.location)


def _from(client, address):
    client.environ_base["REMOTE_ADDR"] = address
    return client


def test_a_stranger_failing_on_admin_does_not_lock_the_real_admin_out(demo_app):
    stranger = _from(demo_app.test_client(), "203.0.113.66")
    for _ in range(7):
        log_in(stranger, "admin", "guess")
    assert log_in(stranger, "admin").status_code == 429  # the stranger's address is locked out of the name
    admin = _from(demo_app.test_client(), "198.51.100.7")
    assert log_in(admin, "admin").status_code == 302
    assert admin.get("/admin/users").status_code == 200


def test_failures_from_many_addresses_slow_the_name_down_but_a_new_address_still_logs_in(demo_app):
    guessers = [_from(demo_app.test_client(), f"203.0.113.{n}") for n in range(1, 6)]
    for guesser in guessers:
        assert log_in(guesser, "tinh", "guess").status_code == 401
    slowed = log_in(guessers[0], "tinh")  # even the right password waits: this address guessed before
    assert slowed.status_code == 429
    assert "10 giây" in slowed.text
    assert log_in(_from(demo_app.test_client(), "198.51.100.7"), "tinh").status_code == 302
    with demo_app.app_context():
        db = get_db()
        db.execute("UPDATE login_failures SET locked_until = ? WHERE key = 'user:tinh'",
                   [(dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)).strftime("%Y-%m-%dT%H:%M:%S.000Z")])
        db.conn.commit()
    assert log_in(guessers[0], "tinh").status_code == 302  # once the slow-down passed


def test_a_name_that_does_not_exist_is_locked_and_slowed_exactly_like_a_real_one(demo_app):
    def answers(username):
        seen = []
        for n in range(8):
            client = _from(demo_app.test_client(), f"192.0.2.{n % 6}")
            response = log_in(client, username, "guess")
            page = re.sub(r'name="csrf_token" value="[^"]+"', "", response.text).replace(username, "NAME")
            seen.append((response.status_code, page))
        return seen
    assert answers("tinh") == answers("khong-co-ai")
