"""Cases: opening them with their ratings, listing them in scope, and acting on them.

Every function that writes is called inside the caller's write transaction (the rating's,
for `CaseOpener`; the request's, for actions), and writes the audit entry with the change.

Statuses: open (waiting for an answer; *overdue* once past `due_at`), answered (a reply
went by SMS or the supervisor recorded a call), closed (with an outcome). A citizen's
"2 = Chưa hài lòng" to the question whether the answer helped reopens the case with a new
due date; so may a supervisor.
"""

import base64
import datetime as dt
import json

from server import audit, scope
from server.ratings import Rating, StoredRating, rating_ids
from server.timeutil import from_stored, to_stored
from sms import phones

STATUSES = ("open", "answered", "closed")
FILTER_STATUSES = ("open", "answered", "closed", "overdue")
# Outcome codes and how the pages name them.
OUTCOMES = {
    "fixed": "Đã khắc phục",
    "explained": "Đã giải thích",
    "unverifiable": "Không xác minh được",
    "unreachable": "Không liên lạc được",
}
# Outcomes the system closes a case with by itself, never chosen by a supervisor: the rating
# no longer calls for an answer (edited to a satisfied level within its edit window, or
# flagged as misuse after it was stored). Such cases stay, with a timeline line, but are
# left out of the figures (see cases.figures).
SYSTEM_OUTCOMES = {
    "rating_changed": "Tự đóng: đánh giá đã được sửa thành mức hài lòng",
    "misuse": "Tự đóng: đánh giá bị đánh dấu bấm liên tiếp (lạm dụng)",
}
OUTCOME_LABELS = {**OUTCOMES, **SYSTEM_OUTCOMES}
MAX_NOTE = 2000
PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
FEEDBACK_QUESTION = "Nhắn 1 = Hài lòng với cách giải quyết, 2 = Chưa hài lòng"
FEEDBACK_TOPIC = "case-feedback"
# The SMS channel asks a dissatisfied citizen, after the follow-up, whether they want the
# office to contact them (1 yes, 2 no); the answer comes back under this topic.
CONTACT_TOPIC = "case-contact"


class CaseError(ValueError):
    """An action that cannot be done: `status` is the HTTP answer, `case` the current state (409)."""

    def __init__(self, status, message, case=None):
        super().__init__(message)
        self.status, self.case = status, case


class Rules:
    """What one deployment decides about cases: its scale, time zone, calendar and settings."""

    def __init__(self, scale, timezone, calendar, config):
        self.dissatisfied = frozenset(scale.dissatisfied_scores)
        self.timezone = timezone
        self.calendar = calendar
        self.due_days = config["CASE_DUE_WORKING_DAYS"]
        self.max_segments = config["CASE_REPLY_MAX_SEGMENTS"]
        self.escalation_days = config["CASE_ESCALATION_DAYS"]
        self.feedback_window = dt.timedelta(days=config["CASE_FEEDBACK_WINDOW_DAYS"])
        if self.due_days < 1:
            raise ValueError("CASE_DUE_WORKING_DAYS must be at least 1")

    def due(self, moment):
        """`due_days` working days after `moment`, at the same local time of day."""
        local = moment.astimezone(self.timezone)
        day = self.calendar.add(local.date(), self.due_days)
        return dt.datetime.combine(day, local.timetz())

    def working_days(self, start, end):
        return self.calendar.between(start.astimezone(self.timezone).date(), end.astimezone(self.timezone).date())

    def local_day(self, moment):
        return moment.astimezone(self.timezone).date().isoformat()


class CaseOpener:
    """The core's on_rating_stored hook: a case for every dissatisfied rating that says why
    (reasons or a comment) or leaves a way back (a contact), misuse-flagged ones excepted."""

    def __init__(self, rules):
        self.rules = rules

    def __call__(self, db, source, stored, now):
        dissatisfied = self.rules.dissatisfied
        chosen = [s for s in stored if s.score in dissatisfied and not s.misuse
                  and (s.rating.reasons or s.rating.comment or s.rating.extra.get("contact"))]
        if chosen:
            open_cases(db, self.rules, chosen, now)


