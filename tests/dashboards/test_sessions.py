"""Login sessions the server can end (the outside review's finding 2), and the CSRF header
a logged-in browser needs for a state-changing API call (finding 8)."""

import datetime as dt

from server.db import get_db
from tests.dashboards.support import PASSWORD, csrf_token, log_in, post_form
from tests.support import add_user, auth

STATS = {"period": "year", "from": "2025-11-01", "to": "2026-10-31"}


def copied(client):
    """Another browser holding a copy of this one's session cookie."""
    thief = client.application.test_client()
    thief.set_cookie("session", client.get_cookie("session").value)
    return thief


def is_logged_in(client):
    return client.get("/dashboard/kiosks").status_code == 200


def user_id(app, username):
    with app.app_context():
        return get_db().execute("SELECT id FROM users WHERE username = ?", [username]).fetchone()[0]


def test_a_cookie_copied_before_logout_opens_neither_the_dashboard_nor_the_api(as_user):
    browser = as_user("tinh")
    thief = copied(browser)
    assert is_logged_in(thief) and thief.get("/api/v1/stats", query_string=STATS).status_code == 200
    post_form(browser, "/logout", {}, page="/dashboard/kiosks")
    assert thief.get("/dashboard").status_code == 302
    assert thief.get("/api/v1/stats", query_string=STATS).status_code == 401


def test_changing_your_own_password_logs_out_your_other_sessions_but_not_this_one(as_user):
    here, elsewhere = as_user("giangia"), as_user("giangia")
    thief = copied(elsewhere)
    response = post_form(here, "/dashboard/account/password",
                         {"password": PASSWORD, "new_password": "another-long-one",
                          "repeat_password": "another-long-one"}, page="/dashboard/account")
    assert response.status_code == 302
    assert "Đã đổi mật khẩu" in here.get("/dashboard/account").text
    assert is_logged_in(here)
    assert not is_logged_in(elsewhere) and not is_logged_in(thief)
    assert log_in(here.application.test_client(), "giangia", "another-long-one").status_code == 302


def test_a_wrong_current_password_changes_nothing(as_user):
    client = as_user("giangia")
    post_form(client, "/dashboard/account/password",
              {"password": "not-it", "new_password": "another-long-one", "repeat_password": "another-long-one"},
              page="/dashboard/account")
    assert "Mật khẩu hiện tại không đúng" in client.get("/dashboard/account").text
    assert log_in(client.application.test_client(), "giangia", PASSWORD).status_code == 302


def test_a_disabled_user_is_out_at_once_and_re_enabling_does_not_revive_old_sessions(demo_app, as_user):
    admin, victim = as_user("admin"), as_user("giangia")
    thief = copied(victim)
    target = user_id(demo_app, "giangia")
    post_form(admin, f"/admin/users/{target}", {"role": "supervisor", "office": "LDG-NGN", "disabled": "1"},
              page="/admin/users")
    assert not is_logged_in(victim) and not is_logged_in(thief)
    post_form(admin, f"/admin/users/{target}", {"role": "supervisor", "office": "LDG-NGN"}, page="/admin/users")
    assert not is_logged_in(victim) and not is_logged_in(thief)
    assert is_logged_in(as_user("giangia"))  # a new login works again


def test_log_out_everywhere_on_your_own_page_ends_every_session(as_user):
    phone, desk = as_user("xem"), as_user("xem")
    page = phone.get("/dashboard/account").text
    assert "Đăng xuất khỏi mọi nơi" in page and page.count('class="this-session"') == 1
    assert page.count("<tr") == 3  # the header and both sessions
    response = post_form(phone, "/dashboard/account/logout-everywhere", {}, page="/dashboard/account")
    assert response.location == "/login"
    assert not is_logged_in(phone) and not is_logged_in(desk)


def test_an_admin_logs_a_user_out_everywhere_from_the_users_page(demo_app, as_user):
    admin, supervisor = as_user("admin"), as_user("tinh")
    thief = copied(supervisor)
    assert "Đăng xuất khỏi mọi nơi" in admin.get("/admin/users").text
    response = post_form(admin, f"/admin/users/{user_id(demo_app, 'tinh')}/logout-everywhere", {},
                         page="/admin/users")
    assert response.status_code == 302
    assert "tinh đã được đăng xuất khỏi mọi nơi (1 phiên)" in admin.get("/admin/users").text
    assert not is_logged_in(supervisor) and not is_logged_in(thief)
    assert is_logged_in(admin)
    with demo_app.app_context():
        assert get_db().execute("SELECT actor, target FROM audit_log WHERE action = 'user.logout_everywhere'"
                                ).fetchall() == [("admin", "user:tinh")]


def _last_seen(app, username, hours_ago):
    stamp = (dt.datetime.now(dt.UTC) - dt.timedelta(hours=hours_ago)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    with app.app_context():
        db = get_db()
        db.execute("UPDATE login_sessions SET last_seen_at = ? WHERE user_id = ?", [stamp, user_id(app, username)])
        db.conn.commit()
    return stamp


def test_a_session_left_unused_for_eight_hours_ends_and_one_in_use_carries_on(demo_app, as_user):
    idle, busy = as_user("tinh"), as_user("giangia")
    _last_seen(demo_app, "tinh", 8.1)
    stamp = _last_seen(demo_app, "giangia", 7.9)
    assert not is_logged_in(idle)
    assert is_logged_in(busy)
    with demo_app.app_context():
        seen = get_db().execute("SELECT last_seen_at FROM login_sessions WHERE user_id = ?",
                                [user_id(demo_app, "giangia")]).fetchone()[0]
    assert seen > stamp  # using it moved the idle clock on


def test_the_idle_time_is_a_setting(demo_copy):
    from server import create_app
    app = create_app({"DATABASE": str(demo_copy), "TESTING": True, "SESSION_IDLE_HOURS": 1})
    client = app.test_client()
    log_in(client, "tinh")
    _last_seen(app, "tinh", 1.1)
    assert not is_logged_in(client)


def test_a_logged_in_browser_needs_the_csrf_header_to_post_to_the_api(demo_app, as_user):
    browser = as_user("giangia")
    invitation = {"phone": "0912 345 678", "office": "LDG-NGN"}
    with demo_app.app_context():
        before = get_db().execute("SELECT COUNT(*) FROM sms_invitations").fetchone()[0]  # the demo's history
    refused = browser.post("/api/v1/invitations", json=invitation)
    assert refused.status_code == 400 and "CSRF" in refused.json["error"]
    with demo_app.app_context():
        assert get_db().execute("SELECT COUNT(*) FROM sms_invitations").fetchone()[0] == before
    token = csrf_token(browser.get("/dashboard/account").text)
    accepted = browser.post("/api/v1/invitations", json=invitation, headers={"X-CSRFToken": token})
    assert accepted.status_code == 202
    # a token carries no cookie, so it needs no CSRF header
    api = demo_app.test_client().post("/api/v1/invitations", json={**invitation, "phone": "0912 345 679"},
                                      headers=auth(add_user(demo_app, "dossiers", "supervisor", "LDG-NGN")))
    assert api.status_code == 202


def test_the_account_page_says_how_long_an_unused_session_lasts(as_user):
    assert "Phiên không dùng trong 8 giờ sẽ tự kết thúc." in as_user("tinh").get("/dashboard/account").text
