"""The demo's SMS history: four weeks of invitations, as if the outbox had been live.

Called by `flask seed-demo` after the core's demo province (the component's `demo` hook),
so `make run` shows a real SMS funnel: invitations sent and delivered, the demo's SMS
ratings as their replies (with the thank-you or follow-up each got), invitations nobody
answered, citizens who opted out with TC, HUY or STOP, and one number that never receives
(Twilio's error 30003, twice: undelivered invitations do not count for the frequency cap).

It adds no rating: the replies are the SMS ratings the demo already has, so the demo's
rating count stays what was asked for. It knows offices only as rows of the ratings table,
so it follows whatever office tree the demo builds. Deterministic for a seed and end date.
"""

import datetime as dt
import random

from server.db import write_transaction
from server.timeutil import local_today, to_stored, utcnow
from sms import storage
from sms.segments import measure

DAYS = 28
UNANSWERED_PER_REPLY = 1.4  # about 40 % of delivered invitations get an answer
OPT_OUT_SHARE = 0.04
UNREACHABLE = (30003, "Unreachable destination handset")
FIRST_HOUR, LAST_HOUR = 7, 21  # invitations go out outside the default quiet hours


def seed(app, db, seed=2025, end=None):
    """Write the SMS history ending on local day `end` (default yesterday); a summary line."""
    channel = app.extensions["sms"]
    rng = random.Random(f"sms-demo:{seed}")
    end = end or local_today(channel.timezone) - dt.timedelta(days=1)
    start = end - dt.timedelta(days=DAYS - 1)
    replies = db.execute(
        """SELECT r.client_id, r.office_id, r.service, r.reference, r.language, r.score, r.created_at,
                  o.code, o.name
           FROM ratings r JOIN offices o ON o.id = r.office_id
           WHERE r.channel = 'sms' AND r.local_day BETWEEN ? AND ? ORDER BY r.created_at, r.client_id""",
        [start.isoformat(), end.isoformat()]).fetchall()
    if not replies:
        return "SMS history: no SMS ratings in the last four weeks to build it from."
    offices = sorted({(office_id, code, name) for _, office_id, _, _, _, _, _, code, name in replies})
    admin = db.execute("SELECT id FROM users WHERE role = 'admin' ORDER BY id LIMIT 1").fetchone()
    history = _History(channel, rng, admin[0] if admin else None)
    with write_transaction(db):
        for client_id, office_id, service, reference, language, score, created_at, code, name in replies:
            answered_at = dt.datetime.fromisoformat(created_at.replace("Z", "+00:00"))
            sent_at = history.sent_before(answered_at)
            invitation = history.invite(db, (office_id, code, name), sent_at, service, reference, language)
            history.reply(db, invitation, answered_at, client_id, score)
        for _ in range(round(len(replies) * UNANSWERED_PER_REPLY)):
            invitation = history.invite(db, rng.choice(offices), history.random_time(start, end), rng.choice(
                ("khai-sinh", "chung-thuc", "dat-dai", "cu-tru")), None, "vi")
            if rng.random() < OPT_OUT_SHARE:
                history.opt_out(db, invitation, invitation["sent_at"] + dt.timedelta(minutes=rng.randint(1, 90)))
        number = history.new_number()
        for day in (start + dt.timedelta(days=3), end - dt.timedelta(days=2)):
            history.invite(db, offices[0], history.random_time(day, day), "khai-sinh", None, "vi", number=number,
                           delivered=False)
    counts = history.counts
    return (f"SMS history: {counts['invited']} invitations over {DAYS} days, {counts['delivered']} delivered, "
            f"{counts['replied']} replied, {counts['opted_out']} opted out, 1 number undelivered")


