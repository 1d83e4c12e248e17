"""The SMS channel of one deployment: invitations in, citizens' messages through the
dialogue, Twilio's status reports, each applied to storage in one write transaction."""

import datetime as dt
import threading

from server import scope
from server.db import write_transaction
from server.observability import count_results
from server.offices import load_tree, officer_serves
from server.ratings import Rating, Source, attach_followup
from server.timeutil import parse_client_time, to_stored
from sms import dialogue, phones, quiet, storage
from sms.dialogue import Answer, AppendComment, AttachFollowup, Conversation, Dialogue, OptIn, OptOut, StoreRating
from sms.gateway import OPTED_OUT_ERROR, transport_for
from sms.segments import measure
from sms.templates import Texts


class InvitationError(ValueError):
    def __init__(self, status, message):
        super().__init__(message)
        self.status = status


class OfficeDirectory:
    """Offices by code for the dialogue, looked up only when a message names one. `markers`:
    meta's change markers when the caller has just read them (the message's snapshot)."""

    def __init__(self, db, markers=None):
        self.db, self.markers = db, markers

    def get(self, code):
        tree = load_tree(self.db, self.markers)  # kept per process: by_code holds every office, as the table does
        office = tree.by_code.get(code)
        if office is None:
            return None
        if office.merged_into is not None:
            successor = tree.by_id[tree.successor(office.id)]
            return dialogue.Office(office.id, office.code, office.name,
                                   dialogue.Office(successor.id, successor.code, successor.name), office.merged_at)
        closed_from = tree.closed_on(office.id, "9999-12-31")
        return dialogue.Office(office.id, office.code, office.name, changed_on=closed_from)


