"""Security checks: routes refuse the anonymous and other scopes, secrets are hashed and
revocable, cookies are locked down, and production refuses the development secret."""

import re
import subprocess

import pytest

from server import ConfigurationError, create_app
from server.db import get_db
from server.settings import DEV_SECRET_KEY
from tests.dashboards.support import csrf_token, log_in, post_form
from tests.support import BIN, ROOT, ServerProcess, add_kiosk, add_user, auth, rating, server_env

SAMPLE_VALUES = {"code": "E", "kiosk_id": "1", "user_id": "1", "token_id": "1", "alert_id": "1", "lang": "vi",
                 "case_id": "1", "counter_id": "1",
                 "filename": "dashboards.css"}
PUBLIC = {"/login", "/logout", "/public", "/healthz", "/api/v1/ping", "/api/v1/openapi.json", "/metrics",
          "/dashboard/assets/plotly.min.js"}


def page_routes(app):
    """Every dashboard and admin URL with sample values, with the methods it answers."""
    routes = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(("/dashboard", "/admin", "/language")) or rule.rule in PUBLIC:
            continue
        if rule.rule.startswith("/dashboard/static") or rule.endpoint.endswith(".static"):
            continue  # stylesheets and scripts, public like the login page
        url = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", lambda m: SAMPLE_VALUES[m.group(1)], rule.rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            routes.append((method, url))
    return routes


@pytest.fixture
def secured(province):
    add_user(province, "admin", "admin")
    add_user(province, "district", "supervisor", "D")
    return province


def test_every_page_and_admin_route_refuses_an_anonymous_visitor(secured):
    client = secured.test_client()
    routes = page_routes(secured)
    assert len(routes) > 20
    for method, url in routes:
        response = client.open(url, method=method)
        if url.startswith("/language"):
            continue  # choosing a language is allowed before login
        # a form post without a session is refused by its CSRF check (400) or the login check
        refused = (302, 401, 403, 400) if method == "POST" else (302, 401, 403)
        assert response.status_code in refused, (method, url, response.status_code)
        if response.status_code == 302:
            assert "/login" in response.headers["Location"], (method, url)


def test_every_admin_route_refuses_a_supervisor(secured):
    client = secured.test_client()
    log_in(client, "district", "correct-horse")
    token = csrf_token(client.get("/dashboard").text)
    admin_routes = [(m, u) for m, u in page_routes(secured) if u.startswith("/admin")]
    assert len(admin_routes) >= 8
    for method, url in admin_routes:
        data = {"csrf_token": token} if method == "POST" else None
        assert client.open(url, method=method, data=data).status_code == 403, (method, url)


def test_a_supervisor_gets_403_for_an_office_outside_their_subtree(secured):
    client = secured.test_client()
    log_in(client, "district", "correct-horse")
    for url in ("/dashboard/office/E", "/dashboard?office=E", "/dashboard/export.csv?office=E",
                "/dashboard/report/E", "/dashboard/compare?office=E", "/dashboard/comments?office=E"):
        response = client.get(url, follow_redirects=True)
        assert response.status_code == 403, url
    user_token = add_user(secured, "district-api", "supervisor", "D")
    assert client.get("/api/v1/stats?office=E", headers=auth(user_token)).status_code == 403


def test_tokens_and_passwords_are_stored_only_as_hashes(secured, database):
    kiosk_id, kiosk_token = add_kiosk(secured)
    user_token = add_user(secured, "viewer", "viewer", "D")
    raw = b"".join(path.read_bytes() for path in database.parent.glob(database.name + "*"))
    for secret in (kiosk_token, user_token, "correct-horse"):
        assert secret.encode() not in raw


