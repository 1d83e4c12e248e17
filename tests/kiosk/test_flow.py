"""The kiosk's flow as tables: (seconds after start, event) -> screen shown, effects carried out."""

import datetime as dt

import pytest

from kiosk.flow import (
    ChooseLanguage,
    Dismiss,
    Rate,
    Record,
    Release,
    Rules,
    Send,
    Skip,
    Tick,
    ToggleReason,
    start,
    step,
)
from tests.support import auth

T0 = dt.datetime(2026, 3, 5, 2, 0, tzinfo=dt.UTC)
RULES = Rules(scores=(4, 3, 2, 1), dissatisfied=frozenset({1}),
              reason_codes=("waiting_time", "staff_attitude", "fees"), languages=("vi", "en"),
              thanks_seconds=4, reasons_seconds=20, cooldown_seconds=2, misuse_seconds=3, staff_code="CB1")


def key(score, rating_id):
    return Rate(score, rating_id, by="key")


def describe(effect):
    """An effect as a short phrase the tables can state."""
    if isinstance(effect, Record):
        words = ["record", effect.item["id"], str(effect.item["score"])]
        words += ["held"] if effect.held else []
        words += ["misuse"] if effect.item.get("misuse") else []
        words += [] if effect.item["language"] == "vi" else [effect.item["language"]]
        return " ".join(words)
    assert isinstance(effect, Release)
    return " ".join(["release", effect.rating_id, *(["+".join(effect.reasons)] if effect.reasons else [])])


SCENARIOS = {
    "a good tap thanks the citizen then returns to idle": [
        (0, Rate(4, "a"), "thanks", ["record a 4"]),
        (3.9, Tick(), "thanks", []),
        (4.0, Tick(), "idle", []),
    ],
    "keys give the same ratings as the buttons": [
        (0, key(3, "a"), "thanks", ["record a 3"]),
        (10, key(2, "b"), "thanks", ["record b 2"]),
    ],
    "a key that is not on the scale does nothing": [
        (0, key(5, "a"), "idle", []),
        (1, key(0, "b"), "idle", []),
    ],
    "a dissatisfied tap asks why, and send releases the chosen reasons in the config's order": [
        (0, Rate(1, "a"), "reasons", ["record a 1 held"]),
        (2, ToggleReason("fees"), "reasons", []),
        (3, ToggleReason("staff_attitude"), "reasons", []),
        (4, ToggleReason("waiting_time"), "reasons", []),
        (5, ToggleReason("staff_attitude"), "reasons", []),
        (6, Send(), "thanks", ["release a waiting_time+fees"]),
        (10, Tick(), "idle", []),
    ],
    "skip releases the rating without reasons": [
        (0, Rate(1, "a"), "reasons", ["record a 1 held"]),
        (1, ToggleReason("fees"), "reasons", []),
        (2, Skip(), "thanks", ["release a"]),
    ],
    "nobody on the reasons screen: sent without reasons and idle for the next person": [
        (0, Rate(1, "a"), "reasons", ["record a 1 held"]),
        (15, ToggleReason("fees"), "reasons", []),
        (34.9, Tick(), "reasons", []),
        (35, Tick(), "idle", ["release a"]),
    ],
    "a key on the reasons screen means the last citizen left: release, then rate": [
        (0, key(1, "a"), "reasons", ["record a 1 held"]),
        (1, key(1, "b"), "reasons", []),
        (8, key(4, "c"), "thanks", ["release a", "record c 4"]),
    ],
    "button-mashing: taps in the cooldown do not count, later fast ones are flagged": [
        (0, key(4, "a"), "thanks", ["record a 4"]),
        (0.3, key(4, "b"), "thanks", []),
        (1.9, key(1, "c"), "thanks", []),
        (2.5, key(4, "d"), "thanks", ["record d 4 misuse"]),
        (6.0, key(4, "e"), "thanks", ["record e 4"]),
    ],
    "a tap on the thank-you screen returns to idle once the cooldown is over": [
        (0, Rate(3, "a"), "thanks", ["record a 3"]),
        (1, Dismiss(), "thanks", []),
        (2.1, Dismiss(), "idle", []),
        (2.5, Rate(3, "b"), "thanks", ["record b 3 misuse"]),
    ],
    "the chosen language goes with the rating, and the next person starts in Vietnamese": [
        (0, ChooseLanguage("en"), "idle", []),
        (1, ChooseLanguage("fr"), "idle", []),
        (2, Rate(1, "a"), "reasons", ["record a 1 held en"]),
        (3, Send(), "thanks", ["release a"]),
        (7, Tick(), "idle", []),
        (8, Rate(4, "b"), "thanks", ["record b 4"]),
    ],
    "a language left switched on an idle screen goes back to Vietnamese after a minute": [
        (0, ChooseLanguage("en"), "idle", []),
        (59, Tick(), "idle", []),
        (60, Tick(), "idle", []),
    ],
    "events that do not belong to the screen change nothing": [
        (0, Send(), "idle", []),
        (1, Skip(), "idle", []),
        (2, ToggleReason("fees"), "idle", []),
        (3, Dismiss(), "idle", []),
        (4, Rate(1, "a"), "reasons", ["record a 1 held"]),
        (5, ToggleReason("no_such_reason"), "reasons", []),
        (6, Dismiss(), "reasons", []),
    ],
    "a clock set back by NTP ends the thank-you screen and the cooldown": [
        (0, Rate(4, "a"), "thanks", ["record a 4"]),
        (-3600, Tick(), "idle", []),
        (-3599, Rate(3, "b"), "thanks", ["record b 3"]),
    ],
}


