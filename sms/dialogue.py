"""The SMS conversation as a pure function: (state, message, now) -> (new state, reply, effects).

A conversation belongs to one phone number (known here only by its keyed hash). It opens
when an invitation is sent (`invitation_sent`) and then waits for a score; an unreadable
answer gets the menu again, at most twice, then the conversation ends politely (an empty or
picture-only message gets the menu without using up a turn). A dissatisfied score gets one
follow-up question (reason digits or a short comment), then a thank-you. Until the follow-up
window closes, every further message is added to the rating's comment, up to MAX_COMMENT
characters (then the citizen is told the rest was not kept): nothing said is dropped.
`<OFFICE CODE> <score>` rates an office without an invitation. Opt-out and help words work
in any state, opt-in words once a number opted out; reactions ("Liked “…”") are ignored.
A component may ask the number a question (`Channel.ask`, e.g. a case's "did the answer
help? 1 or 2"): the conversation then waits for "1" or "2" (AWAITING_ANSWER) and the answer
becomes an `Answer` effect for the question's topic, handed to the handler that component
registered. When a component answers dissatisfied citizens (`contact_topic`), the follow-up's
thank-you asks "do you want the office to contact you? 1 = yes, 2 = no" the same way, while
the follow-up window goes on (other words still add to the comment). `<CODE> <score>` for an
office merged away by then is rated for its successor, for one closed without a successor
still recorded, and either way the citizen is told so and which code to use.
Nothing here touches storage: the caller applies the effects (store a rating,
attach the follow-up, add to the comment, record an opt-out, an answer) in one transaction.
"""

import datetime as dt
import uuid
from dataclasses import dataclass

from sms import parser

IDLE = "idle"
AWAITING_SCORE = "awaiting_score"
AWAITING_FOLLOWUP = "awaiting_followup"
CLOSED = "closed"
AWAITING_ANSWER = "awaiting_answer"  # a question asked by a component (Channel.ask): 1 or 2

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
    asked_why: bool = False       # the rating was dissatisfied: later digits are reasons
    reasons: tuple = ()           # reasons given so far, in the follow-up window
    comment_length: int = 0       # characters of the rating's comment so far
    question_topic: str | None = None  # AWAITING_ANSWER: whose question (a handler's topic)
    question_ref: int | str | None = None  # and what it is about (a case id, a rating's client id)
    counter_id: int | None = None      # the counter and officer the invitation names (a dossier's)
    staff_code: str | None = None

    def active(self, now):
        return self.stage != IDLE and self.expires_at is not None and now < self.expires_at

    def to_json(self):
        data = dict(self.__dict__)  # every field, in their order (as dataclasses.fields lists them)
        data.pop("opted_out")  # kept in the opt-out table, which outlives conversations
        data["expires_at"] = self.expires_at.isoformat() if self.expires_at else None
        return data

    @classmethod
    def from_json(cls, data, opted_out=False):
        data = dict(data)
        if data.get("expires_at"):
            data["expires_at"] = dt.datetime.fromisoformat(data["expires_at"])
        data["reasons"] = tuple(data.get("reasons") or ())
        return cls(**data, opted_out=opted_out)


@dataclass(frozen=True)
class Office:
    id: int
    code: str
    name: str
    # From `changed_on` (local ISO day) the office no longer receives: merged into
    # `successor` (an Office), or closed without one.
    successor: "Office | None" = None
    changed_on: str | None = None


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
    counter_id: int | None = None
    staff_code: str | None = None


@dataclass(frozen=True)
class AttachFollowup:
    client_id: str
    reasons: tuple
    comment: str | None


@dataclass(frozen=True)
class AppendComment:
    """Add one more message to a rating's comment (on a new line)."""
    client_id: str
    text: str


@dataclass(frozen=True)
class Answer:
    """The citizen's 1 or 2 to a component's question."""
    topic: str
    ref: int | str
    choice: int


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


def question_asked(state, topic, ref, now, window):
    """The conversation once a component's question has been queued: waiting for 1 or 2."""
    return _replace(
        _idle(state), stage=AWAITING_ANSWER, question_topic=topic, question_ref=ref, expires_at=now + window)


def invitation_sent(state, invitation, office, now, reply_window):
    """The conversation once an invitation has gone out: waiting for its score."""
    return _replace(
        state, stage=AWAITING_SCORE, invitation_id=invitation["id"], office_id=office.id,
        office_code=office.code, office_name=office.name, service=invitation.get("service"),
        reference=invitation.get("reference"), language=invitation.get("language"),
        counter_id=invitation.get("counter_id"), staff_code=invitation.get("staff_code"), attempts=0,
        rating_id=None, expires_at=now + reply_window, asked_why=False, reasons=(), comment_length=0)