def test_revoked_tokens_stop_working_at_once(secured):
    client = secured.test_client()
    kiosk_id, kiosk_token = add_kiosk(secured)
    user_token = add_user(secured, "api-user", "supervisor", "D")
    assert client.get("/api/v1/stats", headers=auth(user_token)).status_code == 200
    log_in(client, "admin", "correct-horse")
    with secured.app_context():
        token_id = get_db().execute("""SELECT t.id FROM api_tokens t JOIN users u ON u.id = t.user_id
                                       WHERE u.username = 'api-user'""").fetchone()[0]
    post_form(client, f"/admin/tokens/{token_id}/revoke", {}, page="/admin/tokens")
    post_form(client, f"/admin/kiosks/{kiosk_id}/revoke", {}, page="/admin/kiosks")
    anonymous = secured.test_client()
    assert anonymous.get("/api/v1/stats", headers=auth(user_token)).status_code == 401
    assert anonymous.post("/api/v1/ratings", json={"ratings": [rating()]}, headers=auth(kiosk_token)).status_code == 401


def test_the_session_cookie_is_secure_http_only_and_same_site(database, province):
    app = create_app({"DATABASE": str(database), "SESSION_COOKIE_SECURE": True})
    add_user(app, "admin", "admin")
    response = log_in(app.test_client(), "admin", "correct-horse")
    cookie = next(value for name, value in response.headers.items()
                  if name == "Set-Cookie" and value.startswith("session="))
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_the_server_refuses_to_start_with_the_development_secret(monkeypatch, tmp_path):
    monkeypatch.delenv("FLASK_RUN_FROM_CLI", raising=False)
    monkeypatch.setenv("SATISFACTION_DATABASE", str(tmp_path / "x.db"))
    monkeypatch.setenv("SATISFACTION_SECRET_KEY", DEV_SECRET_KEY)
    with pytest.raises(ConfigurationError, match="SATISFACTION_SECRET_KEY"):
        create_app()
    server = ServerProcess(tmp_path / "x.db", SECRET_KEY=DEV_SECRET_KEY).launch()
    try:
        assert server.process.wait(timeout=60) != 0
    finally:
        server.stop()
    assert "refusing to serve with the development secret" in server.log_path.read_text()


def test_the_command_line_works_before_a_secret_is_set_and_says_so(tmp_path):
    env = server_env(tmp_path / "x.db")
    env.pop("SATISFACTION_SECRET_KEY")
    result = subprocess.run([str(BIN / "flask"), "--app", "server", "init-db"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "Warning: SATISFACTION_SECRET_KEY is the development value" in result.stderr


def test_api_answers_carry_protective_headers(client, kiosk):
    _, token = kiosk
    response = client.post("/api/v1/ratings", json={"ratings": [rating()]}, headers=auth(token))
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Security-Policy"].startswith("default-src 'none'")


def test_a_scoped_user_cannot_tell_an_unknown_office_code_from_one_outside_their_scope(secured):
    """The outside review's Info item: 400 "unknown office" against 403 let codes be enumerated."""
    token = add_user(secured, "district-api", "supervisor", "D")
    client = secured.test_client()

    def answers(code):
        stats = client.get("/api/v1/stats", query_string={"office": code}, headers=auth(token))
        invitation = client.post("/api/v1/invitations", json={"phone": "0912 345 678", "office": code},
                                 headers=auth(token))
        return [(r.status_code, r.json["error"].replace(code, "CODE")) for r in (stats, invitation)]

    assert answers("E") == answers("NO-SUCH") == [(403, "office CODE is outside your scope")] * 2
    admin = add_user(secured, "root-api", "admin")  # who sees every office is told a code is unknown
    assert client.get("/api/v1/stats", query_string={"office": "NO-SUCH"}, headers=auth(admin)).status_code == 400


def test_a_scoped_admin_cannot_tell_an_unknown_office_code_from_one_outside_their_scope(secured):
    add_user(secured, "district-admin", "admin", "D")
    client = secured.test_client()
    log_in(client, "district-admin", "correct-horse")
    said = []
    for code in ("E", "NO-SUCH"):
        response = post_form(client, "/admin/kiosks", {"office": code, "counter": "Quầy 5"})
        # The form comes back with the office field marked, in the same words for both codes.
        message = re.findall(r'class="field-error" id="problem-office">([^<]*)<', response.text)[0]
        said.append((response.status_code, message.replace(code, "CODE")))
    assert said[0] == said[1] and "CODE" in said[0][1]