class _History:
    def __init__(self, channel, rng, admin_id):
        self.channel, self.rng, self.admin_id = channel, rng, admin_id
        self.counts = {"invited": 0, "delivered": 0, "replied": 0, "opted_out": 0}
        self.numbers = set()
        self.now = utcnow()

    def new_number(self):
        """A Vietnamese mobile number the demo has not used (the frequency cap holds)."""
        while True:
            number = f"+849{self.rng.choice('13468')}{self.rng.randint(0, 9_999_999):07d}"
            if number not in self.numbers:
                self.numbers.add(number)
                return number

    def sent_before(self, answered_at):
        local = answered_at.astimezone(self.channel.timezone)
        earliest = local.replace(hour=FIRST_HOUR, minute=0, second=0, microsecond=0)
        return max(local - dt.timedelta(minutes=self.rng.randint(3, 90)), earliest).astimezone(dt.UTC)

    def random_time(self, first_day, last_day):
        day = first_day + dt.timedelta(days=self.rng.randint(0, (last_day - first_day).days))
        seconds = self.rng.randint(FIRST_HOUR * 3600, LAST_HOUR * 3600 - 1)
        local = dt.datetime(day.year, day.month, day.day, tzinfo=self.channel.timezone) + dt.timedelta(seconds=seconds)
        return local.astimezone(dt.UTC)

    def invite(self, db, office, sent_at, service, reference, language, number=None, delivered=True):
        office_id, code, name = office
        number = number or self.new_number()
        language = language if language in ("vi", "en") else "vi"
        key = self.channel.key(number)
        created_at = sent_at - dt.timedelta(seconds=self.rng.randint(2, 40))
        reported_at = sent_at + dt.timedelta(seconds=self.rng.randint(3, 25))
        status = "delivered" if delivered else "undelivered"
        error = (None, None) if delivered else UNREACHABLE
        invitation = {
            "office_id": office_id, "service": service, "reference": reference, "language": language,
            "phone_hash": key, "status": status, "error_code": error[0], "error_message": error[1],
            "created_at": to_stored(created_at), "local_day": created_at.astimezone(self.channel.timezone).date()
            .isoformat(), "created_by": self.admin_id, "send_after": to_stored(created_at),
            "sent_at": to_stored(sent_at), "delivered_at": to_stored(reported_at) if delivered else None,
        }
        invitation_id = storage.insert_invitation(db, invitation)
        body = self.channel.texts.render("invitation", language, office=name, code=code)
        size = measure(body)
        kept = self.now - reported_at < self.channel.retention  # older raw numbers are erased, as purge does
        message_id = storage.insert_message(db, {
            "invitation_id": invitation_id, "purpose": "invitation", "phone": number if kept else None,
            "phone_hash": key, "body": body, "segments": size.segments, "encoding": size.encoding, "status": status,
            "transport": "outbox", "twilio_sid": self._sid(), "attempts": 1, "next_attempt_at": to_stored(created_at),
            "created_at": to_stored(created_at), "claimed_at": to_stored(sent_at), "sent_at": to_stored(sent_at),
            "finished_at": to_stored(reported_at), "updated_at": to_stored(reported_at), "error_code": error[0],
            "error_message": error[1]})
        storage.update_invitation(db, invitation_id, {"message_id": message_id})
        self.counts["invited"] += 1
        self.counts["delivered"] += delivered
        return {"id": invitation_id, "key": key, "language": language, "office": name, "code": code,
                "sent_at": sent_at}

    def reply(self, db, invitation, answered_at, client_id, score):
        dissatisfied = score in self.channel.scale.dissatisfied_scores
        reply = self.channel.texts.render("followup" if dissatisfied else "thanks", invitation["language"],
                                          office=invitation["office"], code=invitation["code"])
        self._inbound(db, invitation, reply, answered_at)
        storage.update_invitation(db, invitation["id"], {"replied_at": to_stored(answered_at),
                                                         "rating_client_id": client_id})
        self.counts["replied"] += 1

    def opt_out(self, db, invitation, at):
        self.channel.opt_out(db, invitation["key"], "keyword", at, invitation["id"])
        self._inbound(db, invitation, self.channel.texts.render("opted_out", invitation["language"]), at)
        self.counts["opted_out"] += 1

    def _inbound(self, db, invitation, reply, at):
        storage.record_inbound(db, self._sid(), invitation["key"], invitation["id"], reply, measure(reply).segments, at)

    def _sid(self):
        return "SM" + f"{self.rng.getrandbits(128):032x}"