class FollowupOpener:
    """The core's on_followup hook: reasons, a comment or a number that arrive after the score
    (the web's and SMS's second question) open the case then, or give an open case its number."""

    def __init__(self, rules):
        self.rules = rules

    def __call__(self, db, rating_id, extra, now):
        columns = ("client_id", "channel", "office_id", "counter_id", "staff_id", "score", "misuse", "local_day",
                   "created_at", "reasons", "comment")
        found = db.execute(f"SELECT {', '.join(columns)} FROM ratings WHERE id = ?", [rating_id]).fetchone()
        if found is None:
            return
        row = dict(zip(columns, found, strict=True))
        contact = extra.get("contact")
        case = db.execute("SELECT id, contact, status, outcome, office_id FROM cases WHERE rating_id = ?",
                          [rating_id]).fetchone()
        still_poor = row["score"] in self.rules.dissatisfied and not row["misuse"]
        if case is not None and not still_poor:
            if case[2] != "closed":  # edited to a satisfied level within its edit window
                withdraw(db, case[0], case[4], "rating_changed", now, {"score": row["score"]})
            return
        if case is not None and case[2] == "closed" and case[3] == "rating_changed":
            # edited back to a dissatisfied level: the case is needed again
            reopen(db, self.rules, {"id": case[0]}, "system", now, "rating changed back to dissatisfied")
            case = (case[0], case[1], "open", None, case[4])
        if case is not None:
            if contact and case[1] is None and case[2] != "closed":
                _save(db, case[0], {"contact": contact, "contact_source": row["channel"]}, now)
                event(db, case[0], "citizen", "contact", {}, now)
            return
        reasons = json.loads(row["reasons"]) if row["reasons"] else []
        if row["score"] not in self.rules.dissatisfied or row["misuse"] or not (reasons or row["comment"] or contact):
            return
        rating = Rating(row["client_id"], row["score"], from_stored(row["created_at"]), reasons=reasons,
                        comment=row["comment"], extra={"contact": contact} if contact else {})
        open_cases(db, self.rules, [StoredRating(row["client_id"], row["channel"], row["office_id"],
                                                 row["counter_id"], row["staff_id"], row["score"], row["misuse"],
                                                 row["local_day"], row["created_at"], rating)], now)


class MisuseCloser:
    """The core's on_misuse_flagged hook: a rating flagged as misuse after it was stored (a
    late-arriving tap just before it) no longer calls for an answer; its open case closes."""

    def __call__(self, db, rating_ids, now):
        found = db.execute("""SELECT id, office_id FROM cases WHERE status != 'closed'
                              AND rating_id IN (SELECT value FROM json_each(?))""",
                           [json.dumps(sorted(rating_ids))]).fetchall()
        for case_id, office_id in found:
            withdraw(db, case_id, office_id, "misuse", now, {})


def follow_moved_ratings(db, places):
    """The core's on_ratings_moved hook: a merger or kiosk move recorded late carried these
    ratings to another office; their cases go with them, so the successor's supervisors work
    them as theirs."""
    db.conn.executemany("UPDATE cases SET office_id = ? WHERE rating_id = ? AND office_id != ?",
                        [(office_id, rating_id, office_id) for rating_id, office_id, _counter in places])


def withdraw(db, case_id, office_id, outcome, now, details):
    """Close a case by itself (SYSTEM_OUTCOMES): kept with its timeline, audited, not deleted."""
    _save(db, case_id, {"status": "closed", "closed_at": to_stored(now), "outcome": outcome}, now)
    event(db, case_id, "system", "closed", {"outcome": outcome, **details}, now)
    audit.record(db, "system", "case.close", f"case:{case_id}", {"outcome": outcome}, office_id)


