"""POST /api/v1/dossiers/events: the dossier system's events, answered per event like ratings.

Each event is checked on its own (a bad one is `rejected` naming the field, and never
takes a good one down); re-sent ids are `duplicate`. Every accepted event is stored, then
each dossier it touches is derived again from all its events (dossiers.state), its rollup
counts moved from the old state to the new, and — when it has just been returned — its
satisfaction invitation queued, all in the request's one write transaction.
"""

import datetime as dt
import re
import uuid

from dossiers import state, storage
from server import offices, scope
from server.ratings import OLDEST_ACCEPTED, is_text
from server.timeutil import from_stored, parse_client_time, to_stored
from sms import phones

MAX_CODE = 64
CANONICAL_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\Z")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
FUTURE_TOLERANCE = dt.timedelta(minutes=10)
# A dossier returned longer ago than this (its event arrived late) gets no invitation:
# a citizen asked about a visit a week ago has forgotten it, and may not welcome the text.
INVITE_ONLY_WITHIN = dt.timedelta(hours=24)


class EventError(ValueError):
    """One event is not acceptable; the message names the field."""


class Places:
    """Offices, counters and officers looked up once per batch, and the stored text of each
    moment read (`moment`, `stored`), so a batch turns each timestamp to text only once."""

    def __init__(self, db, tree, user):
        self.db, self.tree, self.user = db, tree, user
        self._texts = {}
        self._latest = None
        self._offices = {}
        self._counters = {}
        self._staff = {}
        self._serves = {}

    def office(self, code):
        if not isinstance(code, str) or not code.strip():
            raise EventError("office: must be an office code")
        found = self._offices.get(code)
        if found is None:
            # The same answer for an unknown office and one outside the scope: codes are not enumerable.
            try:
                found = scope.visible_office(self.tree, self.user, code)
            except scope.OutOfScope:
                found = EventError(f"office: unknown office {code.strip()[:32]!r} (or outside your scope)")
            self._offices[code] = found
        if isinstance(found, EventError):
            raise found
        return found

    def latest(self, now):
        """The latest moment an event may claim: now + FUTURE_TOLERANCE (once per batch)."""
        if self._latest is None or self._latest[0] != now:
            self._latest = (now, now + FUTURE_TOLERANCE)
        return self._latest[1]

    def moment(self, text):
        """from_stored(text), remembering its text."""
        moment = from_stored(text)
        self._texts[moment] = text
        return moment

    def stored(self, moment):
        """to_stored(moment) (None for None), from memory when it was read here."""
        if moment is None:
            return None
        text = self._texts.get(moment)
        return text if text is not None else to_stored(moment)

    def counter(self, office, label):
        if label is None:
            return None
        if not is_text(label) or not label.strip() or len(label) > MAX_CODE:
            raise EventError(f"counter: must be a counter label of at most {MAX_CODE} characters")
        key = (office.id, label.strip())
        if key not in self._counters:
            row = self.db.execute("SELECT id FROM counters WHERE office_id = ? AND label = ?", list(key)).fetchone()
            self._counters[key] = row[0] if row else None
        if self._counters[key] is None:
            raise EventError(f"counter: office {office.code} has no counter {label.strip()[:32]!r}")
        return self._counters[key]

    def staff(self, office, code):
        if code is None:
            return None
        if not is_text(code) or not code.strip() or len(code) > MAX_CODE:
            raise EventError(f"staff: must be a staff code of at most {MAX_CODE} characters")
        code = code.strip()
        if code not in self._staff:
            row = self.db.execute("SELECT id, office_id FROM staff WHERE code = ?", [code]).fetchone()
            self._staff[code] = row
        row = self._staff[code]
        key = (code, office.id)
        serves = self._serves.get(key)
        if serves is None:
            serves = self._serves[key] = row is not None and offices.officer_serves(self.tree, row[1], office.id)
        if not serves:
            raise EventError(f"staff: no officer {code[:32]!r} at office {office.code}")
        return row[0]


