"""The SMS conversation as a pure function: (state, message, now) -> (new state, reply, effects).

A conversation belongs to one phone number (known here only by its keyed hash). It opens
when an invitation is sent (`invitation_sent`) and then waits for a score; an unreadable
answer gets the menu again, at most twice, then the conversation ends politely. A
dissatisfied score gets one follow-up question (reason digits or a short comment), then a
thank-you. `<OFFICE CODE> <score>` rates an office without an invitation. Opt-out, opt-in
and help words work in any state. Nothing here touches storage: the caller applies the
effects (store a rating, attach the follow-up, record an opt-out) in one transaction.
"""

import dataclasses
import datetime as dt
import uuid
from dataclasses import dataclass

from sms import parser

IDLE = "idle"
AWAITING_SCORE = "awaiting_score"
AWAITING_FOLLOWUP = "awaiting_followup"
CLOSED = "closed"

MAX_REPROMPTS = 2
MAX_COMMENT = 500  # as server.ratings.MAX_COMMENT; not imported, so this module needs no Flask
FOLLOWUP_WINDOW = dt.timedelta(hours=24)
RATING_NAMESPACE = uuid.UUID("5b0f7d4e-2f4c-4b8e-9a51-0c6d3e1f6a10")


@dataclass(frozen=True)
class Conversation:
    number: str  # the keyed hash of the citizen's number, never the number
    stage: str = IDLE
    invitation_id: int | None = None
    office_id: int | None = None
    office_code: str | None = None
    office_name: str | None = None
    service: str | None = None
    reference: str | None = None
    language: str | None = None
    attempts: int = 0
    rating_id: str | None = None
    expires_at: dt.datetime | None = None
    opted_out: bool = False

    def active(self, now):
        return self.stage != IDLE and self.expires_at is not None and now < self.expires_at

    def to_json(self):
        data = {field.name: getattr(self, field.name) for field in dataclasses.fields(self)}
        data.pop("opted_out")  # kept in the opt-out table, which outlives conversations
        data["expires_at"] = self.expires_at.isoformat() if self.expires_at else None
        return data

    @classmethod
    def from_json(cls, data, opted_out=False):
        data = dict(data)
        if data.get("expires_at"):
            data["expires_at"] = dt.datetime.fromisoformat(data["expires_at"])
        return cls(**data, opted_out=opted_out)


@dataclass(frozen=True)
class Office:
    id: int
    code: str
    name: str


@dataclass(frozen=True)
class StoreRating:
    client_id: str
    office_id: int
    score: int
    created_at: dt.datetime
    invitation_id: int | None = None
    service: str | None = None
    reference: str | None = None
    language: str | None = None


@dataclass(frozen=True)
class AttachFollowup:
    client_id: str
    reasons: tuple
    comment: str | None


@dataclass(frozen=True)
class OptOut:
    invitation_id: int | None = None


@dataclass(frozen=True)
class OptIn:
    pass


def invitation_rating_id(invitation_id):
    """Every answer to one invitation is the same rating: a re-sent reply is a duplicate."""
    return str(uuid.uuid5(RATING_NAMESPACE, f"invitation:{invitation_id}"))


def unprompted_rating_id(number, office_id, local_day):
    """One unprompted rating per number, office and local day: repeats are duplicates."""
    return str(uuid.uuid5(RATING_NAMESPACE, f"unprompted:{number}:{office_id}:{local_day}"))


def invitation_sent(state, invitation, office, now, reply_window):
    """The conversation once an invitation has gone out: waiting for its score."""
    return dataclasses.replace(
        state, stage=AWAITING_SCORE, invitation_id=invitation["id"], office_id=office.id,
        office_code=office.code, office_name=office.name, service=invitation.get("service"),
        reference=invitation.get("reference"), language=invitation.get("language"), attempts=0,
        rating_id=None, expires_at=now + reply_window)