@pytest.mark.parametrize("name", SCENARIOS)
def test_flow_scenario(name):
    state = start(RULES)
    for seconds, event, screen, expected in SCENARIOS[name]:
        state, effects = step(RULES, state, event, T0 + dt.timedelta(seconds=seconds))
        assert (state.screen, [describe(e) for e in effects]) == (screen, expected), f"at {seconds}s after {event}"


LANGUAGE_AFTER = [
    # (events as (seconds, event)), language shown at the end
    ([(0, ChooseLanguage("en"))], "en"),
    ([(0, ChooseLanguage("en")), (1, Rate(4, "a")), (5, Tick())], "vi"),
    ([(0, ChooseLanguage("en")), (1, Rate(1, "a")), (30, Tick())], "vi"),
    ([(0, ChooseLanguage("en")), (1, Rate(1, "a")), (2, ChooseLanguage("vi"))], "vi"),
]


@pytest.mark.parametrize("events, language", LANGUAGE_AFTER)
def test_language_shown(events, language):
    state = start(RULES)
    for seconds, event in events:
        state, _ = step(RULES, state, event, T0 + dt.timedelta(seconds=seconds))
    assert state.language == language


def test_every_recorded_rating_carries_the_officer_time_and_a_stable_id():
    state, effects = step(RULES, start(RULES), Rate(3, "7d1f0c52-6f8e-4a43-9f0e-0f2d3c4b5a69"), T0)
    assert effects[0].item == {"id": "7d1f0c52-6f8e-4a43-9f0e-0f2d3c4b5a69", "score": 3,
                               "created_at": "2026-03-05T02:00:00+00:00", "language": "vi", "staff": "CB1"}


def test_a_scale_without_reasons_thanks_a_dissatisfied_citizen_at_once():
    rules = Rules(scores=(3, 2, 1), dissatisfied=frozenset({1}), reason_codes=(), languages=("vi",))
    state, effects = step(rules, start(rules), Rate(1, "a"), T0)
    assert state.screen == "thanks"
    assert [describe(e) for e in effects] == ["record a 1"]


def test_rules_come_from_the_servers_kiosk_config(client, kiosk):
    _, token = kiosk
    config = client.get("/api/v1/kiosk/config", headers=auth(token)).json
    rules = Rules.from_config(config)
    assert rules.scores == (4, 3, 2, 1)
    assert rules.dissatisfied == {1}
    assert rules.languages == ("vi", "en") and rules.default_language == "vi"
    assert "waiting_time" in rules.reason_codes
    assert (rules.thanks_seconds, rules.reasons_seconds, rules.cooldown_seconds, rules.misuse_seconds) == (4, 20, 2, 3)
    assert rules.staff_code == "CB1"


def test_an_unknown_event_is_a_programming_error():
    with pytest.raises(TypeError):
        step(RULES, start(RULES), "tap", T0)


def _on_reasons():
    from kiosk.flow import REASONS
    state, _ = step(RULES, start(RULES), Rate(1, "r1"), T0)
    assert state.screen == REASONS
    return state


def _type(state, digits, seconds=1):
    from kiosk.flow import Digit
    for digit in digits:
        state, effects = step(RULES, state, Digit(digit), T0 + dt.timedelta(seconds=seconds))
        assert effects == []
    return state


