"""Strange URLs get a clear 400 (or 404 for an id that cannot exist), never a server error:
each case the outside review found (finding 6), then a fuzz of every dashboard and admin
route's query parameters and path ids so the class stays closed."""

import os
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.dashboards.support import csrf_token, log_in
from tests.sms.support import signed_post
from tests.support import add_offices, add_user

EXAMPLES = int(os.environ.get("SOAK_FUZZ_EXAMPLES", "200"))
HUGE_ID = "1" * 20  # past SQLite's largest integer


@pytest.fixture
def admin(as_user):
    return as_user("admin")


def test_a_comments_link_with_a_strange_score_says_which_parameter_is_wrong(admin):
    response = admin.get("/dashboard/comments?score=%C2%B2")  # a superscript two is a digit to Python
    assert response.status_code == 400 and 'data-problem="score">Mức đánh giá:' in response.text


@pytest.mark.parametrize("extra", ["code=x", "_method=POST", "_external=1", "_anchor=x", "endpoint=x"])
def test_an_office_picked_in_the_filter_opens_its_page_whatever_else_the_url_carries(admin, extra):
    response = admin.get(f"/dashboard?office=LDG-NGN&preset=this_year&{extra}")
    assert response.status_code == 302
    assert response.location.startswith("/dashboard/office/LDG-NGN?") and "preset=this_year" in response.location
    assert admin.get(response.location).status_code == 200


@pytest.mark.parametrize("page", ["1e19", "10000000000000000000", "0", "-1", "²", "x"])
def test_an_audit_page_number_that_is_no_page_gets_a_400(admin, page):
    response = admin.get(f"/admin/audit?page={page}")
    assert response.status_code == 400 and "page:" in response.text


def test_an_alert_or_kiosk_id_too_big_to_exist_is_not_found(admin):
    token = csrf_token(admin.get("/dashboard/alerts").text)
    acknowledge = admin.post(f"/dashboard/alerts/{HUGE_ID}/acknowledge", data={"csrf_token": token, "comment": "ok"})
    revoke = admin.post(f"/admin/kiosks/{HUGE_ID}/revoke", data={"csrf_token": token})
    assert acknowledge.status_code == revoke.status_code == 404


def test_a_language_link_with_a_newline_in_next_still_switches_the_language(demo_app):
    client = demo_app.test_client()
    response = client.get("/language/en?next=/%0A/x")
    assert response.status_code == 302 and response.location == "/dashboard"
    assert 'lang="en"' in client.get("/login").text


def test_a_signed_status_callback_for_a_message_id_too_big_to_exist_is_not_found(app):
    add_offices(app, [("P", "Tỉnh Thử", None, "province")])
    params = {"MessageSid": "SM" + "0" * 32, "MessageStatus": "delivered"}
    client = app.test_client()
    assert signed_post(client, app, "/sms/twilio/status", params, query="m=" + "9" * 40).status_code == 404
    bad_code = signed_post(client, app, "/sms/twilio/status", {**params, "ErrorCode": "9" * 40}, query="m=1")
    assert bad_code.status_code == 400 and b"ErrorCode" in bad_code.data


# The fuzz: every route under /dashboard, /admin and /language, as an unscoped admin and as a
# supervisor scoped to one town, with odd query parameters and odd path ids.

# These two end the fuzzing session itself; their only input is the CSRF token.
SKIPPED = {"/logout", "/dashboard/account/logout-everywhere"}
PARAMS = ["office", "preset", "from", "to", "period", "channel", "structure", "include_misuse", "q", "reason",
          "score", "before_day", "before_at", "page", "action", "actor", "quarter", "next", "lang", "code", "m",
          "_method", "_external", "_anchor", "_scheme", "endpoint", "user", "breakdown"]
ODD = ["", "0", "-1", "²", "١٢", "1e19", HUGE_ID, "9" * 40, "GN", "gn", "DM", "E", "NOPE", "x" * 500, "2026-02-30",
       "0001-01-01", "9999-12-31", "2026-Q5", "2026-Q1", "custom", "day", "all", "current", "1", "true",
       "/\t/evil.example", "\\\\evil", "%00", "\x00", "<script>", "' OR 1=1 --", "${7*7}", "null", "[]"]
# Any text a URL can carry (a lone surrogate cannot even be sent).
texts = st.text(st.characters(exclude_categories=("Cs",)), max_size=30)
values = st.sampled_from(ODD) | texts | st.integers(-(10**25), 10**25).map(str)
path_ids = st.sampled_from(["0", "1", "2", HUGE_ID, "9" * 40, "-1", "LDG-NGN", "LDG-DMI", "NOPE", "%C2%B2", "x"]) | \
    st.integers(0, 10**22).map(str)


def fuzz_routes(app):
    routes = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(("/dashboard", "/admin", "/language")) or "static" in rule.rule \
                or rule.rule in SKIPPED:
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            routes.append((method, rule.rule))
    return sorted(routes)


@pytest.fixture
def fuzzing(demo_app, as_user):
    add_user(demo_app, "gn-admin", "admin", "LDG-NGN")
    scoped_admin = demo_app.test_client()
    assert log_in(scoped_admin, "gn-admin", "correct-horse").status_code == 302
    clients = {"admin": as_user("admin"), "giangia": as_user("giangia"), "gn-admin": scoped_admin}
    tokens = {name: csrf_token(client.get("/dashboard/account").text) for name, client in clients.items()}
    routes = fuzz_routes(demo_app)
    assert len(routes) > 30
    return clients, tokens, routes


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_no_dashboard_or_admin_url_answers_a_server_error(fuzzing, data):
    clients, tokens, routes = fuzzing
    method, rule = data.draw(st.sampled_from(routes))
    who = data.draw(st.sampled_from(sorted(clients)))
    path = re.sub(r"<(?:[a-z]+:)?[a-z_]+>", lambda _: data.draw(path_ids), rule)
    query = data.draw(st.lists(st.tuples(st.sampled_from(PARAMS) | texts, values), max_size=6))
    form = {"csrf_token": tokens[who]} if method == "POST" else None
    response = clients[who].open(path, method=method, query_string=query, data=form)
    assert response.status_code < 500, (who, method, path, query, response.status_code)


def test_the_integrity_page_of_another_component_draws_its_filter_bar(admin):
    """The fuzz found it: a component's page rendering the shared filters without the channels."""
    response = admin.get("/dashboard/integrity")
    assert response.status_code == 200 and 'name="office"' in response.text and 'name="preset"' in response.text
