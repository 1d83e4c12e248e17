"""The demo's follow-up cases (the component's `demo` hook, run by `flask seed-demo`), so the
cases pages of `make run` show the work as a province would have it.

The demo's ratings are generated in bulk, past the ingest hooks, so this opens the cases the
hooks would have opened: one for each dissatisfied, non-misuse rating of the last DAYS days
that says why (reasons or a comment) or came by SMS (the number is there), newest first, at
most MAX_CASES. Then each is worked as its age allows, relative to the demo's last moment:

- the last few days: open, some assigned, a few already answered;
- older: most answered within the due date (some late), by SMS when there is a number (the
  reply a message of the SMS outbox, not Twilio's), else by a recorded call; most closed with
  an outcome, a few still open and overdue (they raise the overdue alerts);
- some citizens answered "did it help?" (1 or 2; a "2" reopened the case), and SMS citizens
  whether they want an answer (a "2" erased the number);
- a few kiosk citizens left a number with the consent tick.

Retention holds as `flask purge` keeps it: a number is erased CASE_CONTACT_RETENTION_DAYS
after its case closed, the raw number in the SMS outbox after SMS_NUMBER_RETENTION_HOURS.
Offices and users are read from the rows that exist, never named. Deterministic for a seed
and end date.
"""

import datetime as dt
import json
import random

from cases import service
from server.db import write_transaction
from server.offices import load_tree
from server.timeutil import from_stored, local_today, to_stored, utcnow
from sms import storage as sms_storage

DAYS = 365
MAX_CASES = 20_000
KIOSK_CONTACT_SHARE = 0.15
REPLIES = {
    "waiting_time": "Cơ quan xin lỗi Ông/Bà vì phải chờ lâu. Từ tuần này bộ phận một cửa mở thêm một quầy vào "
                    "giờ cao điểm và phát số thứ tự.",
    "staff_attitude": "Cơ quan xin lỗi Ông/Bà. Cán bộ tiếp nhận đã được nhắc nhở và sẽ rút kinh nghiệm.",
    "staff_competence": "Cơ quan xin lỗi Ông/Bà. Danh mục giấy tờ của thủ tục đã được niêm yết lại tại quầy "
                        "và trên cổng dịch vụ công.",
    "unclear_procedure": "Cảm ơn góp ý của Ông/Bà. Hướng dẫn thủ tục đã được viết lại ngắn gọn, dán tại quầy.",
    "repeat_visits": "Cơ quan xin lỗi Ông/Bà vì phải đi lại nhiều lần. Từ nay cán bộ kiểm tra đủ hồ sơ ngay "
                     "lần đầu và ghi rõ giấy tờ còn thiếu.",
    "late_result": "Cơ quan xin lỗi Ông/Bà vì trả kết quả trễ hẹn. Kết quả đã sẵn sàng, mời Ông/Bà đến nhận.",
}
DEFAULT_REPLY = "Cảm ơn Ông/Bà đã góp ý. Cơ quan đã xem xét và chấn chỉnh bộ phận liên quan."
CALLS = ("Đã gọi điện giải thích cho công dân; công dân đồng ý.", "Công dân đến trực tiếp, đã giải thích tại quầy.",
         "Đã gọi lại, hẹn công dân nhận kết quả bổ sung.")
NOTES = ("Đã trao đổi với cán bộ quầy.", "Kiểm tra camera giờ cao điểm: đúng là chờ lâu.",
         "Chờ ý kiến lãnh đạo bộ phận.")


