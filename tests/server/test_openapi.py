"""Schemathesis against the served OpenAPI document and the real server: no 5xx, answers as documented."""

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)

from tests.support import ServerProcess, documented_status, flask_cli

USER_PATHS = {"/api/v1/stats", "/api/v1/invitations", "/api/v1/cases", "/api/v1/cases/{case_id}",
              "/api/v1/cases/{case_id}/reply"}
CHECKS = [not_a_server_error, documented_status, content_type_conformance, response_schema_conformance]


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    database = tmp_path_factory.mktemp("openapi") / "api.db"
    flask_cli(database, "office", "add", "P", "Tỉnh", "--kind", "province")
    flask_cli(database, "office", "add", "D", "Huyện", "--parent", "P", "--kind", "district")
    flask_cli(database, "staff", "add", "CB1", "Cán bộ", "--office", "D", "--counter", "Quầy 1")
    kiosk = flask_cli(database, "kiosk", "add", "D", "--counter", "Quầy 1").stdout.strip().splitlines()[-1]
    flask_cli(database, "user", "add", "admin", "--role", "admin", "--password", "long-enough")
    user = flask_cli(database, "user", "token", "admin").stdout.strip().splitlines()[-1]
    with ServerProcess(database) as server:
        yield server, {"kiosk": kiosk, "user": user}


@pytest.fixture(scope="module")
def api_schema(served):
    server, _ = served
    return schemathesis.openapi.from_url(server.url + "/api/v1/openapi.json")


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_never_fails_and_answers_as_documented(case, served):
    server, tokens = served
    token = tokens["user"] if case.operation.path in USER_PATHS else tokens["kiosk"]
    case.call_and_validate(base_url=server.url, headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)


def test_the_document_names_the_contract(served):
    server, _ = served
    document = requests.get(server.url + "/api/v1/openapi.json").json()
    # The core's and the SMS channel's operations; other components add theirs.
    assert set(document["paths"]) >= {"/healthz", "/api/v1/ping", "/api/v1/ratings", "/api/v1/kiosk/config",
                                      "/api/v1/kiosk/heartbeat", "/api/v1/kiosk/pair", "/api/v1/stats",
                                      "/api/v1/invitations", "/api/v1/alerts",
                                      "/api/v1/rating-links", "/r/{code}", "/l/{token}"}
    assert set(document["paths"]["/api/v1/ratings"]) == {"get", "post"}
    listed = document["paths"]["/api/v1/ratings"]["get"]
    assert {p["name"] for p in listed["parameters"]} == {"office", "from", "to", "channel", "misuse", "include",
                                                          "after", "limit", "format"}
    assert set(listed["responses"]["200"]["content"]) == {"application/json", "text/csv"}
    assert document["paths"]["/api/v1/ratings"]["post"]["requestBody"]["content"]["application/json"]["schema"][
        "properties"]["ratings"]["maxItems"] == 500