class Channel:
    def __init__(self, app):
        config = app.config
        self.config = config
        # Numbers are hashed under their own key when one is set, so rotating SECRET_KEY
        # (sessions) does not forget who opted out.
        self.secret = config["NUMBER_HASH_KEY"] or config["SECRET_KEY"]
        self.timezone = app.extensions["timezone"]
        self.scale = app.extensions["scale"]
        self.ingest = app.extensions["ingest"]
        self.extensions = app.extensions  # "rating_links" from the web channel, set up after this one
        self.texts = Texts(self.scale, config["SMS_LANGUAGE"], config["SMS_TEMPLATES"])
        self.quiet = quiet.parse(config["SMS_QUIET_HOURS"])
        self.reply_window = dt.timedelta(hours=config["SMS_REPLY_WINDOW_HOURS"])
        self.cap = dt.timedelta(days=config["SMS_FREQUENCY_CAP_DAYS"])
        self.regions = {str(region).upper() for region in config["SMS_ALLOWED_REGIONS"] or ()}
        self.per_user_day = config["SMS_INVITATIONS_PER_USER_DAY"]
        self.retention = dt.timedelta(hours=config["SMS_NUMBER_RETENTION_HOURS"])
        self.send_rate = config["SMS_SEND_RATE"]
        if self.send_rate <= 0:
            raise ValueError("SMS_SEND_RATE must be a positive number of messages per second")
        self.transport = transport_for(config)  # fails early on half-set Twilio credentials
        self.wake = threading.Event()  # set when a message is queued, so the sender need not wait
        # {topic: handler(db, ref, choice, now)}: who hears the answer to a question asked with `ask`.
        self.answer_handlers = {}
        # The topic of "do you want the office to contact you?" after a dissatisfied rating's
        # follow-up, set by a component that answers citizens (with its answer handler); None: not asked.
        self.contact_topic = None
        self.measure = measure

    # --- outgoing -----------------------------------------------------------------------

    def key(self, number):
        return phones.number_key(self.secret, number)

    def queue(self, db, number, body, purpose, now, invitation_id=None, not_before=None):
        """Queue one message (the number already normalised); returns its id."""
        size = measure(body)
        key = self.key(number)
        opted_out = storage.is_opted_out(db, key)
        message_id = storage.insert_message(db, {
            "invitation_id": invitation_id, "purpose": purpose, "phone": None if opted_out else number,
            "phone_hash": key, "body": body, "segments": size.segments, "encoding": size.encoding,
            "status": "opted_out" if opted_out else "pending", "attempts": 0,
            "next_attempt_at": to_stored(not_before or now), "created_at": to_stored(now),
            "updated_at": to_stored(now), "finished_at": to_stored(now) if opted_out else None,
        })
        if not opted_out:
            self.wake.set()
        return message_id

    def send_message(self, db, phone, body, purpose):
        """The `sms_send` contract: queue any text to any number, respecting opt-outs.

        Raises phones.PhoneError for an invalid number and ValueError for an empty body.
        """
        number = phones.normalise(phone)
        if not isinstance(body, str) or not body.strip():
            raise ValueError("body: must be non-empty text")
        now = dt.datetime.now(dt.UTC)
        with write_transaction(db):
            return self.queue(db, number, body.strip(), str(purpose or "other")[:32], now)

    def ask(self, db, phone, body, purpose, now, topic=None, ref=None, window=None):
        """Queue a text to a citizen outside quiet hours (opt-outs respected, as every text);
        with a `topic`, the number's next "1" or "2" within `window` answers it and goes to
        `answer_handlers[topic](db, ref, choice, now)`. Call inside a write transaction;
        returns the message id. Raises phones.PhoneError for an invalid number."""
        number = phones.normalise(phone)
        not_before = quiet.next_allowed(now, self.quiet, self.timezone)
        message_id = self.queue(db, number, body, str(purpose)[:32], now, not_before=not_before)
        if topic is not None:
            key = self.key(number)
            stored = storage.conversation_state(db, key)
            state = Conversation.from_json(stored) if stored else Conversation(key)
            asked = dialogue.question_asked(state, topic, ref, now, window or self.reply_window)
            storage.save_conversation(db, key, asked.to_json(), asked.expires_at, now)
        return message_id

    def invite(self, db, user, fields, now):
        """Create an invitation; (invitation id, status). Raises InvitationError."""
        request = _invitation_fields(fields, now)
        tree = load_tree(db)
        try:
            office = scope.office_for(tree, user, request["office"])
        except scope.OutOfScope:
            raise InvitationError(403, f"office {request['office'][:40]} is outside your scope") from None
        if office is None:
            raise InvitationError(400, f"office: unknown office code {request['office'][:40]!r}")
        if user["role"] == "viewer":
            raise InvitationError(403, "viewers cannot send invitations")
        region = phones.region(request["phone"])
        if region not in self.regions:
            raise InvitationError(400, f"phone: numbers of region {region or 'unknown'} are not invited here "
                                       f"(SMS_ALLOWED_REGIONS: {', '.join(sorted(self.regions)) or 'none'})")
        served_at = office
        office = tree.by_id[tree.successor(office.id)]
        counter_id, staff_code = _counter_and_officer(db, tree, served_at, office, request)
        link = fields.get("link", False)
        if not isinstance(link, bool) or link and "rating_links" not in self.extensions:
            raise InvitationError(400, "link: must be true or false (true needs the web channel)")
        key = self.key(request["phone"])
        language = self.texts.language(request["language"])
        row = {"office_id": office.id, "service": request["service"], "reference": request["reference"],
               "language": language, "phone_hash": key, "created_at": to_stored(now),
               "local_day": now.astimezone(self.timezone).date().isoformat(), "created_by": user["id"],
               "send_after": to_stored(request["send_after"] or now), "counter_id": counter_id,
               "staff_code": staff_code}
        with write_transaction(db):
            if storage.invitations_by_user_on(db, user["id"], row["local_day"]) >= self.per_user_day:
                raise InvitationError(429, f"at most {self.per_user_day} invitations a day per user "
                                           "(SMS_INVITATIONS_PER_USER_DAY); try again tomorrow")
            if storage.is_opted_out(db, key):
                return storage.insert_invitation(db, {**row, "status": "opted_out", "opted_out": 1}), "opted_out"
            if storage.invitations_since(db, key, now - self.cap):
                return storage.insert_invitation(db, {**row, "status": "capped"}), "capped"
            invitation_id = storage.insert_invitation(db, {**row, "status": "queued"})
            body = self.texts.render("invitation", language, office=office.name, code=office.code)
            if link:  # a rating link (web channel) as an alternative to replying with a digit
                url, _ = self.extensions["rating_links"](db, user, {
                    "office": office.code, "service": request["service"], "reference": request["reference"],
                    "counter": request["counter"], "staff": staff_code}, now)
                body = f"{body} {url}"
            not_before = quiet.next_allowed(max(request["send_after"] or now, now), self.quiet, self.timezone)
            message_id = self.queue(db, request["phone"], body, "invitation", now, invitation_id, not_before)
            storage.update_invitation(db, invitation_id, {"message_id": message_id})
        return invitation_id, "queued"

    # --- incoming -----------------------------------------------------------------------

    def receive(self, db, message_sid, sender, body, now, run=None):
        """The reply to one incoming message; the same MessageSid gets the same reply.

        The dialogue runs on a snapshot read before the write lock is taken, so the lock is
        held only for the writes; under the lock the snapshot is read again, and if another
        message changed it meanwhile the dialogue runs again on what is there now.
        `run(db, job)` runs the writes in a transaction: by default one of their own; the
        webhook passes the server's group commit, so concurrent messages share one fsync.
        """
        key = phones.sender_key(self.secret, sender)
        snapshot = self._snapshot(db, message_sid, key)
        outcome = None if snapshot[0] is not None else self._step(self._rules(db, snapshot[3]), key, snapshot, body,
                                                                  now)

        def write(db):  # on the connection that holds the write lock, perhaps another thread's
            current = self._snapshot(db, message_sid, key)
            if current[0] is not None:
                return current[0][0], []
            # The same conversation and the same office tree: the dialogue's outcome holds.
            state, new_state, reply, effects = (
                outcome if current == snapshot else self._step(self._rules(db, current[3]), key, current, body, now))
            statuses = [status for effect in effects
                        for status in self._apply(db, key, effect, now, sender, current[3])]
            storage.save_conversation(db, key, new_state.to_json(),
                                      new_state.expires_at if new_state.stage != dialogue.IDLE else None, now)
            invitation_id = new_state.invitation_id or (state.invitation_id if state.stage != dialogue.IDLE else None)
            storage.record_inbound(db, message_sid, key, invitation_id, reply,
                                   measure(reply).segments if reply else 0, now)
            return reply, statuses

        reply, statuses = (run or _own_transaction)(db, write)
        if statuses:  # counted once committed: a failed commit is retried by Twilio
            count_results("sms", statuses)
        return reply

    def _rules(self, db, markers=None):
        return Dialogue(self.scale, self.texts, OfficeDirectory(db, markers), self.timezone, self.contact_topic)

    @staticmethod
    def _snapshot(db, message_sid, key):
        """(earlier reply to this MessageSid, stored conversation, opted out, meta's change
        markers) as stored now."""
        return storage.snapshot(db, message_sid, key)

    @staticmethod
    def _step(rules, key, snapshot, body, now):
        _, stored, opted_out, _ = snapshot
        state = Conversation.from_json(stored, opted_out) if stored else Conversation(key, opted_out=opted_out)
        return (state, *rules.step(state, body, now))

    def _apply(self, db, key, effect, now, sender=None, markers=None):
        """Carry out one effect of the dialogue; the statuses of the ratings it stored.
        `markers`: meta's change markers as just read in this transaction."""
        if isinstance(effect, StoreRating):
            language = "vi" if effect.language in (None, "vi-ascii") else effect.language
            rating = Rating(client_id=effect.client_id, score=effect.score, created_at=effect.created_at,
                            service=effect.service, reference=effect.reference, language=language,
                            staff_code=effect.staff_code, extra=_contact(sender))
            source = Source("sms", effect.office_id, counter_id=effect.counter_id)
            status = self.ingest.store_parsed(db, load_tree(db, markers), source, [rating], now)
            if effect.invitation_id is not None and status == ["accepted"]:
                storage.update_invitation(db, effect.invitation_id,
                                          {"replied_at": to_stored(now), "rating_client_id": effect.client_id})
            return status
        if isinstance(effect, AttachFollowup):
            attach_followup(db, effect.client_id, list(effect.reasons) or None, effect.comment)
        elif isinstance(effect, AppendComment):
            row = db.execute("SELECT comment FROM ratings WHERE client_id = ?", [effect.client_id]).fetchone()
            if row is not None:
                comment = f"{row[0]}\n{effect.text}" if row[0] else effect.text
                attach_followup(db, effect.client_id, None, comment[:dialogue.MAX_COMMENT])
        elif isinstance(effect, Answer):
            handler = self.answer_handlers.get(effect.topic)
            if handler is not None:
                handler(db, effect.ref, effect.choice, now)
        elif isinstance(effect, OptOut):
            self.opt_out(db, key, "keyword", now, effect.invitation_id)
        elif isinstance(effect, OptIn):
            storage.opt_in(db, key)
        return []

    def opt_out(self, db, key, source, now, invitation_id=None):
        """Record an opt-out and stop every message still waiting for that number."""
        storage.opt_out(db, key, source, now)
        db.execute("""UPDATE sms_messages SET status = 'opted_out', phone = NULL, finished_at = ?, updated_at = ?
                      WHERE phone_hash = ? AND status = 'pending'""", [to_stored(now), to_stored(now), key])
        db.execute("""UPDATE sms_invitations SET status = 'opted_out', opted_out = 1
                      WHERE phone_hash = ? AND status = 'queued' AND sent_at IS NULL""", [key])
        if invitation_id is not None:
            storage.update_invitation(db, invitation_id, {"opted_out": 1})

    def status_report(self, db, message_id, message_sid, twilio_status, error_code, now):
        """Apply a Twilio status callback; False if the message is not ours."""
        status = storage.TWILIO_STATUSES.get((twilio_status or "").lower())
        with write_transaction(db):
            message = storage.message(db, message_id) if message_id else storage.message_by_sid(db, message_sid)
            if message is None or (message["twilio_sid"] and message_sid and message["twilio_sid"] != message_sid):
                return False
            if status is None:
                return True  # a state we do not track (e.g. "read")
            self.record_status(db, message, status, now, sid=message_sid, error_code=error_code)
        return True

    def record_status(self, db, message, status, now, sid=None, error_code=None, error_message=None,
                      transport=None):
        """Move a message (and its invitation) forward; never back: callbacks come out of order."""
        if error_code == OPTED_OUT_ERROR:
            status = "opted_out"
        current = message["status"]
        forward = storage.RANK[status] > storage.RANK.get(current, 0)
        changes = {}
        if sid and not message["twilio_sid"]:
            changes["twilio_sid"] = sid
        if transport:
            changes["transport"] = transport
        if status in ("queued", "sent") and message["sent_at"] is None:
            changes["sent_at"] = to_stored(now)
        if forward:
            changes["status"] = status
            if status in storage.FINAL:
                changes["finished_at"] = to_stored(now)
            if error_code is not None or error_message:
                changes.update(error_code=error_code, error_message=error_message)
            elif status in ("queued", "sent", "delivered") and (message["error_code"] or message["error_message"]):
                changes.update(error_code=None, error_message=None)  # an earlier attempt's error no longer holds
        storage.update_message(db, message["id"], changes, now)
        if status == "opted_out" and message["phone_hash"]:
            self.opt_out(db, message["phone_hash"], "twilio-21610", now, message["invitation_id"])
        if message["invitation_id"] is not None:
            self._invitation_status(db, message["invitation_id"], status if forward else None, changes, now)

    def _invitation_status(self, db, invitation_id, status, changes, now):
        invitation = {}
        if status is not None:
            invitation["status"] = status
            if "error_code" in changes:
                invitation.update(error_code=changes["error_code"], error_message=changes["error_message"])
        if "sent_at" in changes:
            invitation["sent_at"] = changes["sent_at"]
        if status == "delivered":
            invitation["delivered_at"] = to_stored(now)
        storage.update_invitation(db, invitation_id, invitation)

    def open_conversation(self, db, message, now):
        """An invitation went out: its number's next reply answers it."""
        invitation = storage.invitation(db, message["invitation_id"])
        office = OfficeDirectory(db).get(
            db.execute("SELECT code FROM offices WHERE id = ?", [invitation["office_id"]]).fetchone()[0])
        key = message["phone_hash"]
        stored = storage.conversation_state(db, key)
        state = Conversation.from_json(stored) if stored else Conversation(key)
        opened = dialogue.invitation_sent(state, invitation, office, now, self.reply_window)
        storage.save_conversation(db, key, opened.to_json(), opened.expires_at, now)