def test_a_number_left_on_the_reasons_screen_goes_only_with_the_consent_tick():
    from kiosk.flow import ToggleConsent
    state = _type(_on_reasons(), "0912345678")
    held, effects = step(RULES, state, Send(), T0 + dt.timedelta(seconds=3))
    # typed, but consent not ticked: nothing goes, and the keypad says why (was: sent without it)
    assert effects == [] and held.screen == "reasons" and held.contact_open and held.contact_problem == "consent"
    state, _ = step(RULES, held, ToggleConsent(), T0 + dt.timedelta(seconds=3))
    assert state.contact_problem is None
    done, [released] = step(RULES, state, Send(), T0 + dt.timedelta(seconds=4))
    assert released == Release("r1", (), "0912345678") and done.contact == "" and not done.consent
    assert done.screen == "thanks" and not done.contact_open


@pytest.mark.parametrize("digits", ["091234567", "0243826888", "0123456789"])
def test_a_number_that_is_not_a_vietnamese_mobile_does_not_go_and_says_why(digits):
    from kiosk.flow import Digit, ToggleConsent
    state, _ = step(RULES, _type(_on_reasons(), digits), ToggleConsent(), T0 + dt.timedelta(seconds=2))
    held, effects = step(RULES, state, Send(), T0 + dt.timedelta(seconds=3))
    assert effects == [] and held.contact_open and held.contact_problem == "invalid"
    fixed, _ = step(RULES, held, Digit("back"), T0 + dt.timedelta(seconds=4))
    assert fixed.contact_problem is None  # typing again clears the message


def test_the_keypad_opens_only_when_the_server_reads_a_number_and_back_keeps_it():
    from dataclasses import replace

    from kiosk.flow import CloseContact, OpenContact, Tick
    state = _on_reasons()
    assert not step(replace(RULES, asks_contact=False), state, OpenContact(), T0)[0].contact_open
    rules = replace(RULES, asks_contact=True)
    opened, _ = step(rules, state, OpenContact(), T0 + dt.timedelta(seconds=1))
    typed = _type(opened, "0912", seconds=2)
    back, _ = step(rules, typed, CloseContact(), T0 + dt.timedelta(seconds=3))
    assert not back.contact_open and back.contact == "0912" and back.screen == "reasons"
    # typing a number takes longer than ticking reasons: the keypad waits twice the reasons' timeout
    still, effects = step(rules, typed, Tick(), T0 + dt.timedelta(seconds=2 + 30))
    assert still.screen == "reasons" and effects == []
    gone, [released] = step(rules, typed, Tick(), T0 + dt.timedelta(seconds=2 + 40))
    assert gone.screen == "idle" and released == Release("r1", (), None) and gone.contact == ""


def test_rules_read_the_contact_field_from_the_servers_config():
    config = {"scale": [{"score": 1, "dissatisfied": True}], "fields": {"contact": {"retention_days": 45}}}
    rules = Rules.from_config(config)
    assert rules.asks_contact and rules.contact_retention_days == 45
    assert not Rules.from_config({"scale": config["scale"]}).asks_contact  # an older server, or no cases


def test_back_erases_a_digit_skip_and_timeout_drop_the_number():
    from kiosk.flow import ToggleConsent
    state = _type(_on_reasons(), ["0", "9", "1", "back", "2", *"12345678"])
    assert state.contact == "09212345678"
    state = _type(state, "999")  # at most 11 digits
    assert state.contact == "09212345678"
    state, _ = step(RULES, state, ToggleConsent(), T0 + dt.timedelta(seconds=2))
    _, [skipped] = step(RULES, state, Skip(), T0 + dt.timedelta(seconds=3))
    assert skipped == Release("r1", (), None)
    idle, [timed_out] = step(RULES, state, Tick(), T0 + dt.timedelta(seconds=60))
    assert timed_out == Release("r1", (), None) and idle.contact == ""


def test_the_outbox_sends_the_number_with_the_consent_flag(tmp_path):
    from kiosk.outbox import Outbox
    outbox = Outbox(str(tmp_path / "outbox.db"))
    outbox.add({"id": "r1", "score": 1, "created_at": T0.isoformat()}, held=True)
    outbox.release("r1", ("waiting_time",), "0912345678")
    [item] = outbox.next_batch(10)
    assert item["contact"] == "0912345678" and item["contact_consent"] is True