def open_cases(db, rules, chosen, now):
    """Open a case for each stored rating in `chosen` (see CaseOpener), in one statement.

    On the ingest path: the "opened" line of the timeline is the case row itself (see
    `timeline`), and due dates are computed once per local day.
    """
    ids = rating_ids(db, [s.client_id for s in chosen])
    stamp, rows, due_days = to_stored(now), [], {}
    for s in chosen:
        # The office is answerable from when it could know: when the rating reached the
        # server (a kiosk's queue may deliver it late), not before.
        moment = max(from_stored(s.created_at), now).astimezone(rules.timezone)
        day = moment.date()
        if day not in due_days:
            due_days[day] = rules.calendar.add(day, rules.due_days)
        due = to_stored(dt.datetime.combine(due_days[day], moment.timetz()))
        contact = s.rating.extra.get("contact")
        rows.append((ids[s.client_id], s.office_id, to_stored(moment), day.isoformat(), due, due, contact,
                     s.channel if contact else None, stamp))
    db.conn.executemany(
        """INSERT INTO cases (rating_id, office_id, status, opened_at, opened_day, due_at, first_due_at,
                              contact, contact_source, updated_at)
           VALUES (?, ?, 'open', ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (rating_id) DO NOTHING""", rows)


def event(db, case_id, actor, kind, details, now):
    db.execute("INSERT INTO case_events (case_id, at, actor, kind, details) VALUES (?, ?, ?, ?, ?)",
               [case_id, to_stored(now), actor, kind, json.dumps(details or {}, ensure_ascii=False)])


# --- reading ------------------------------------------------------------------------------

_SELECT = """SELECT c.id, c.office_id, o.code, o.name, c.status, c.opened_at, c.due_at, c.answered_at,
                    c.closed_at, c.outcome, c.contact IS NOT NULL, c.contact_source, c.feedback, c.feedback_at,
                    c.version, u.username, r.score, r.channel, r.reasons, r.comment, r.service, r.reference,
                    r.created_at, k.label, s.code, s.name, c.first_answered_at, c.answer_working_days,
                    c.updated_at, c.contact, c.contact_wanted
             FROM cases c JOIN ratings r ON r.id = c.rating_id JOIN offices o ON o.id = c.office_id
             LEFT JOIN users u ON u.id = c.assignee_id LEFT JOIN counters k ON k.id = r.counter_id
             LEFT JOIN staff s ON s.id = r.staff_id"""


def _case(row, now, show_contact=False):
    (case_id, office_id, code, name, status, opened_at, due_at, answered_at, closed_at, outcome, has_contact,
     contact_source, feedback, feedback_at, version, assignee, score, channel, reasons, comment, service,
     reference, rated_at, counter, staff_code, staff_name, first_answered_at, answer_days, updated_at,
     contact, contact_wanted) = row
    overdue = status == "open" and from_stored(due_at) < now
    case = {
        "id": case_id, "office": code, "office_name": name, "status": status, "overdue": overdue,
        "opened_at": opened_at, "due_at": due_at, "answered_at": answered_at, "closed_at": closed_at,
        "outcome": outcome, "assignee": assignee, "version": version,
        "rating": {"score": score, "channel": channel, "reasons": json.loads(reasons) if reasons else [],
                   "comment": comment, "created_at": rated_at, "service": service, "reference": reference,
                   "counter": counter, "staff": {"code": staff_code, "name": staff_name} if staff_code else None},
        "has_contact": bool(has_contact), "contact_source": contact_source,
        "contact": masked(contact), "contact_wanted": None if contact_wanted is None else bool(contact_wanted),
        "feedback": feedback, "feedback_at": feedback_at,
        "first_answered_at": first_answered_at, "answer_working_days": answer_days, "updated_at": updated_at,
    }
    if show_contact:
        case["contact_full"] = contact
    case["_office_id"] = office_id
    return case


def masked(number):
    """The SMS channel's masking (`+8491*****78`): nobody sees a case's number in full."""
    return phones.masked(number) if number else None


def public(case):
    return {key: value for key, value in case.items() if not key.startswith("_") and key != "contact_full"}


def get_case(db, case_id, now):
    row = db.execute(f"{_SELECT} WHERE c.id = ?", [case_id]).fetchone()
    return _case(row, now) if row else None