def seed(app, db, seed=2025, end=None):
    rules = app.extensions["cases"]
    channel = app.extensions.get("sms")
    timezone = rules.timezone
    rng = random.Random(f"cases-demo:{seed}")
    today = local_today(timezone)
    end = end or today - dt.timedelta(days=1)
    # A demo ending yesterday (make run's) is live; an older one (the tests') stops at its last day.
    now = utcnow() if end >= today - dt.timedelta(days=1) else dt.datetime.combine(
        end, dt.time(17, 30), timezone).astimezone(dt.UTC)
    first = (end - dt.timedelta(days=DAYS - 1)).isoformat()
    poor = json.dumps(sorted(rules.dissatisfied))
    rows = db.execute(
        """SELECT r.id, r.office_id, r.channel, r.created_at, r.reasons, r.comment FROM ratings r
           WHERE r.local_day BETWEEN ? AND ? AND r.misuse = 0 AND r.score IN (SELECT value FROM json_each(?))
             AND (r.reasons IS NOT NULL OR r.comment IS NOT NULL OR r.channel = 'sms')
             AND NOT EXISTS (SELECT 1 FROM cases c WHERE c.rating_id = r.id)
           ORDER BY r.created_at DESC LIMIT ?""", [first, end.isoformat(), poor, MAX_CASES]).fetchall()
    if not rows:
        return "cases demo: no dissatisfied ratings that say why in the last year"
    rules.calendar.warm(*range(int(first[:4]), now.year + 2))
    tree = load_tree(db)
    users = [dict(zip(("id", "username", "role", "office_id"), row, strict=True)) for row in db.execute(
        "SELECT id, username, role, office_id FROM users WHERE role = 'supervisor' AND disabled = 0 ORDER BY id")]
    # who may be given an office's cases: its supervisors (offices of today's map), else the admins'
    users = [u for u in users if u["office_id"] is None or tree.by_id[u["office_id"]].merged_into is None]
    work = _Work(app, db, rules, channel, rng, now)
    with write_transaction(db):
        for row in reversed(rows):  # oldest first, so case ids grow with time
            candidates = [u["username"] for u in users if service.may_act(tree, u, row[1])] or ["admin"]
            work.case(*row, candidates)
    counts = work.counts
    return (f"cases demo: {counts['cases']:,} cases ({counts['open']:,} open of which {counts['overdue']:,} overdue, "
            f"{counts['answered']:,} answered, {counts['closed']:,} closed), {counts['sms']:,} replies by SMS "
            f"to the outbox, {counts['contacts']:,} with a number kept")