class Dialogue:
    """The conversation rules for one deployment: its scale, texts, offices and time zone.

    `offices` maps an upper-case office code to an Office (anything with `.get`).
    """

    def __init__(self, scale, texts, offices, timezone, contact_topic=None):
        self.scale, self.texts, self.offices, self.timezone = scale, texts, offices, timezone
        # When a component answers dissatisfied citizens (cases), the topic under which the
        # citizen's 1/2 to "do you want the office to contact you?" goes to it; None: not asked.
        self.contact_topic = contact_topic

    def step(self, state, message, now):
        """(new state, reply text or None, effects) for one incoming message."""
        text = message or ""
        word = parser.keyword(text)
        if word == parser.OPT_OUT:
            return self._opt_out(state)
        if word == parser.OPT_IN and state.opted_out:  # otherwise "YES" is an ordinary answer
            return _replace(state, opted_out=False), self._say("opted_in", state), (OptIn(),)
        if word == parser.HELP:
            return state, self._say("help", state), ()
        if word == parser.CONFIRM_STOP:  # "dung": đúng, dừng or dùng? ask, never opt out on a guess
            return state, (None if state.opted_out else self._say("confirm_stop", state)), ()
        if parser.is_reaction(text):
            return state, None, ()
        unprompted = self._unprompted(state, text, now)
        if state.opted_out:
            # no texts to a number that opted out; a rating it sends on its own still counts
            stores = tuple(e for e in (unprompted[2] if unprompted else ()) if isinstance(e, StoreRating))
            return (_idle(state) if stores else state), None, stores
        if unprompted:
            return unprompted
        if state.active(now):
            if not text.strip() and state.stage != CLOSED:
                # an empty or picture-only message: the menu again, without using up a turn
                key = {AWAITING_SCORE: "reprompt", AWAITING_ANSWER: "answer_reprompt"}.get(state.stage, "followup")
                return state, self._say(key, state), ()
            if state.stage == AWAITING_SCORE:
                return self._score(state, self._own_office_stripped(state, text), now)
            if state.stage == AWAITING_FOLLOWUP:
                return self._followup(state, text)
            if state.stage == AWAITING_ANSWER:
                return self._answer(state, text)
            return self._more(state, text)
        if state.stage == AWAITING_SCORE:  # the reply window has closed
            return _idle(state), self._say("expired", state), ()
        return _idle(state), self._say("help", state), ()

    def _say(self, key, state):
        return self.texts.render(key, state.language, office=state.office_name or "", code=state.office_code or "")

    def _opt_out(self, state):
        if state.opted_out:
            return state, None, ()  # confirmed once already
        invitation = state.invitation_id if state.stage != IDLE else None
        done = _replace(_idle(state), opted_out=True)
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
        if office is None:
            # a question is open, or a comment may follow ("Toi 4 lan di lai"): not an office code
            if state.active(now) and (state.stage != CLOSED or not parser.score_only(rest, self.scale)):
                return None
            return state, self.texts.render("unknown_office", state.language, code=code), ()
        if state.active(now) and office.id == state.office_id:
            # the conversation's own office: its answer, or the same visit rated a second time
            return None if state.stage == AWAITING_SCORE else (state, self._say("already_rated", state), ())
        local_day = now.astimezone(self.timezone).date().isoformat()
        notice = None
        if office.changed_on is not None and office.changed_on <= local_day:
            # an office merged away or closed by then: the rating is kept (under the successor,
            # if there is one) and the citizen is told which code to use from now on
            named, day = office, _day_month_year(office.changed_on)
            if office.successor is not None:
                office = office.successor
                notice = self.texts.render("office_merged", state.language, office=office.name, code=office.code,
                                           old_office=named.name, old_code=named.code, day=day)
            else:
                notice = self.texts.render("office_closed", state.language, old_office=named.name,
                                           old_code=named.code, day=day)
            if state.active(now) and office.id == state.office_id and state.stage != AWAITING_SCORE:
                return state, self._say("already_rated", state), ()
        client_id = unprompted_rating_id(state.number, office.id, local_day)
        effect = StoreRating(client_id, office.id, score, now, language=state.language)
        rated = _replace(
            _idle(state), office_id=office.id, office_code=office.code, office_name=office.name,
            language=state.language)
        new_state, reply, effects = self._rated(rated, client_id, score, now, (effect,))
        return new_state, (f"{notice} {reply}" if notice else reply), effects

    def _score(self, state, text, now):
        score = parser.score(text, self.scale)
        if score is None:
            attempts = state.attempts + 1
            if attempts > MAX_REPROMPTS:
                return _idle(state), self._say("give_up", state), ()
            return _replace(state, attempts=attempts), self._say("reprompt", state), ()
        client_id = invitation_rating_id(state.invitation_id)
        effect = StoreRating(client_id, state.office_id, score, now, state.invitation_id, state.service,
                             state.reference, state.language, state.counter_id, state.staff_code)
        return self._rated(state, client_id, score, now, (effect,))

    def _rated(self, state, client_id, score, now, effects):
        state = _replace(state, asked_why=False, reasons=(), comment_length=0)
        if score in self.scale.dissatisfied_scores and self.scale.reasons:
            waiting = _replace(state, stage=AWAITING_FOLLOWUP, attempts=0, rating_id=client_id,
                                          expires_at=now + FOLLOWUP_WINDOW)
            return waiting, self._say("followup", state), effects
        closed = _replace(state, stage=CLOSED, attempts=0, rating_id=client_id,
                                     expires_at=now + FOLLOWUP_WINDOW)
        return closed, self._say("thanks", state), effects

    def _followup(self, state, text):
        reasons, comment, whole = parser.followup(text, self.scale, MAX_COMMENT)
        closed = _replace(state, stage=CLOSED, attempts=0, asked_why=True, reasons=tuple(reasons),
                                     comment_length=len(comment or ""))
        if not reasons and not comment:
            reply, effects = self._say("thanks", state), ()
        else:
            reply = self._say("thanks_followup" if whole else "comment_full", state)
            effects = (AttachFollowup(state.rating_id, tuple(reasons), comment),)
        if self.contact_topic is None:
            return closed, reply, effects
        # Whether the citizen wants an answer: 1 or 2, read as every 1/2 question is (parser.choice);
        # the follow-up window goes on meanwhile (other words are added to the comment).
        asking = _replace(closed, stage=AWAITING_ANSWER, question_topic=self.contact_topic,
                                     question_ref=state.rating_id)
        return asking, f"{reply} {self._say('contact_question', state)}", effects

    def _answer(self, state, text):
        choice = parser.choice(text, 2)
        about_rating = state.question_topic == self.contact_topic and state.rating_id is not None
        if choice is None:
            if about_rating:  # not a 1 or 2: more reasons or comment, never dropped; still asking
                return self._more(state, text)
            attempts = state.attempts + 1
            if attempts > MAX_REPROMPTS:
                return _idle(state), None, ()
            return _replace(state, attempts=attempts), self._say("answer_reprompt", state), ()
        effect = Answer(state.question_topic, state.question_ref, choice)
        if about_rating:  # back to the follow-up window: later messages still add to the comment
            done = _replace(state, stage=CLOSED, attempts=0, question_topic=None, question_ref=None)
            return done, self._say("contact_yes" if choice == 1 else "contact_no", state), (effect,)
        return _idle(state), self._say("answer_thanks", state), (effect,)

    def _more(self, state, text):
        """A further message in the follow-up window: more reasons, and the rest added to the comment."""
        if not text.strip() or (not state.asked_why and parser.score_only(text, self.scale)):
            return state, self._say("already_rated", state), ()  # the same visit is not rated twice
        reasons, comment = (), text.strip()
        if state.asked_why:
            chosen, comment, _ = parser.followup(text, self.scale, len(text))
            reasons = tuple(code for code in chosen if code not in state.reasons)
        if not reasons and not comment:
            return state, self._say("already_rated", state), ()  # a reason given before, nothing new
        effects = ()
        if reasons:
            effects += (AttachFollowup(state.rating_id, state.reasons + reasons, None),)
        room = MAX_COMMENT - state.comment_length - (1 if state.comment_length else 0)  # 1: the line break
        kept = (comment or "")[:max(room, 0)].strip()
        if kept:
            effects += (AppendComment(state.rating_id, kept),)
        more = _replace(state, reasons=state.reasons + reasons, comment_length=state.comment_length + (
            len(kept) + (1 if state.comment_length else 0) if kept else 0))
        if comment and len(kept) < len(comment.strip()):
            return more, self._say("comment_full", state), effects
        return more, self._say("comment_added", state), effects


def _day_month_year(day):
    return dt.date.fromisoformat(day).strftime("%d/%m/%Y")


def _replace(state, **changes):
    """dataclasses.replace for a Conversation without walking its fields one by one (it runs a
    few times per message): every field is an init field, so its __dict__ is its arguments."""
    return type(state)(**{**state.__dict__, **changes})


def _idle(state):
    return Conversation(number=state.number, opted_out=state.opted_out, language=state.language)
