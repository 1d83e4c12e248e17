"""Hypothesis over the SMS reply parser, the dialogue and the inbound webhook: any text a phone
can send is read without a crash, the conversation keeps its promises (no text to a number
that opted out, one rating per step, only real offices and scores), and through the real
webhook every message gets a 200 TwiML answer while the rollups stay equal to a scan."""

import dataclasses
import datetime as dt
import os
import uuid
import xml.etree.ElementTree as ElementTree
import zoneinfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from server.scale import build_scale
from sms import dialogue, parser
from sms.dialogue import AppendComment, AttachFollowup, Conversation, Dialogue, Office, OptIn, OptOut, StoreRating
from sms.templates import Texts
from soak import verify
from tests.sms.support import inbound, make_app
from tests.support import add_offices

EXAMPLES = int(os.environ.get("SOAK_FUZZ_EXAMPLES", "250"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
TZ = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")
SCALES = {size: build_scale(size) for size in (3, 4, 5)}
OFFICES = {"GN": Office(1, "GN", "Bộ phận Một cửa thành phố Gia Nghĩa"), "DM-DL": Office(2, "DM-DL", "UBND xã Đức Lập")}

# What citizens really send, and what their phones can send at all.
HABITS = ["4", "4.", " 4 cam on", "rat hai long", "Rất hài lòng", "khong hai long", "1", "1 3", "1,3",
          "2 cho lau qua", "GN 4", "gn 1", "GN: 3.", "DM-DL 2", "XX 4", "STOP", "Stop. Thank you", "stop please",
          "HUY", "Hủy", "TC", "DUNG", "Đúng", "chưa hài lòng", "khum hai long", "GN4", "Liked “4”", "BAT DAU",
          "tu choi", "START", "help", "?", "", "44", "4 5", "0", "9", "Toi 4", "GN rat hai long",
          "UNSUBSCRIBE"]
messages = st.sampled_from(HABITS) | st.text(max_size=200) | st.text(st.characters(codec="utf-8"), max_size=20)


@FUZZ
@given(text=messages, size=st.sampled_from(sorted(SCALES)))
def test_the_parser_reads_any_text_without_crashing_and_only_gives_scores_on_the_scale(text, size):
    scale = SCALES[size]
    assert parser.keyword(text) in (parser.OPT_OUT, parser.OPT_IN, parser.HELP, parser.CONFIRM_STOP, None)
    score = parser.score(text, scale)
    assert score is None or score in scale.scores
    assert parser.score(f"  {text}\n", scale) == score  # surrounding spaces never change the reading
    reasons, comment, _ = parser.followup(text, scale, 500)
    assert set(reasons) <= {reason.code for reason in scale.reasons} and len(reasons) == len(set(reasons))
    assert comment is None or (0 < len(comment) <= 500 and comment == comment.strip())
    found = parser.office_rating(text)
    if found is not None:
        code, _ = found
        assert code == code.upper() and not code.isdigit() and 1 <= len(code) <= 32


@st.composite
def conversations(draw):
    """A starting state: idle, or answering an invitation; opted out or not."""
    state = Conversation("number-hash", opted_out=draw(st.booleans()))
    if draw(st.booleans()):
        sent = dt.datetime(2026, 3, 5, 2, 0, tzinfo=dt.UTC)
        state = dialogue.invitation_sent(state, {"id": 7, "service": "1.001", "reference": "HS-1"}, OFFICES["GN"],
                                         sent, dt.timedelta(hours=72))
    return state


@FUZZ
@given(start=conversations(), talk=st.lists(st.tuples(messages, st.integers(0, 4 * 24 * 3600)), min_size=1,
                                            max_size=8))
def test_the_dialogue_keeps_its_promises_whatever_is_texted(start, talk):
    scale = SCALES[4]
    rules = Dialogue(scale, Texts(scale), OFFICES, TZ)
    state, now = start, dt.datetime(2026, 3, 5, 3, 0, tzinfo=dt.UTC)
    for text, wait in talk:
        now += dt.timedelta(seconds=wait)
        new, reply, effects = rules.step(state, text, now)
        assert new.number == state.number
        assert reply is None or (isinstance(reply, str) and reply.strip())
        assert all(isinstance(e, StoreRating | AttachFollowup | AppendComment | OptOut | OptIn) for e in effects)
        stores = [e for e in effects if isinstance(e, StoreRating)]
        assert len(stores) <= 1
        for store in stores:
            assert store.score in scale.scores
            assert store.office_id in {office.id for office in OFFICES.values()}
            assert uuid.UUID(store.client_id)
        for followup in (e for e in effects if isinstance(e, AttachFollowup)):
            assert set(followup.reasons) <= scale.reason_codes
            assert followup.comment is None or len(followup.comment) <= dialogue.MAX_COMMENT
        for more in (e for e in effects if isinstance(e, AppendComment)):
            assert more.text and new.comment_length <= dialogue.MAX_COMMENT
        if any(isinstance(e, OptOut) for e in effects):
            assert new.opted_out
        if state.opted_out and parser.keyword(text) not in (parser.OPT_IN, parser.HELP):
            assert reply is None, f"texted a number that opted out, after {text!r}"
        state = dataclasses.replace(new)


@pytest.fixture
def webhook_app(database):
    """The SMS app (Twilio-style signatures) on a real file, with the offices the habits name."""
    return add_offices(make_app(database), [("P", "Tỉnh Thử", None, "province"),
                                            ("GN", "Bộ phận Một cửa thành phố Gia Nghĩa", "P", "district"),
                                            ("DM-DL", "UBND xã Đức Lập", "P", "commune")])


SENDERS = ["+84912345678", "+84987654321", "0912 000 111", "VIETTEL", "+1", ""]


@FUZZ
@given(talk=st.lists(st.tuples(st.sampled_from(SENDERS), messages), min_size=1, max_size=6),
       redeliver=st.booleans())
def test_every_text_through_the_real_webhook_gets_a_200_twiml_answer(webhook_app, database, talk, redeliver):
    client = webhook_app.test_client()
    for sender, text in talk:
        sid = "SM" + uuid.uuid4().hex
        for _ in range(2 if redeliver else 1):
            response = inbound(client, webhook_app, text, sender=sender, sid=sid)
            if not sender:
                assert response.status_code == 400  # Twilio always sends From; without it, a clean refusal
                continue
            assert response.status_code == 200, (sender, text, response.data[:300])
            assert response.mimetype == "text/xml"
            ElementTree.fromstring(response.data)  # well-formed TwiML, whatever the text was
    assert sum(verify.rollup_differences(database).values()) == 0
