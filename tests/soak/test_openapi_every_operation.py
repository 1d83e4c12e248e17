"""Schemathesis over every operation of the served OpenAPI document, against gunicorn with the
deploy config. Each operation gets the token its `security` names (a kiosk's, a user's, or
none); answers are never 5xx and match the document; and each operation is also reached with
data that succeeds (2xx): fresh pairing codes for /api/v1/kiosk/pair, real numbers and
offices for /api/v1/invitations, plausible ratings for /api/v1/ratings, a real counter code
and fresh rating links for the web pages, whose forms are sent with the page's own CSRF
token and cookie (their success is the documented 303 on to the next page), open cases (with a
citizen's number) for the cases' PATCH and reply."""

import datetime as dt
import os
import re
import tempfile
import uuid
from collections import Counter

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)

from server import accounts, api, create_app, offices
from server.db import get_db, write_transaction
from server.timeutil import local_today, utcnow
from tests.support import ServerProcess, documented_status
from web import storage as web_storage
from web.links import create_link

pytestmark = pytest.mark.xdist_group("soak-openapi")
EXAMPLES = max(30, int(os.environ.get("SOAK_FUZZ_EXAMPLES", "250")) // 5)
CHECKS = [not_a_server_error, documented_status, content_type_conformance, response_schema_conformance]


def _document():
    """The document the default server serves: the core's operations and every component's."""
    with tempfile.TemporaryDirectory() as folder:
        return api.document(create_app({"DATABASE": f"{folder}/api.db", "TESTING": True}))


DOCUMENT = _document()
OPERATIONS = [(path, method.upper()) for path, methods in DOCUMENT["paths"].items() for method in methods]
CASES = 60
TOKEN_FOR_SCHEME = {"kioskToken": "kiosk", "userToken": "user"}


class Site:
    """The province under test, built in-process (a CLI process per step costs seconds), the
    server, and what the test hands out: tokens and fresh pairing codes."""

    def __init__(self, database):
        self.database, self.server, self.paired = database, None, 0
        # The server process's secret (tests.support.server_env), so the links made here are valid there.
        self.app = create_app({"DATABASE": str(database), "SQLITE_SYNCHRONOUS": "NORMAL",
                               "SECRET_KEY": "test-secret-" + "x" * 40})
        with self.app.app_context():
            db = get_db()
            with write_transaction(db):
                offices.add_office(db, "P", "Tỉnh Thử", None, "province")
                offices.add_office(db, "D", "Huyện Một", "P", "district")
                offices.add_staff(db, "CB1", "Nguyễn Văn An", "D", "Quầy 1")
                kiosk = offices.add_kiosk(db, "D", "Quầy 1")[1]
                user_id = accounts.add_user(db, "admin", "admin", None, "long-enough")
                self.tokens = {"kiosk": kiosk, "user": accounts.create_token(db, user_id)[1]}
                # A dossier past its promised date, so an apology can succeed.
                user = {"id": user_id, "role": "admin", "office_id": None}
                received = (dt.datetime.now(dt.UTC) - dt.timedelta(days=5)).isoformat()
                self.app.extensions["dossier_events"].store(db, offices.load_tree(db), user, [
                    {"id": str(uuid.uuid4()), "dossier": "HS-SOAK", "type": "received", "at": received,
                     "office": "D", "due_at": received}], dt.datetime.now(dt.UTC))
                counter_id = db.execute("SELECT id FROM counters WHERE label = 'Quầy 1'").fetchone()[0]
                self.counter_code = web_storage.ensure_counter_code(db, counter_id, utcnow())
        self.user = {"id": user_id, "role": "admin", "office_id": None}

        # Cases to act on: poor ratings that say why and leave a number open them.
        start = dt.datetime.now(dt.UTC) - dt.timedelta(hours=2)
        poor = [{"id": str(uuid.uuid4()), "score": 1, "created_at": (start + dt.timedelta(minutes=i)).isoformat(),
                 "comment": f"Chờ lâu {i}", "contact": "0912345678", "contact_consent": True} for i in range(CASES)]
        answer = self.app.test_client().post("/api/v1/ratings", json={"ratings": poor},
                                             headers={"Authorization": f"Bearer {kiosk}"})
        assert {item["status"] for item in answer.json["results"]} == {"accepted"}

    def rating_link(self):
        """The token of a fresh rating link (its URL's last part)."""
        with self.app.app_context():
            db = get_db()
            with write_transaction(db):
                url, _ = create_link(db, self.app.config, self.user, {"office": "D", "counter": "Quầy 1"}, utcnow())
        return url.rsplit("/", 1)[1]

    def pairing_code(self):
        with self.app.app_context():
            db = get_db()
            with write_transaction(db):
                self.paired += 1
                return offices.add_kiosk(db, "D", f"Quầy ghép {self.paired}", with_pairing_code=True)[2]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    site = Site(tmp_path_factory.mktemp("openapi-soak") / "api.db")
    # Fresh codes for every example: the per-address pairing limit would answer most with 429.
    with ServerProcess(site.database, workers=2, deploy_config=True, SMS_QUIET_HOURS="",
                       SMS_SENDER_INTERVAL_SECONDS=0, ALERT_INTERVAL_SECONDS=0,
                       PAIRING_RATE_LIMIT="100000/minute", WEB_RATINGS_PER_MINUTE=100_000) as server:
        site.server = server
        yield site


@pytest.fixture(scope="module")
def served_schema(site):
    return schemathesis.openapi.from_url(site.server.url + "/api/v1/openapi.json")


def test_the_served_document_has_the_operations_tested_here(site):
    served = requests.get(site.server.url + "/api/v1/openapi.json", timeout=10).json()
    assert sorted((p, m.upper()) for p, ms in served["paths"].items() for m in ms) == sorted(OPERATIONS)
    assert ("/api/v1/invitations", "POST") in OPERATIONS and ("/api/v1/kiosk/pair", "POST") in OPERATIONS


def token_header(site, operation_definition):
    schemes = [name for requirement in operation_definition.get("security", []) for name in requirement]
    if not schemes:
        return {}
    return {"Authorization": f"Bearer {site.tokens[TOKEN_FOR_SCHEME[schemes[0]]]}"}


def plausible_rating(draw):
    moment = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=draw(st.integers(1, 60 * 24 * 300)))
    return {"id": str(uuid.uuid4()), "score": draw(st.integers(1, 4)), "created_at": moment.isoformat()}


