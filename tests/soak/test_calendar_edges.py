"""Report dates anywhere in the calendar (year 1 to 9999) get an answer, never a 500: the stats
API and every dashboard page refuse dates outside 2000-01-01..2099-12-31 with a 400 that names
the parameter. (Schemathesis found `GET /api/v1/stats?to=0001-01-01` answering 500.)"""

import datetime as dt
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from server.periods import PERIODS
from tests.dashboards.support import log_in
from tests.support import TEST_PROVINCE, add_offices, add_user, auth

EXAMPLES = int(os.environ.get("SOAK_FUZZ_EXAMPLES", "250"))
EDGES = ["0001-01-01", "0001-01-02", "1999-12-31", "2100-01-01", "9999-12-30", "9999-12-31"]
dates = st.sampled_from(EDGES) | st.dates().map(dt.date.isoformat) | st.none()


@pytest.fixture
def reporting(app):
    return add_offices(app, TEST_PROVINCE[:2]), add_user(app)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(start=dates, end=dates, period=st.sampled_from(PERIODS), breakdown=st.sampled_from(["none", "children"]))
def test_the_stats_api_answers_any_dates_without_a_500(reporting, start, end, period, breakdown):
    app, token = reporting
    query = {"period": period, "breakdown": breakdown, **({"from": start} if start else {}),
             **({"to": end} if end else {})}
    response = app.test_client().get("/api/v1/stats", query_string=query, headers=auth(token))
    assert response.status_code in (200, 400), (query, response.status_code)
    if response.status_code == 400:
        assert response.json["error"].split(":")[0] in ("from", "to", "period"), response.json
    for day in (start, end):
        if day and not "2000-01-01" <= day <= "2099-12-31":
            assert response.status_code == 400


def test_every_dashboard_page_refuses_dates_at_the_ends_of_the_calendar_cleanly(reporting):
    app, _ = reporting
    client = app.test_client()
    assert log_in(client, "admin", "correct-horse").status_code == 302
    pages = sorted(rule.rule for rule in app.url_map.iter_rules()
                   if rule.rule.startswith("/dashboard") and "<" not in rule.rule and "GET" in rule.methods
                   and "static" not in rule.rule and "assets" not in rule.rule)
    assert len(pages) >= 5
    failures = []
    for page in pages:
        for start, end in [("0001-01-01", None), (None, "0001-01-01"), ("9999-12-31", None), (None, "9999-12-31"),
                           ("0001-01-01", "9999-12-31"), ("0001-01-01", "0001-01-05")]:
            for period in (None, "day", "month", "year"):
                query = {"preset": "custom", **({"from": start} if start else {}), **({"to": end} if end else {}),
                         **({"period": period} if period else {})}
                response = client.get(page, query_string=query)
                if response.status_code >= 500:
                    failures.append((page, query, response.status_code))
    assert failures == []