def _moment(value, name, now, timezone, future_ok=False, latest=None):
    """A datetime from an ISO timestamp with an offset, or (for due dates) a plain date,
    meaning the end of that local day. `latest`: now + FUTURE_TOLERANCE, if known."""
    if isinstance(value, str) and len(value) < 16 and _DATE.fullmatch(value.strip()):
        return None if not future_ok else value.strip()
    try:
        moment = parse_client_time(value)
    except ValueError as error:
        raise EventError(f"{name}: {error}") from None
    if not future_ok and moment > (latest or now + FUTURE_TOLERANCE):
        raise EventError(f"{name}: is in the future (check the sender's clock)")
    if moment < _oldest(timezone):  # a local date, as for ratings
        raise EventError(f"{name}: is before 2020")
    return moment


def _oldest(timezone, cache={}):  # noqa: B006 - one value per time zone
    """The first moment accepted: midnight at the start of OLDEST_ACCEPTED, local time."""
    oldest = cache.get(timezone)
    if oldest is None:
        oldest = cache[timezone] = dt.datetime.combine(OLDEST_ACCEPTED, dt.time(), timezone)
    return oldest


def parse_event(item, places, timezone, now):
    """(event row for storage, phone or None, state.Event), or EventError naming the field."""
    if not isinstance(item, dict):
        raise EventError("event must be a JSON object")
    event_id = item.get("id")
    if not (isinstance(event_id, str) and CANONICAL_UUID.match(event_id)):  # else the canonical form
        try:
            event_id = str(uuid.UUID(event_id)) if isinstance(event_id, str) else None
        except ValueError:
            event_id = None
    if event_id is None:
        raise EventError("id: must be a UUID string")
    code = item.get("dossier")
    if not is_text(code) or not code.strip() or len(code) > MAX_CODE:
        raise EventError(f"dossier: must be a dossier code of at most {MAX_CODE} characters")
    kind = item.get("type")
    if kind not in state.EVENT_TYPES:
        raise EventError(f"type: must be one of {', '.join(state.EVENT_TYPES)}")
    at = _moment(item.get("at"), "at", now, timezone, latest=places.latest(now))
    if at is None:
        raise EventError("at: must be an ISO 8601 timestamp with an offset, e.g. 2026-03-05T09:30:00+07:00")
    office = places.office(item.get("office"))
    counter_id = places.counter(office, item.get("counter"))
    staff_id = places.staff(office, item.get("staff"))
    service = item.get("service")
    if service is not None and (not is_text(service) or not service.strip() or len(service) > MAX_CODE):
        raise EventError(f"service: must be a procedure code of at most {MAX_CODE} characters")
    due_at = None
    if item.get("due_at") is not None:
        due_at = _moment(item.get("due_at"), "due_at", now, timezone, future_ok=True)
        if isinstance(due_at, str):  # a date: the end of that local day
            day = dt.date.fromisoformat(due_at)
            due_at = dt.datetime.combine(day, dt.time(23, 59, 59, 999000), timezone)
    elif kind == "due_changed":
        raise EventError("due_at: a due_changed event needs the new due date")
    phone = item.get("phone")
    if phone is not None:
        try:
            phone = phones.normalise(phone)
        except phones.PhoneError as problem:
            raise EventError(f"phone: {problem}") from None
    service = service.strip() if service else None
    at_stored, due_stored = to_stored(at), to_stored(due_at) if due_at else None
    row = (event_id, code.strip(), kind, at_stored, office.id, counter_id, staff_id, service, due_stored)
    # The event as state.derive sees it, at the stored precision (milliseconds, UTC), exactly as
    # event_from_row gives it back later: the state must not depend on whether it was read back.
    event = state.Event(event_id, kind, places.moment(at_stored), office.id, counter_id, staff_id, service,
                        places.moment(due_stored) if due_stored else None)
    return row, phone, event


