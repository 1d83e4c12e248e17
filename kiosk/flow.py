"""What the kiosk shows and records, decided from taps, keys and timeouts (pure: no Kivy, no SQLite).

`step(rules, state, event, now) -> (state, effects)`, in the spirit of electrum's wizard:
the Kivy layer forwards events and renders `state.screen`; the controller carries out the
effects (writing to the outbox) before the new screen is shown.

Screens: "idle" (question and one button per level), "reasons" (after a dissatisfied
level: toggles, send, skip) and "thanks". A dissatisfied rating is recorded *held* the
moment it is tapped, so a crash on the reasons screen loses nothing; send, skip or the
timeout release it. On the reasons screen the citizen may also leave a phone number to be
answered on, when the server reads one (`Rules.asks_contact`): tapping the field opens a
keypad (`contact_open`: the app shows it as its own screen) with the consent line. Send with
a number that is not a Vietnamese mobile, or without the consent ticked, does not send: the
keypad shows again with `contact_problem` saying why (nothing the citizen typed is dropped
silently). Skip and the timeout drop the number.

Button-mashing: a tap within the cooldown of the previous rating is not a rating at all; a
tap after the cooldown but within the server's misuse interval is recorded with
`misuse: true` (flagged, not dropped).
"""

import datetime as dt
from dataclasses import dataclass, field, replace

from sms import phones

IDLE, REASONS, THANKS = "idle", "reasons", "thanks"
# Someone who switched the language and walked away: the next citizen starts in the default.
LANGUAGE_RESET_SECONDS = 60


@dataclass(frozen=True)
class Rules:
    """What the flow needs from the server's kiosk config."""
    scores: tuple  # in screen order, best first
    dissatisfied: frozenset
    reason_codes: tuple
    languages: tuple
    default_language: str = "vi"
    thanks_seconds: float = 4
    reasons_seconds: float = 20
    cooldown_seconds: float = 2
    misuse_seconds: float = 3
    staff_code: str | None = None
    asks_contact: bool = False  # the server reads a phone number left on the reasons screen
    contact_retention_days: int | None = None  # kept that long after the case closes

    @classmethod
    def from_config(cls, config):
        timeouts = config.get("timeouts", {})
        default = config.get("default_language", "vi")
        languages = tuple(lang["code"] for lang in config.get("languages", [])) or (default,)
        return cls(
            scores=tuple(level["score"] for level in config["scale"]),
            dissatisfied=frozenset(level["score"] for level in config["scale"] if level.get("dissatisfied")),
            reason_codes=tuple(reason["code"] for reason in config.get("reasons", [])),
            languages=languages,
            default_language=default if default in languages else languages[0],
            thanks_seconds=float(timeouts.get("thanks_seconds", 4)),
            reasons_seconds=float(timeouts.get("reasons_seconds", 20)),
            cooldown_seconds=float(timeouts.get("cooldown_seconds", 2)),
            misuse_seconds=float(config.get("misuse_interval_seconds", 3)),
            staff_code=(config.get("staff") or {}).get("code"),
            asks_contact="contact" in (config.get("fields") or {}),
            contact_retention_days=((config.get("fields") or {}).get("contact") or {}).get("retention_days"),
        )


@dataclass(frozen=True)
class State:
    screen: str = IDLE
    language: str = "vi"
    pending: str | None = None  # id of the held rating on the reasons screen
    pending_score: int | None = None
    reasons: tuple = ()  # chosen reason codes, in the config's order
    since: dt.datetime | None = None  # last interaction on this screen: timeouts count from it
    last_rating_at: dt.datetime | None = None
    last_score: int | None = None
    contact: str = ""  # digits typed on the reasons screen, to be called back on
    consent: bool = False  # the consent line under them, ticked
    contact_open: bool = False  # the keypad is showing
    contact_problem: str | None = None  # why Send did not go: "invalid" (not a mobile) or "consent"


def start(rules):
    return State(language=rules.default_language)


# Events the Kivy layer forwards.
@dataclass(frozen=True)
class Rate:
    score: int
    rating_id: str  # a fresh UUID per tap; unused if the tap does not count
    by: str = "tap"  # "tap" or "key"


@dataclass(frozen=True)
class ToggleReason:
    code: str


@dataclass(frozen=True)
class Send:
    pass


@dataclass(frozen=True)
class Skip:
    pass


@dataclass(frozen=True)
class Digit:
    """A key of the phone-number keypad on the reasons screen: "0"–"9", or "back"."""
    key: str


@dataclass(frozen=True)
class ToggleConsent:
    pass


@dataclass(frozen=True)
class OpenContact:
    """A tap on the phone-number field of the reasons screen: the keypad."""


@dataclass(frozen=True)
class CloseContact:
    """"Quay lại" on the keypad: back to the reasons, the number kept."""


@dataclass(frozen=True)
class ChooseLanguage:
    code: str


@dataclass(frozen=True)
class Dismiss:
    """A tap on the thank-you screen: the citizen is done, show idle for the next one."""


@dataclass(frozen=True)
class Tick:
    pass


# Effects the controller carries out, in order, before showing the new state.
@dataclass(frozen=True)
class Record:
    item: dict = field(hash=False)  # the rating as POST /api/v1/ratings takes it
    held: bool = False  # waiting on the reasons screen: not to be sent yet


@dataclass(frozen=True)
class Release:
    rating_id: str
    reasons: tuple = ()
    contact: str | None = None  # given only with the citizen's consent


MAX_CONTACT_DIGITS = 11  # 0912345678, or 84912345678
# Typing a number and reading the consent line takes longer than ticking reasons.
CONTACT_TIMEOUT_FACTOR = 2