def timeline(db, case_id):
    """The case's events in order, beginning with its opening (the case row itself)."""
    opened = db.execute("""SELECT c.opened_at, r.channel, c.contact IS NOT NULL OR c.contact_erased_at IS NOT NULL
                           FROM cases c JOIN ratings r ON r.id = c.rating_id WHERE c.id = ?""", [case_id]).fetchone()
    rows = db.execute("SELECT at, actor, kind, details FROM case_events WHERE case_id = ? ORDER BY id",
                      [case_id]).fetchall()
    first = [{"at": opened[0], "actor": "system", "kind": "opened",
              "details": {"channel": opened[1], "has_contact": bool(opened[2])}}] if opened else []
    return first + [{"at": at, "actor": actor, "kind": kind, "details": json.loads(details)}
                    for at, actor, kind, details in rows]


def scope_offices(tree, user):
    """Office ids the user may see cases of (None: all)."""
    if user["office_id"] is None:
        return None
    return everything_is_none(tree, tree.subtree(user["office_id"], "current")
                              | tree.subtree(user["office_id"], "historical"))


def everything_is_none(tree, office_ids):
    """None when the offices are all there are (no filter needed: the queries walk an index)."""
    return None if office_ids is not None and len(office_ids) >= len(tree.by_id) else office_ids


def may_see(tree, user, office_id):
    return scope.may_see(tree, user, office_id)


def may_act(tree, user, office_id):
    return user["role"] in ("admin", "supervisor") and may_see(tree, user, office_id)


def encode_cursor(opened_at, case_id):
    return base64.urlsafe_b64encode(json.dumps([opened_at, case_id]).encode()).decode().rstrip("=")


def decode_cursor(text):
    try:
        opened_at, case_id = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
        if not isinstance(opened_at, str) or not isinstance(case_id, int) or isinstance(case_id, bool):
            raise ValueError
        if not 0 < case_id < 2 ** 63:
            raise ValueError
        return opened_at, case_id
    except (ValueError, TypeError, UnicodeDecodeError):
        raise CaseError(400, "cursor: not a cursor this API gave (use the `next` of the previous page)") from None


def list_cases(db, office_ids, status, start_day, end_day, now, cursor=None, limit=PAGE_SIZE):
    """Cases newest first, filtered; (cases, next cursor or None).

    `office_ids`: a set, or None for every office. `start_day`/`end_day`: local ISO dates
    of opening (inclusive), or None.
    """
    # `+`: the office is checked from the walked index, not used to pick an index
    clauses, params = _window(office_ids, start_day, end_day, office="+c.office_id", day="c.opened_day")
    if status == "overdue":
        clauses.append("c.status = 'open' AND c.due_at < ?")
        params.append(to_stored(now))
    elif status:
        clauses.append("c.status = ?")
        params.append(status)
    if cursor:
        opened_at, case_id = decode_cursor(cursor)
        clauses.append("(c.opened_at, c.id) < (?, ?)")
        params.extend([opened_at, case_id])
    where = (" WHERE " + " AND ".join(clauses)) if clauses else ""
    index = "cases_status_opened" if status else "cases_opened_office"
    select = _SELECT.replace("FROM cases c ", f"FROM cases c INDEXED BY {index} ", 1)
    rows = db.execute(f"{select}{where} ORDER BY c.opened_at DESC, c.id DESC LIMIT ?",
                      [*params, limit + 1]).fetchall()
    found = [_case(row, now) for row in rows[:limit]]
    following = encode_cursor(found[-1]["opened_at"], found[-1]["id"]) if len(rows) > limit else None
    return found, following


def _window(office_ids, start_day, end_day, office="office_id", day="opened_day"):
    """WHERE clauses and parameters for cases of these offices opened in these local days."""
    clauses, params = [], []
    if office_ids is not None:
        clauses.append(f"{office} IN (SELECT value FROM json_each(?))")
        params.append(json.dumps(sorted(office_ids)))
    if start_day:
        clauses.append(f"{day} >= ?")
        params.append(start_day)
    if end_day:
        clauses.append(f"{day} <= ?")
        params.append(end_day)
    return clauses, params