def _invitation_fields(fields, now):
    """The invitation request's fields, checked, or InvitationError naming the bad one."""
    def text(name, limit, required=False):
        value = fields.get(name)
        if value is None and not required:
            return None
        if not isinstance(value, str) or not value.strip() or len(value) > limit or "\x00" in value:
            raise InvitationError(400, f"{name}: must be a non-empty string of at most {limit} characters")
        return value.strip()

    try:
        phone = phones.normalise(fields.get("phone"))
    except phones.PhoneError as problem:
        raise InvitationError(400, f"phone: {problem}") from None
    office = text("office", 32, required=True).upper()
    send_after = fields.get("send_after")
    if send_after is not None:
        try:
            send_after = parse_client_time(send_after)
        except ValueError as problem:
            raise InvitationError(400, f"send_after: {problem}") from None
        if send_after > now + dt.timedelta(days=30):
            raise InvitationError(400, "send_after: at most 30 days ahead")
    language = fields.get("language")
    if language is not None and language not in ("vi", "en", "vi-ascii"):
        raise InvitationError(400, "language: must be vi, en or vi-ascii")
    return {"phone": phone, "office": office, "service": text("service", 64), "reference": text("reference", 64),
            "counter": text("counter", 64), "staff": text("staff", 64), "send_after": send_after,
            "language": language}