def contact_problem(state):
    """Why the typed number cannot go: None (nothing typed, or ready), "invalid" or "consent"."""
    if not state.contact:
        return None
    try:
        phones.mobile(state.contact)  # the rule the server applies to `contact` (cases.contact)
    except phones.PhoneError:
        return "invalid"
    return None if state.consent else "consent"


def contact_ready(state):
    """The number to send with the rating: a Vietnamese mobile, with the consent line ticked."""
    return state.contact if state.contact and contact_problem(state) is None else None


def reasons_timeout(rules, state):
    return rules.reasons_seconds * (CONTACT_TIMEOUT_FACTOR if state.contact_open else 1)


def step(rules, state, event, now):
    """The next state and the effects to carry out first."""
    handler = _HANDLERS.get(type(event))
    if handler is None:
        raise TypeError(f"not a kiosk event: {event!r}")
    return handler(rules, state, event, now)


def expired(since, seconds, now):
    """Timed out, or the clock went back (NTP fixing a Pi without a real-time clock): reset either way."""
    return since is None or now >= since + dt.timedelta(seconds=seconds) or now < since


def in_cooldown(rules, state, now):
    return state.last_rating_at is not None and not expired(state.last_rating_at, rules.cooldown_seconds, now)


def _rate(rules, state, event, now):
    if event.score not in rules.scores or in_cooldown(rules, state, now):
        return state, []
    effects = []
    if state.screen == REASONS:  # a key press on the reasons screen: the last citizen skipped
        effects.append(Release(state.pending, ()))
    misuse = state.last_rating_at is not None and not expired(state.last_rating_at, rules.misuse_seconds, now)
    item = {"id": event.rating_id, "score": event.score, "created_at": now.isoformat(), "language": state.language}
    if rules.staff_code:
        item["staff"] = rules.staff_code
    if misuse:
        item["misuse"] = True
    asks_why = event.score in rules.dissatisfied and bool(rules.reason_codes)
    effects.append(Record(item, held=asks_why))
    if asks_why:
        return replace(state, screen=REASONS, pending=event.rating_id, pending_score=event.score, reasons=(),
                       since=now, last_rating_at=now, last_score=event.score), effects
    return replace(state, screen=THANKS, pending=None, pending_score=None, reasons=(), since=now,
                   last_rating_at=now, last_score=event.score), effects


def _toggle_reason(rules, state, event, now):
    if state.screen != REASONS or event.code not in rules.reason_codes:
        return state, []
    chosen = set(state.reasons) ^ {event.code}
    return replace(state, reasons=tuple(code for code in rules.reason_codes if code in chosen), since=now), []


def _digit(rules, state, event, now):
    if state.screen != REASONS:
        return state, []
    if event.key == "back":
        return replace(state, contact=state.contact[:-1], contact_problem=None, since=now), []
    if event.key == "clear":
        return replace(state, contact="", contact_problem=None, since=now), []
    if len(event.key) != 1 or not event.key.isdigit() or len(state.contact) >= MAX_CONTACT_DIGITS:
        return state, []
    return replace(state, contact=state.contact + event.key, contact_problem=None, since=now), []


def _toggle_consent(rules, state, event, now):
    if state.screen != REASONS:
        return state, []
    problem = None if state.contact_problem == "consent" else state.contact_problem
    return replace(state, consent=not state.consent, contact_problem=problem, since=now), []


def _open_contact(rules, state, event, now):
    if state.screen != REASONS or not rules.asks_contact:
        return state, []
    return replace(state, contact_open=True, since=now), []


def _close_contact(rules, state, event, now):
    if state.screen != REASONS:
        return state, []
    return replace(state, contact_open=False, contact_problem=None, since=now), []


def _finish_reasons(send):
    def handler(rules, state, event, now):
        if state.screen != REASONS:
            return state, []
        if send and contact_problem(state):  # say why on the keypad; send nothing yet
            return replace(state, contact_open=True, contact_problem=contact_problem(state), since=now), []
        effect = Release(state.pending, state.reasons if send else (), contact_ready(state) if send else None)
        return replace(state, screen=THANKS, pending=None, pending_score=None, reasons=(), since=now, contact="",
                       consent=False, contact_open=False, contact_problem=None), [effect]
    return handler


def _choose_language(rules, state, event, now):
    if event.code not in rules.languages:
        return state, []
    return replace(state, language=event.code, since=now), []


def _dismiss(rules, state, event, now):
    if state.screen != THANKS or in_cooldown(rules, state, now):
        return state, []
    return _idle(rules, state), []


def _tick(rules, state, event, now):
    if state.screen == THANKS and expired(state.since, rules.thanks_seconds, now):
        return _idle(rules, state), []
    if state.screen == REASONS and expired(state.since, reasons_timeout(rules, state), now):
        # Nobody there any more: send without reasons, and the next person starts clean.
        return _idle(rules, state), [Release(state.pending, ())]
    if (state.screen == IDLE and state.language != rules.default_language
            and expired(state.since, LANGUAGE_RESET_SECONDS, now)):
        return _idle(rules, state), []
    return state, []


def _idle(rules, state):
    return replace(state, screen=IDLE, language=rules.default_language, pending=None, pending_score=None,
                   reasons=(), since=None, contact="", consent=False, contact_open=False, contact_problem=None)


_HANDLERS = {
    Rate: _rate,
    ToggleReason: _toggle_reason,
    Send: _finish_reasons(send=True),
    Skip: _finish_reasons(send=False),
    Digit: _digit,
    ToggleConsent: _toggle_consent,
    OpenContact: _open_contact,
    CloseContact: _close_contact,
    ChooseLanguage: _choose_language,
    Dismiss: _dismiss,
    Tick: _tick,
}