def counts(db, office_ids, start_day, end_day, now):
    """{open, overdue, answered, closed} for the list's tabs."""
    clauses, params = _window(office_ids, start_day, end_day)
    clauses, params = ["1", *clauses], [to_stored(now), *params]
    found = {"open": 0, "overdue": 0, "answered": 0, "closed": 0}
    for status, n, late in db.execute(f"""SELECT status, COUNT(*), SUM(status = 'open' AND due_at < ?)
                                          FROM cases INDEXED BY cases_status_opened WHERE {' AND '.join(clauses)}
                                          GROUP BY status""", params):
        found[status] = n
        found["overdue"] += late or 0
    return found


# --- acting -------------------------------------------------------------------------------

def _checked(db, tree, user, case_id, now, version):
    row = db.execute(f"{_SELECT} WHERE c.id = ?", [case_id]).fetchone()
    if row is None:
        raise CaseError(404, f"no case {case_id}")
    case = _case(row, now, show_contact=True)
    if not may_see(tree, user, case["_office_id"]):
        raise CaseError(404, f"no case {case_id}")
    if not may_act(tree, user, case["_office_id"]):
        raise CaseError(403, "viewers read cases; supervisors of the office (or above) and admins act on them")
    if version is not None and version != case["version"]:
        raise CaseError(409, f"the case changed meanwhile (version {case['version']}, not {version}): "
                             "reload it and try again", public(case))
    return case


def _save(db, case_id, changes, now):
    changes = {**changes, "updated_at": to_stored(now)}
    assignments = ", ".join(f"{column} = ?" for column in changes)
    db.execute(f"UPDATE cases SET {assignments}, version = version + 1 WHERE id = ?", [*changes.values(), case_id])


def _audit(db, user, action, case, details):
    audit.record(db, user["username"], action, f"case:{case['id']}", details, case["_office_id"])


def parse_changes(body):
    """The PATCH body's fields, checked; CaseError(400) naming the bad one."""
    known = ("assignee", "note", "status", "outcome", "version")
    changes = {key: body[key] for key in known if key in body}
    if not any(key in changes for key in ("assignee", "note", "status", "outcome")):
        raise CaseError(400, "body: give at least one of assignee, note, status, outcome")
    if "version" in changes:
        version = changes["version"]
        if not isinstance(version, int) or isinstance(version, bool) or not 0 < version < 2 ** 63:
            raise CaseError(400, "version: must be the case's version (a positive whole number)")
    elif any(key in changes for key in ("assignee", "status", "outcome")):
        raise CaseError(400, "version: required to change assignee, status or outcome (the case's `version`, "
                             "so two people acting at once do not overwrite each other)")
    if "assignee" in changes:
        value = changes["assignee"]
        if value is not None and (not isinstance(value, str) or not value.strip() or len(value) > 64):
            raise CaseError(400, "assignee: must be a username, or null to unassign")
    if "note" in changes:
        note = changes["note"]
        if not isinstance(note, str) or not note.strip() or len(note) > MAX_NOTE or "\x00" in note:
            raise CaseError(400, f"note: must be non-empty text of at most {MAX_NOTE} characters")
        try:
            note.encode("utf-8")
        except UnicodeEncodeError:
            raise CaseError(400, "note: must be valid Unicode text") from None
        changes["note"] = note.strip()
    if "status" in changes and changes["status"] not in STATUSES:
        raise CaseError(400, f"status: must be one of {', '.join(STATUSES)}")
    if "outcome" in changes and changes["outcome"] not in OUTCOMES:
        raise CaseError(400, f"outcome: must be one of {', '.join(OUTCOMES)}")
    status = changes.get("status")
    if "outcome" in changes and status not in (None, "closed"):
        raise CaseError(400, "outcome: only when closing (status closed)")
    if status == "closed" and "outcome" not in changes:
        raise CaseError(400, f"outcome: required to close a case ({', '.join(OUTCOMES)})")
    if status == "answered" and "note" not in changes:
        raise CaseError(400, "note: say how the citizen was answered (a call, in person) when marking it answered")
    return changes