def event_from_row(row, moment=from_stored):
    return state.Event(id=row["id"], type=row["type"], at=moment(row["at"]), office_id=row["office_id"],
                       counter_id=row["counter_id"], staff_id=row["staff_id"], service=row["service"],
                       due_at=moment(row["due_at"]) if row["due_at"] else None)


def dossier_from_row(row):
    """The stored state of a dossier row, as state.derive would give it."""
    if row is None:
        return None
    moment = lambda name: from_stored(row[name]) if row[name] else None  # noqa: E731
    return state.Dossier(
        office_id=row["office_id"], counter_id=row["counter_id"], staff_id=row["staff_id"], service=row["service"],
        received_at=moment("received_at"), promised_due_at=moment("promised_due_at"), due_at=moment("due_at"),
        returned_at=moment("returned_at"), returned_counter_id=row["returned_counter_id"],
        returned_staff_id=row["returned_staff_id"], cancelled_at=moment("cancelled_at"))


class DossierEvents:
    """Stores events and keeps dossiers, rollups and invitations in step (one per app)."""

    def __init__(self, timezone, invite=None, invite_after=dt.timedelta(minutes=120), link_offices=()):
        self.timezone = timezone
        self.invite = invite  # invite(db, user, fields, now) -> (id, status), the SMS channel's
        self.invite_after = invite_after
        self.link_offices = set(link_offices)

    def local_day(self, moment):
        return moment.astimezone(self.timezone).date().isoformat()

    def store(self, db, tree, user, items, now):
        """One result per item, in order. Call inside a write transaction.

        Per batch, not per event: one read of the ids already stored, one of the touched
        dossiers and of their earlier events, then one executemany per table written."""
        places = Places(db, tree, user)
        results, parsed = [], []
        for item in items:
            echo = item.get("id") if isinstance(item, dict) and is_text(item.get("id")) else None
            try:
                row, phone, event = parse_event(item, places, self.timezone, now)
            except EventError as problem:
                results.append({"id": echo, "status": "rejected", "error": str(problem)})
                continue
            results.append({"id": echo, "status": None, "error": None})
            parsed.append((len(results) - 1, row, phone, event))
        known = storage.existing_event_ids(db, [row[0] for _, row, _, _ in parsed])
        stored_at, new_rows, fresh, contacts = to_stored(now), [], {}, {}
        for index, row, phone, event in parsed:
            if row[0] in known:
                results[index]["status"] = "duplicate"
                continue
            known.add(row[0])
            results[index]["status"] = "accepted"
            new_rows.append((*row, user["id"], stored_at))
            fresh.setdefault(row[1], []).append(event)
            if phone is not None:
                contacts[row[1]] = phone  # the last one sent in the batch, as one upsert each would leave
        if fresh:
            earlier = storage.events_of(db, fresh)  # read before this batch's rows go in
            storage.insert_events(db, new_rows)
            storage.set_contacts(db, [(code, phone, stored_at) for code, phone in contacts.items()])
            self.rederive(db, tree, user, fresh, now, earlier, places)
        return results

    def rederive(self, db, tree, user, codes, now, earlier=None, places=None):
        """Derive each dossier again from all its events; move its rollup counts; invite.

        `codes` maps each code to its events not yet read back, if any (`earlier`: those
        stored before, read here when not given)."""
        fresh = codes if isinstance(codes, dict) else dict.fromkeys(codes, ())
        if earlier is None:
            earlier = storage.events_of(db, fresh)
        places = places or Places(db, tree, user)
        stored = storage.dossiers_by_code(db, fresh)
        totals, rows, returned, cancelled = {}, [], [], []
        local_day, updated_at = self.local_day, to_stored(now)
        for code in sorted(fresh):
            before_row = stored.get(code)
            events = [event_from_row(e, places.moment) for e in earlier.get(code, ())]
            events.extend(fresh[code])
            after = state.derive(events)
            if after is None:
                continue  # waiting for its `received` event; its events are kept
            before = dossier_from_row(before_row)
            apology_at = from_stored(before_row["apology_at"]) if before_row and before_row["apology_at"] else None
            if before != after:
                state.add_contribution(totals, before, apology_at, local_day, -1)
                state.add_contribution(totals, after, apology_at, local_day, +1)
            row = self._row(code, after, before_row, updated_at, places.stored)
            rows.append(row)
            if after.status == "cancelled":
                cancelled.append(code)
            elif after.returned_at is not None and (before is None or before.returned_at is None):
                returned.append((code, after, row))
        if returned:
            held = storage.contacts(db, [code for code, _, _ in returned])
            for code, dossier, row in returned:
                if self._invite(db, tree, user, code, dossier, row, now, held.get(code)):
                    cancelled.append(code)  # the number now lives only in the SMS outbox
        storage.forget_contacts(db, cancelled)
        storage.save_dossiers(db, rows)
        storage.apply_rollup_totals(db, totals)

    def _count(self, changes, before, after, apology_before, apology_after):
        delta = state.difference(state.contribution(before, apology_before, self.local_day),
                                 state.contribution(after, apology_after, self.local_day))
        for key, counts in delta.items():
            bucket = changes.setdefault(key, dict.fromkeys(state.COUNT_NAMES, 0))
            for name, n in counts.items():
                bucket[name] += n

    @staticmethod
    def _row(code, dossier, before_row, updated_at, stored):
        row = dict(before_row) if before_row else dict.fromkeys(storage.DOSSIER_COLUMNS)
        row.update({
            "code": code, "office_id": dossier.office_id, "counter_id": dossier.counter_id,
            "staff_id": dossier.staff_id, "service": dossier.service, "received_at": stored(dossier.received_at),
            "promised_due_at": stored(dossier.promised_due_at), "due_at": stored(dossier.due_at),
            "returned_at": stored(dossier.returned_at), "returned_counter_id": dossier.returned_counter_id,
            "returned_staff_id": dossier.returned_staff_id, "cancelled_at": stored(dossier.cancelled_at),
            "status": dossier.status, "updated_at": updated_at,
        })
        if row.get("apology_new_due_at"):  # the apology's new date stays the current due date
            row["due_at"] = row["apology_new_due_at"]
        return row

    def _invite(self, db, tree, user, code, dossier, row, now, phone):
        """Queue the citizen's invitation INVITE_AFTER after the return (the SMS channel's
        rules apply: opt-outs, the frequency cap, quiet hours); True when queued, as the raw
        number then lives only in the SMS outbox and the caller forgets it here."""
        if phone is None or self.invite is None or now - dossier.returned_at > INVITE_ONLY_WITHIN:
            return False
        office = tree.by_id[dossier.office_id]
        fields = {"phone": phone, "office": office.code, "reference": code,
                  "send_after": to_stored(dossier.returned_at + self.invite_after).replace("Z", "+00:00")}
        if dossier.service:
            fields["service"] = dossier.service
        # The counter and officer who returned the result go with the rating (as a rating link's do).
        fields.update(_counter_and_officer(db, dossier.returned_counter_id, dossier.returned_staff_id))
        if office.code in self.link_offices:
            fields["link"] = True
        try:
            invitation_id, status = self.invite(db, user, fields, now)
        except Exception as problem:  # noqa: BLE001 - an invitation refused must not lose the event
            row.update({"invitation_status": f"refused: {getattr(problem, 'args', [''])[0]}"[:200]})
        else:
            row.update({"invitation_id": invitation_id, "invitation_status": status})
            return True
        return False


def _counter_and_officer(db, counter_id, staff_id):
    """The invitation's `counter` (label) and `staff` (code) fields for these ids."""
    fields = {}
    if counter_id:
        row = db.execute("SELECT label FROM counters WHERE id = ?", [counter_id]).fetchone()
        if row:
            fields["counter"] = row[0]
    if staff_id:
        row = db.execute("SELECT code FROM staff WHERE id = ?", [staff_id]).fetchone()
        if row:
            fields["staff"] = row[0]
    return fields
