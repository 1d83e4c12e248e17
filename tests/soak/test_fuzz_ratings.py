"""Hypothesis throws arbitrary JSON shapes, strings and bytes at POST /api/v1/ratings through
Flask's test client: never a 5xx, one result per item in order, exactly the accepted items
stored (never a half-stored batch), and the rollups always equal a scan of the ratings.

`SOAK_FUZZ_EXAMPLES` raises the number of examples (`make soak` does)."""

import datetime as dt
import json
import os
import sqlite3
import uuid

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from soak import verify
from tests.support import auth

EXAMPLES = int(os.environ.get("SOAK_FUZZ_EXAMPLES", "250"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                             HealthCheck.too_slow])
REASONS = ["waiting_time", "staff_attitude", "staff_competence", "unclear_procedure", "repeat_visits",
           "late_result", "fees", "facilities"]
# A few ids that come back across examples, so duplicates within and across batches happen.
RECURRING_IDS = [str(uuid.UUID(int=n)) for n in range(1, 6)]

# Text as JSON can carry it: anything, including lone surrogates (escaped as \udXXX).
surrogates = st.text(st.characters(categories=["Cs"]), min_size=1, max_size=3)
text = st.text(max_size=40) | st.tuples(st.text(max_size=8), surrogates, st.text(max_size=8)).map("".join)
json_value = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70) | st.floats() | text,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(text, children, max_size=4),
    max_leaves=12)
# Mostly fresh ids (Hypothesis' own uuids() repeat its favourite values), one in ten recurring.
rating_ids = st.integers(0, 9).flatmap(lambda n: st.sampled_from(RECURRING_IDS) if n == 0
                                       else st.builds(lambda: str(uuid.uuid4())))
offsets = st.sampled_from([dt.timezone(dt.timedelta(hours=h)) for h in (-12, -5, 0, 5.5, 7, 14)])


@st.composite
def created_at(draw, plausible=True):
    """An ISO time with an offset in the last two years; or (not plausible) one in the future,
    before 2020, without an offset or only a date."""
    minutes = draw(st.integers(min_value=-2 * 365 * 24 * 60, max_value=-1))
    shape = "iso"
    if not plausible:
        minutes = draw(st.sampled_from([9, 11, 60 * 24, -7 * 365 * 1440]) | st.integers(-10**7, 10**5))
        shape = draw(st.sampled_from(["iso", "naive", "date", "z"]))
    moment = (dt.datetime.now(dt.UTC) + dt.timedelta(minutes=minutes)).astimezone(draw(offsets))
    if shape == "naive":
        return moment.replace(tzinfo=None).isoformat()
    if shape == "date":
        return moment.date().isoformat()
    if shape == "z":
        return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return moment.isoformat()


@st.composite
def good_item(draw):
    """A rating a kiosk would send: valid in every field it has."""
    item = {"id": draw(rating_ids), "score": draw(st.integers(1, 4)),
            "created_at": draw(created_at())}
    optional = {"reasons": st.lists(st.sampled_from(REASONS), max_size=3),
                "comment": st.text(st.characters(codec="utf-8"), max_size=500),
                "language": st.sampled_from(["vi", "en", "vi-VN"]), "staff": st.just("CB1"),
                "service": st.text(st.characters(codec="utf-8"), min_size=1, max_size=64).filter(str.strip),
                "misuse": st.booleans()}
    for name in draw(st.lists(st.sampled_from(sorted(optional)), unique=True, max_size=3)):
        item[name] = draw(optional[name])
    return item


@st.composite
def spoiled_item(draw):
    """A good item with one field replaced by anything, dropped, or an unknown field added."""
    item = draw(good_item())
    name = draw(st.sampled_from(["id", "score", "created_at", "reasons", "comment", "language", "staff", "misuse",
                                 "unknown"]))
    if draw(st.booleans()) and name in item:
        del item[name]
    elif name == "created_at":
        item[name] = draw(created_at(plausible=False) | json_value)
    elif name == "staff":
        item[name] = draw(st.sampled_from(["CB9", "", " "]) | json_value)
    else:
        item[name] = draw(text | json_value)  # strings half the time: they reach the deepest checks
    return item