def update(db, tree, rules, user, case_id, changes, now):
    """Apply a checked PATCH (see parse_changes); the case as it is now."""
    case = _checked(db, tree, user, case_id, now, changes.get("version"))
    actor = user["username"]
    if "assignee" in changes:
        assignee = _assignee(db, tree, changes["assignee"], case)
        if assignee["id"] != _assignee_id(db, case):
            _save(db, case_id, {"assignee_id": assignee["id"]}, now)
            event(db, case_id, actor, "assigned", {"assignee": assignee["username"]}, now)
            _audit(db, user, "case.assign", case, {"assignee": assignee["username"]})
    if "note" in changes and changes.get("status") != "answered":
        event(db, case_id, actor, "note", {"text": changes["note"]}, now)
        _audit(db, user, "case.note", case, {})
    status = changes.get("status")
    if status and status != case["status"]:
        if status == "answered":
            _answered(db, rules, case, now, {"answered_at": to_stored(now)})
            event(db, case_id, actor, "call", {"text": changes["note"]}, now)
            _audit(db, user, "case.answer", case, {"by": "call"})
        elif status == "closed":
            _save(db, case_id, {"status": "closed", "closed_at": to_stored(now), "outcome": changes["outcome"]}, now)
            event(db, case_id, actor, "closed", {"outcome": changes["outcome"]}, now)
            _audit(db, user, "case.close", case, {"outcome": changes["outcome"]})
        else:
            reopen(db, rules, case, actor, now, "supervisor")
            _audit(db, user, "case.reopen", case, {})
    elif status == "closed" and changes["outcome"] != case["outcome"]:
        _save(db, case_id, {"outcome": changes["outcome"]}, now)
        event(db, case_id, actor, "closed", {"outcome": changes["outcome"]}, now)
        _audit(db, user, "case.close", case, {"outcome": changes["outcome"]})
    elif status == "answered" and "note" in changes:  # already answered: the note is a further call
        event(db, case_id, actor, "call", {"text": changes["note"]}, now)
        _audit(db, user, "case.answer", case, {"by": "call"})
    return get_case(db, case_id, now)


def _assignee_id(db, case):
    return db.execute("SELECT assignee_id FROM cases WHERE id = ?", [case["id"]]).fetchone()[0]


def _assignee(db, tree, username, case):
    if username is None:
        return {"id": None, "username": None}
    row = db.execute("SELECT id, username, role, office_id FROM users WHERE username = ? AND disabled = 0",
                     [username.strip()]).fetchone()
    if row is None:
        raise CaseError(400, f"assignee: no enabled user {username.strip()[:40]!r}")
    user = dict(zip(("id", "username", "role", "office_id"), row, strict=True))
    if not may_act(tree, user, case["_office_id"]):
        raise CaseError(400, f"assignee: {user['username']} cannot act on {case['office']}'s cases "
                             "(a supervisor of that office or above, or an admin)")
    return user


def _answered(db, rules, case, now, changes):
    row = db.execute("SELECT first_answered_at, opened_at FROM cases WHERE id = ?", [case["id"]]).fetchone()
    if row[0] is None:
        changes["first_answered_at"] = to_stored(now)
        changes["answer_working_days"] = rules.working_days(from_stored(row[1]), now)
    _save(db, case["id"], {"status": "answered", **changes}, now)


def reopen(db, rules, case, actor, now, why):
    due = to_stored(rules.due(now))
    _save(db, case["id"], {"status": "open", "due_at": due, "closed_at": None, "outcome": None,
                           "alerted_at": None, "escalated_at": None}, now)
    event(db, case["id"], actor, "reopened", {"why": why, "due_at": due}, now)


def reply_text(text, ask):
    return f"{text}\n{FEEDBACK_QUESTION}" if ask else text