def _counter_and_officer(db, tree, served_at, office, request):
    """(counter id, officer code) named by the request, or InvitationError naming the field.

    The counter is one of the office that served the citizen (or of its successor, once
    merged); the officer one who may be credited there (server.offices.officer_serves)."""
    counter_id = None
    if request["counter"] is not None:
        rows = db.execute("SELECT office_id, id FROM counters WHERE office_id IN (?, ?) AND label = ?",
                          [served_at.id, office.id, request["counter"]]).fetchall()
        found = dict(rows)
        counter_id = found.get(served_at.id, found.get(office.id))
        if counter_id is None:
            raise InvitationError(400, f"counter: office {served_at.code} has no counter {request['counter'][:40]!r}")
    staff = request["staff"]
    if staff is not None:
        row = db.execute("SELECT office_id FROM staff WHERE code = ?", [staff]).fetchone()
        if row is None or not officer_serves(tree, row[0], office.id):
            raise InvitationError(400, f"staff: no officer {staff[:40]!r} at office {served_at.code}")
    return counter_id, staff


def _contact(sender):
    """The rating's way back to the citizen: the number the SMS came from (Rating.extra);
    none from a short code or sender ID."""
    number = phones.sender_number(sender)
    return {"contact": number} if number else {}


def _own_transaction(db, job):
    with write_transaction(db):
        return job(db)