items = st.lists(good_item() | spoiled_item() | json_value, max_size=25)
bodies = st.one_of(
    st.fixed_dictionaries({"ratings": st.lists(good_item(), max_size=25)}),
    st.fixed_dictionaries({"ratings": items}),
    st.fixed_dictionaries({"ratings": items}, optional={"extra": json_value}),
    st.fixed_dictionaries({"ratings": json_value}),
    json_value,
)


def stored_count(database):
    with sqlite3.connect(database) as conn:
        return conn.execute("SELECT count(*) FROM ratings").fetchone()[0]


def expected_echo(item):
    value = item.get("id") if isinstance(item, dict) else None
    if not isinstance(value, str):
        return None
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return None  # a lone surrogate cannot go back out as UTF-8
    return value


def check_answer(database, body, response, before):
    assert response.status_code < 500, response.data[:300]
    after = stored_count(database)
    if response.status_code != 200:
        assert response.status_code in (400, 413), response.status_code
        assert isinstance(response.get_json(silent=True), dict) and response.json["error"]
        assert after == before  # nothing of a refused body is stored
        return
    sent = body["ratings"]
    results = response.json["results"]
    assert len(results) == len(sent)
    for item, result in zip(sent, results, strict=True):
        assert result["status"] in ("accepted", "duplicate", "rejected")
        assert result["id"] == expected_echo(item)
        assert (result["error"] is not None) == (result["status"] == "rejected")
    accepted = [result["id"] for result in results if result["status"] == "accepted"]
    event(f"{min(len(accepted), 3)}+ accepted" if accepted else "none accepted")
    assert after - before == len(accepted)  # the accepted items and nothing else
    assert set(verify.stored_times(database, accepted).values()) <= {1}
    assert sum(verify.rollup_differences(database).values()) == 0


@FUZZ
@given(body=bodies)
def test_any_json_body_is_answered_without_5xx_and_stores_exactly_the_accepted_items(client, kiosk, database, body):
    _, token = kiosk
    before = stored_count(database)
    raw = json.dumps(body)
    response = client.post("/api/v1/ratings", data=raw, headers=auth(token), content_type="application/json")
    check_answer(database, json.loads(raw), response, before)  # as the server reads it: "\ud800\udc00" is one character


@FUZZ
@given(raw=st.binary(max_size=300) | json_value.map(lambda v: json.dumps(v)[:-1].encode()),
       content_type=st.sampled_from(["application/json", "text/plain", "application/x-www-form-urlencoded",
                                     "application/json; charset=latin-1", "multipart/form-data; boundary=x", None]))
def test_bytes_that_are_not_json_get_a_clean_400(client, kiosk, database, raw, content_type):
    _, token = kiosk
    before = stored_count(database)
    headers = {**auth(token), **({"Content-Type": content_type} if content_type else {})}
    response = client.post("/api/v1/ratings", data=raw, headers=headers)
    assert response.status_code < 500, response.data[:300]
    if response.status_code == 200:  # some bytes are valid JSON of the right shape after all
        check_answer(database, json.loads(raw), response, before)
    else:
        assert response.status_code in (400, 413) and response.json["error"]
        assert stored_count(database) == before


def test_json_nested_too_deeply_is_a_400_not_a_crash(client, kiosk, database):
    _, token = kiosk
    for depth in (5_000, 200_000):
        for body in (b"[" * depth + b"]" * depth, b'{"ratings": ' + b"[" * depth + b"]" * depth + b"}"):
            response = client.post("/api/v1/ratings", data=body, headers=auth(token), content_type="application/json")
            assert response.status_code == 400 and "JSON" in response.json["error"]
    assert stored_count(database) == 0


def test_an_id_with_a_lone_surrogate_is_rejected_and_the_answer_is_still_utf8(client, kiosk, database):
    _, token = kiosk
    good = {"id": str(uuid.uuid4()), "score": 4, "created_at": dt.datetime.now(dt.UTC).isoformat()}
    body = '{"ratings": [{"id": "\\ud800", "score": 4, "created_at": "2026-01-01T00:00:00+07:00"}, ' \
           + json.dumps(good) + "]}"
    response = client.post("/api/v1/ratings", data=body, headers=auth(token), content_type="application/json")
    assert response.status_code == 200
    assert [r["status"] for r in response.json["results"]] == ["rejected", "accepted"]
    assert response.json["results"][0]["id"] is None