def check_reply(body, rules, measure, ask):
    """The reply's text, checked against the office's SMS length; CaseError(400) saying why not."""
    text = body.get("text")
    if not isinstance(text, str) or "\x00" in text:
        raise CaseError(400, "text: must be the reply's text")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise CaseError(400, "text: must be valid Unicode text") from None
    text = text.strip()
    if not text:
        raise CaseError(400, "text: the reply is empty")
    size = measure(reply_text(text, ask))
    if size.segments > rules.max_segments:
        raise CaseError(400, f"text: {size.segments} SMS segments ({size.encoding}, {size.units} characters with "
                             f"the question whether the answer helped); at most {rules.max_segments} allowed")
    return text, size


def reply(db, tree, rules, user, case_id, body, now, channel):
    """Queue an SMS reply to the citizen through the SMS channel; (message id, case, segments)."""
    version = body.get("version")
    if version is not None and (not isinstance(version, int) or isinstance(version, bool)
                                or not 0 < version < 2 ** 63):
        raise CaseError(400, "version: must be the case's version (a positive whole number)")
    case = _checked(db, tree, user, case_id, now, version)
    if channel is None:
        raise CaseError(409, "this server has no SMS channel to send replies with", public(case))
    if case["status"] == "closed":
        raise CaseError(409, "the case is closed: reopen it before replying", public(case))
    if case["contact_wanted"] is False:
        raise CaseError(409, "the citizen answered that they do not want to be contacted (their number was "
                             "erased): record what was done and close the case", public(case))
    if not case["contact_full"]:
        raise CaseError(409, "the citizen left no number to answer (or it was erased): record a call or "
                             "close the case", public(case))
    ask = db.execute("SELECT feedback_asked_at FROM cases WHERE id = ?", [case_id]).fetchone()[0] is None
    text, size = check_reply(body, rules, channel.measure, ask)
    message_id = channel.ask(db, case["contact_full"], reply_text(text, ask), "case-reply", now,
                             topic=FEEDBACK_TOPIC if ask else None, ref=case_id, window=rules.feedback_window)
    changes = {"answered_at": to_stored(now)}
    if ask:
        changes["feedback_asked_at"] = to_stored(now)
    _answered(db, rules, case, now, changes)
    event(db, case_id, user["username"], "reply", {"text": text, "segments": size.segments,
                                                   "message_id": message_id}, now)
    _audit(db, user, "case.reply", case, {"segments": size.segments, "message_id": message_id})
    return message_id, get_case(db, case_id, now), size


def record_feedback(db, rules, case_id, choice, now):
    """The citizen's answer to "did it help?": 1 satisfied, 2 not (which reopens the case).

    Only the first answer counts (the question is asked once); False if there is no such case.
    """
    case = get_case(db, case_id, now)
    if case is None:
        return False
    if case["feedback"] is not None:
        return True
    feedback = "satisfied" if choice == 1 else "unsatisfied"
    _save(db, case_id, {"feedback": feedback, "feedback_at": to_stored(now)}, now)
    event(db, case_id, "citizen", "feedback", {"feedback": feedback}, now)
    if feedback == "unsatisfied" and case["status"] != "open":
        reopen(db, rules, case, "citizen", now, "citizen not satisfied with the answer")
    return True


def record_contact_wish(db, client_id, choice, now):
    """The SMS citizen's answer to "do you want the office to contact you?" (1 yes, 2 no).

    Stored on the case of that rating (`contact_wanted`); a "no" erases the number there, as
    nothing is kept that the citizen did not want used. The first answer counts; False if
    the rating has no case.
    """
    row = db.execute("""SELECT c.id, c.contact_wanted, c.status FROM cases c JOIN ratings r ON r.id = c.rating_id
                        WHERE r.client_id = ?""", [client_id]).fetchone()
    if row is None:
        return False
    case_id, wanted, status = row
    if wanted is not None:
        return True
    changes = {"contact_wanted": int(choice == 1), "contact_wanted_at": to_stored(now)}
    if choice != 1:
        erased = db.execute("SELECT contact IS NOT NULL FROM cases WHERE id = ?", [case_id]).fetchone()[0]
        if erased:
            changes.update(contact=None, contact_erased_at=to_stored(now))
    _save(db, case_id, changes, now)
    event(db, case_id, "citizen", "contact_wish", {"wanted": choice == 1}, now)
    return True