class _Work:
    def __init__(self, app, db, rules, channel, rng, now):
        self.app, self.db, self.rules, self.channel, self.rng, self.now = app, db, rules, channel, rng, now
        self.contact_days = dt.timedelta(days=app.config["CASE_CONTACT_RETENTION_DAYS"])
        self.counts = dict.fromkeys(("cases", "open", "overdue", "answered", "closed", "sms", "contacts"), 0)
        self.numbers = set()

    def number(self):
        while True:
            found = f"+849{self.rng.choice('13468')}{self.rng.randint(0, 9_999_999):07d}"
            if found not in self.numbers:
                self.numbers.add(found)
                return found

    def later(self, moment, working_days, hours=(8, 16)):
        """A moment `working_days` working days after `moment`, at a working hour, never after now."""
        local = moment.astimezone(self.rules.timezone)
        day = self.rules.calendar.add(local.date(), working_days) if working_days else local.date()
        at = dt.datetime.combine(day, dt.time(self.rng.randint(*hours), self.rng.randint(0, 59)),
                                 self.rules.timezone).astimezone(dt.UTC)
        return min(max(at, moment + dt.timedelta(minutes=20)), self.now - dt.timedelta(minutes=5))

    def case(self, rating_id, office_id, channel, created_at, reasons, comment, candidates):
        rng, rules = self.rng, self.rules
        opened = from_stored(created_at)
        age = rules.working_days(opened, self.now)
        due = rules.due(opened).astimezone(dt.UTC)
        contact, source, wanted = None, None, None
        if channel == "sms":
            contact, source = self.number(), "sms"
            wanted = rng.choice([True, True, True, False, None])
        elif rng.random() < KIOSK_CONTACT_SHARE:
            contact, source = self.number(), channel
        case_id = self.db.execute(
            """INSERT INTO cases (rating_id, office_id, status, opened_at, opened_day, due_at, first_due_at, contact,
                                  contact_source, updated_at)
               VALUES (?, ?, 'open', ?, ?, ?, ?, ?, ?, ?)""",
            [rating_id, office_id, to_stored(opened), rules.local_day(opened), to_stored(due), to_stored(due),
             contact, source, to_stored(opened)]).lastrowid
        events, changes = [], {}
        if wanted is not None:
            at = opened + dt.timedelta(minutes=rng.randint(2, 30))
            events.append((at, "citizen", "contact_wish", {"wanted": wanted}))
            changes.update(contact_wanted=int(wanted), contact_wanted_at=to_stored(at))
            if not wanted:
                contact = None
                changes.update(contact=None, contact_erased_at=to_stored(at))
        # What happened to it, by age: the newest are still open, the older mostly done.
        if age < 2:
            fate = rng.choice(["open", "open", "open", "answered"])
        elif age <= rules.due_days + 3:
            fate = rng.choice(["open", "answered", "answered", "closed", "closed"])
        else:
            fate = rng.choice(["closed"] * 16 + ["answered"] * 2 + ["open"])
        assignee = rng.choice(candidates) if fate != "open" or rng.random() < 0.5 else None
        if assignee:
            events.append((self.later(opened, 0), assignee, "assigned", {"assignee": assignee}))
            user_id = self.db.execute("SELECT id FROM users WHERE username = ?", [assignee]).fetchone()
            changes["assignee_id"] = user_id[0] if user_id else None
        if fate == "open" and rng.random() < 0.3:
            events.append((self.later(opened, 1), assignee or candidates[0], "note", {"text": rng.choice(NOTES)}))
        status = "open"
        if fate in ("answered", "closed"):
            late = rng.random() < 0.12
            days = min(age, rng.randint(rules.due_days + 1, rules.due_days + 4) if late else
                       rng.randint(0, rules.due_days - 1))
            answered = self.later(opened, days)
            actor = assignee or candidates[0]
            if contact and self.channel is not None:
                text = REPLIES.get((json.loads(reasons) if reasons else [None])[0], DEFAULT_REPLY)
                message_id, segments = self.reply(contact, text, answered)
                events.append((answered, actor, "reply", {"text": text, "segments": segments,
                                                          "message_id": message_id}))
                changes["feedback_asked_at"] = to_stored(answered)
                self.counts["sms"] += 1
            else:
                events.append((answered, actor, "call", {"text": rng.choice(CALLS)}))
            changes.update(status="answered", answered_at=to_stored(answered), first_answered_at=to_stored(answered),
                           answer_working_days=rules.working_days(opened, answered))
            status = "answered"
            last = answered
            if "feedback_asked_at" in changes and rng.random() < 0.6 and answered < self.now - dt.timedelta(hours=3):
                told = min(answered + dt.timedelta(hours=rng.randint(1, 20)), self.now - dt.timedelta(minutes=2))
                feedback = "satisfied" if rng.random() < 0.75 else "unsatisfied"
                events.append((told, "citizen", "feedback", {"feedback": feedback}))
                changes.update(feedback=feedback, feedback_at=to_stored(told))
                last = told
                if feedback == "unsatisfied":
                    again = rules.due(told).astimezone(dt.UTC)
                    events.append((told, "citizen", "reopened", {"why": "citizen not satisfied with the answer",
                                                                 "due_at": to_stored(again)}))
                    changes.update(status="open", due_at=to_stored(again))
                    status = "open"
                    if fate == "closed" and again < self.now:
                        call = self.later(told, rng.randint(1, rules.due_days - 1))
                        events.append((call, actor, "call", {"text": rng.choice(CALLS)}))
                        changes.update(status="answered", answered_at=to_stored(call))
                        status, last = "answered", call
            if fate == "closed" and status == "answered":
                closed = min(last + dt.timedelta(hours=rng.randint(1, 30)), self.now - dt.timedelta(minutes=1))
                outcome = rng.choice(["fixed", "fixed", "explained", "explained", "unverifiable"])
                events.append((closed, actor, "closed", {"outcome": outcome}))
                changes.update(status="closed", closed_at=to_stored(closed), outcome=outcome)
                status = "closed"
                if contact and utcnow() - closed > self.contact_days:  # as `flask purge` run now erases it
                    changes.update(contact=None, contact_erased_at=to_stored(closed + self.contact_days))
                    contact = None
        if changes:
            changes["version"] = 1 + len(events)
            changes["updated_at"] = to_stored(max([opened] + [e[0] for e in events]))
            assignments = ", ".join(f"{column} = ?" for column in changes)
            self.db.execute(f"UPDATE cases SET {assignments} WHERE id = ?", [*changes.values(), case_id])
        self.db.conn.executemany(
            "INSERT INTO case_events (case_id, at, actor, kind, details) VALUES (?, ?, ?, ?, ?)",
            [(case_id, to_stored(at), actor, kind, json.dumps(details, ensure_ascii=False))
             for at, actor, kind, details in sorted(events, key=lambda e: e[0])])
        self.counts["cases"] += 1
        self.counts[status] += 1
        self.counts["contacts"] += contact is not None
        if status == "open" and from_stored(changes.get("due_at", to_stored(due))) < self.now:
            self.counts["overdue"] += 1

    def reply(self, number, text, at):
        """The reply as the SMS outbox has it once sent (no Twilio account in the demo)."""
        body = service.reply_text(text, True)
        size = self.channel.measure(body)
        kept = utcnow() - at < self.channel.retention  # as `flask purge` run now would leave it
        message_id = sms_storage.insert_message(self.db, {
            "invitation_id": None, "purpose": "case-reply", "phone": number if kept else None,
            "phone_hash": self.channel.key(number), "body": body, "segments": size.segments,
            "encoding": size.encoding, "status": "sent", "transport": "outbox", "attempts": 1,
            "next_attempt_at": to_stored(at), "created_at": to_stored(at), "claimed_at": to_stored(at),
            "sent_at": to_stored(at), "finished_at": to_stored(at), "updated_at": to_stored(at)})
        return message_id, size.segments