class Dialogue:
    """The conversation rules for one deployment: its scale, texts, offices and time zone.

    `offices` maps an upper-case office code to an Office (anything with `.get`).
    """

    def __init__(self, scale, texts, offices, timezone):
        self.scale, self.texts, self.offices, self.timezone = scale, texts, offices, timezone

    def step(self, state, message, now):
        """(new state, reply text or None, effects) for one incoming message."""
        text = message or ""
        word = parser.keyword(text)
        if word == parser.OPT_OUT:
            return self._opt_out(state)
        if word == parser.OPT_IN:
            fresh = dataclasses.replace(state, opted_out=False)
            return fresh, self._say("opted_in", state), (OptIn(),) if state.opted_out else ()
        if word == parser.HELP:
            return state, self._say("help", state), ()
        unprompted = self._unprompted(state, text, now)
        if state.opted_out:
            # no texts to a number that opted out; a rating it sends on its own still counts
            stores = tuple(e for e in (unprompted[2] if unprompted else ()) if isinstance(e, StoreRating))
            return (_idle(state) if stores else state), None, stores
        if unprompted:
            return unprompted
        if state.active(now):
            if state.stage == AWAITING_SCORE:
                return self._score(state, self._own_office_stripped(state, text), now)
            if state.stage == AWAITING_FOLLOWUP:
                return self._followup(state, text)
            return state, self._say("already_rated", state), ()
        if state.stage == AWAITING_SCORE:  # the reply window has closed
            return _idle(state), self._say("expired", state), ()
        return _idle(state), self._say("help", state), ()

    def _say(self, key, state):
        return self.texts.render(key, state.language, office=state.office_name or "", code=state.office_code or "")

    def _opt_out(self, state):
        if state.opted_out:
            return state, None, ()  # confirmed once already
        invitation = state.invitation_id if state.stage != IDLE else None
        done = dataclasses.replace(_idle(state), opted_out=True)
        return done, self.texts.render("opted_out", state.language), (OptOut(invitation),)

    def _own_office_stripped(self, state, text):
        """"GN 4" in answer to GN's invitation is just "4"."""
        found = parser.office_rating(text)
        return found[1] if found and found[0] == state.office_code else text

    def _unprompted(self, state, text, now):
        """The result of an `<OFFICE CODE> <score>` message, or None if it is not one.

        A code that names no office is answered as such unless a question is open: then
        "Toi 4" answers the invitation and "Can bo cham, cho 2 tieng" is a follow-up comment
        typed without diacritics.
        """
        found = parser.office_rating(text)
        if not found:
            return None
        code, rest = found
        score = parser.score(rest, self.scale)
        if score is None:
            return None
        office = self.offices.get(code)
        waiting = state.active(now) and state.stage == AWAITING_SCORE
        if office is None:
            if state.active(now) and state.stage in (AWAITING_SCORE, AWAITING_FOLLOWUP):
                return None
            return state, self.texts.render("unknown_office", state.language, code=code), ()
        if waiting and office.id == state.office_id:
            return None
        local_day = now.astimezone(self.timezone).date().isoformat()
        client_id = unprompted_rating_id(state.number, office.id, local_day)
        effect = StoreRating(client_id, office.id, score, now, language=state.language)
        rated = dataclasses.replace(
            _idle(state), office_id=office.id, office_code=office.code, office_name=office.name,
            language=state.language)
        return self._rated(rated, client_id, score, now, (effect,))

    def _score(self, state, text, now):
        score = parser.score(text, self.scale)
        if score is None:
            attempts = state.attempts + 1
            if attempts > MAX_REPROMPTS:
                return _idle(state), self._say("give_up", state), ()
            return dataclasses.replace(state, attempts=attempts), self._say("reprompt", state), ()
        client_id = invitation_rating_id(state.invitation_id)
        effect = StoreRating(client_id, state.office_id, score, now, state.invitation_id, state.service,
                             state.reference, state.language)
        return self._rated(state, client_id, score, now, (effect,))

    def _rated(self, state, client_id, score, now, effects):
        if score in self.scale.dissatisfied_scores and self.scale.reasons:
            waiting = dataclasses.replace(state, stage=AWAITING_FOLLOWUP, attempts=0, rating_id=client_id,
                                          expires_at=now + FOLLOWUP_WINDOW)
            return waiting, self._say("followup", state), effects
        closed = dataclasses.replace(state, stage=CLOSED, attempts=0, rating_id=client_id,
                                     expires_at=now + FOLLOWUP_WINDOW)
        return closed, self._say("thanks", state), effects

    def _followup(self, state, text):
        reasons, comment = parser.followup(text, self.scale, MAX_COMMENT)
        closed = dataclasses.replace(state, stage=CLOSED, attempts=0)
        if not reasons and not comment:
            return closed, self._say("thanks", state), ()
        return closed, self._say("thanks_followup", state), (AttachFollowup(state.rating_id, tuple(reasons), comment),)


def _idle(state):
    return Conversation(number=state.number, opted_out=state.opted_out, language=state.language)