def succeeding(case, site, draw):
    """Now and then, the data a real client would send, so the success path is fuzzed too."""
    path, body = case.operation.path, case.body
    if not draw(st.booleans()):
        return
    if path == "/api/v1/kiosk/pair":
        case.body = {"code": site.pairing_code()}
    elif path == "/api/v1/invitations" and isinstance(body, dict):
        number = f"+8491{draw(st.integers(0, 9_999_999)):07d}"
        case.body = {**body, "phone": number, "office": draw(st.sampled_from(["D", "P", "d"]))}
    elif path == "/api/v1/dossiers/{code}/apology":
        case.path_parameters = {"code": "HS-SOAK"}
        days = draw(st.integers(1, 60))
        today = local_today(site.app.extensions["timezone"])  # the server's day, not the machine's
        case.body = {"new_due_at": (today + dt.timedelta(days=days)).isoformat(), "reason": "Chờ xác minh"}
    elif path == "/api/v1/ratings" and isinstance(body, dict):
        extra = [plausible_rating(draw) for _ in range(draw(st.integers(1, 5)))]
        case.body = {**body, "ratings": [*(body.get("ratings") or [])[:495], *extra]}
    elif path == "/api/v1/rating-links" and isinstance(body, dict):
        case.body = {**body, "office": draw(st.sampled_from(["D", "P", "d"]))}
    elif path in ("/r/{code}", "/l/{token}"):
        page = f"/r/{site.counter_code}" if path == "/r/{code}" else f"/l/{site.rating_link()}"
        case.path_parameters = {"code": page[3:]} if path == "/r/{code}" else {"token": page[3:]}
        if case.method.upper() == "POST":
            browser = requests.Session()
            html = browser.get(site.server.url + page, timeout=10).text
            fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', html))
            case.body = {**fields, "score": draw(st.integers(1, 4))}
            case.cookies = browser.cookies.get_dict()
    elif path == "/api/v1/cases/{case_id}":
        case.path_parameters = {"case_id": draw(st.integers(1, CASES))}
        case.body = {"note": draw(st.sampled_from(["Đã gọi lại cho công dân", "Chờ phòng chuyên môn"]))}
    elif path == "/api/v1/cases/{case_id}/reply":
        case.path_parameters = {"case_id": draw(st.integers(1, CASES))}
        case.body = {"text": "Cơ quan xin lỗi Ông/Bà và đã nhắc nhở cán bộ."}


@pytest.mark.parametrize(("path", "method"), OPERATIONS)
def test_every_operation_with_its_token_never_fails_and_also_succeeds(site, served_schema, path, method):
    operation = served_schema[path][method]
    headers = token_header(site, DOCUMENT["paths"][path][method.lower()])
    seen = Counter()

    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(), data=st.data())
    def exercise(case, data):
        succeeding(case, site, data.draw)
        response = case.call(base_url=site.server.url, headers=headers)
        seen[response.status_code] += 1
        case.validate_response(response, checks=CHECKS, headers=headers)

    exercise()
    assert not [status for status in seen if status >= 500], seen
    # A form's success is its redirect on to the next page (documented as 303).
    success = {"303"} & set(DOCUMENT["paths"][path][method.lower()]["responses"])
    assert any(200 <= status < 300 or str(status) in success for status in seen), \
        f"{method} {path} never succeeded: {dict(seen)}"
    if headers:
        assert 401 not in seen, f"{method} {path} refused its own token: {dict(seen)}"
