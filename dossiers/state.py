"""A dossier's state, derived from all its events whatever order they arrived in (pure).

The dossier system sends events ("received", "due_changed", "returned", "cancelled") that
may arrive late and out of order. The state is recomputed from every event known, sorted
by when it happened (`at`), never taken from the last one received:

- nothing counts until a `received` event is known (earlier events wait for it);
- the promised date is the `received` event's `due_at`, moved by each `due_changed` made
  before the promised date passed (a legitimate extension); a `due_changed` made after it
  passed is the apology's new date: it shows as the current due date but does not make a
  late dossier on time;
- the first `returned` event returns it; a `cancelled` event before any return cancels it
  (a cancelled dossier is never late);
- a dossier is late when it was returned after its promised date, or is still open past it.

`contribution` turns a state into the counts it adds to the dossier rollups, so a changed
state moves its counts (old contribution out, new in) in the same transaction.
"""

import datetime as dt
from dataclasses import dataclass

EVENT_TYPES = ("received", "due_changed", "returned", "cancelled")
# Order of events at the same instant: a dossier is received before anything else happens.
_SAME_INSTANT = {kind: index for index, kind in enumerate(EVENT_TYPES)}
COUNT_NAMES = ("received", "returned", "returned_on_time", "due", "due_on_time", "returned_late", "apologised",
               "apologised_in_time")


@dataclass(frozen=True)
class Event:
    id: str
    type: str
    at: dt.datetime
    office_id: int | None = None
    counter_id: int | None = None
    staff_id: int | None = None
    service: str | None = None
    due_at: dt.datetime | None = None


@dataclass(frozen=True)
class Dossier:
    office_id: int
    counter_id: int | None
    staff_id: int | None
    service: str | None
    received_at: dt.datetime
    promised_due_at: dt.datetime | None
    due_at: dt.datetime | None
    returned_at: dt.datetime | None
    returned_counter_id: int | None
    returned_staff_id: int | None
    cancelled_at: dt.datetime | None

    @property
    def status(self):
        if self.returned_at is not None:
            return "returned"
        return "cancelled" if self.cancelled_at is not None else "open"

    def late(self, now):
        """Returned after its promised date, or still open past it (cancelled: never)."""
        if self.promised_due_at is None or self.status == "cancelled":
            return False
        if self.returned_at is not None:
            return self.returned_at > self.promised_due_at
        return now > self.promised_due_at


def derive(events):
    """The Dossier its events describe, or None while no `received` event is known."""
    ordered = sorted(events, key=lambda e: (e.at, _SAME_INSTANT[e.type], e.id))
    received = next((e for e in ordered if e.type == "received"), None)
    if received is None:
        return None
    promised = due = received.due_at
    returned = cancelled = None
    for event in ordered:
        if event.at < received.at and event.type != "received":
            continue  # before the dossier existed: a sender's clock error, ignored
        if event.type == "due_changed" and event.due_at is not None:
            if promised is None or event.at <= promised:
                promised = event.due_at
            due = event.due_at
        elif event.type == "returned" and returned is None and cancelled is None:
            returned = event
        elif event.type == "cancelled" and returned is None and cancelled is None:
            cancelled = event
    return Dossier(
        office_id=received.office_id, counter_id=received.counter_id, staff_id=received.staff_id,
        service=received.service, received_at=received.at, promised_due_at=promised, due_at=due,
        returned_at=returned.at if returned else None,
        returned_counter_id=(returned.counter_id or received.counter_id) if returned else None,
        returned_staff_id=(returned.staff_id or received.staff_id) if returned else None,
        cancelled_at=cancelled.at if cancelled else None,
    )


def contribution(dossier, apology_at, local_day):
    """{(office_id, counter_id, staff_id, day): {count name: n}} this dossier adds to the rollups.

    `received` counts on the day it was received; `returned` and `returned_on_time` on the
    day it was returned (at the counter that returned it); `due`, `due_on_time`,
    `returned_late`, `apologised` and `apologised_in_time` on its promised day, so that
    "late" for a period can be told from its due dates: for promised days already past,
    late = due − due_on_time (returned late or still open); for today and later, only those
    already returned late. `apologised` counts dossiers not returned on time that have an
    apology; `apologised_in_time` those whose apology came on or before the promised date.
    """
    totals = {}
    add_contribution(totals, dossier, apology_at, local_day, +1)
    return {key: dict(zip(COUNT_NAMES, counts, strict=True)) for key, counts in totals.items()}


_RECEIVED, _RETURNED, _RETURNED_ON_TIME, _DUE, _DUE_ON_TIME, _RETURNED_LATE, _APOLOGISED, _APOLOGISED_IN_TIME = \
    range(len(COUNT_NAMES))


def add_contribution(totals, dossier, apology_at, local_day, sign):
    """Add `sign` × the dossier's contribution (see `contribution`) into `totals`,
    {key: [n per COUNT_NAMES]}: a batch of changed dossiers sums into one dict, old states
    with −1 and new ones with +1, written as one upsert per key."""
    if dossier is None:
        return

    def add(key, index):
        counts = totals.get(key)
        if counts is None:
            counts = totals[key] = [0] * len(COUNT_NAMES)
        counts[index] += sign

    office_id, counter_id, staff_id = dossier.office_id, dossier.counter_id or 0, dossier.staff_id or 0
    add((office_id, counter_id, staff_id, local_day(dossier.received_at)), _RECEIVED)
    promised, returned_at = dossier.promised_due_at, dossier.returned_at
    on_time = returned_at is not None and (promised is None or returned_at <= promised)
    if returned_at is not None:
        returned_key = (office_id, dossier.returned_counter_id or 0, dossier.returned_staff_id or 0,
                        local_day(returned_at))
        add(returned_key, _RETURNED)
        if on_time:
            add(returned_key, _RETURNED_ON_TIME)
    if promised is not None and dossier.status != "cancelled":
        due_key = (office_id, counter_id, staff_id, local_day(promised))
        add(due_key, _DUE)
        if on_time:
            add(due_key, _DUE_ON_TIME)
        elif returned_at is not None:
            add(due_key, _RETURNED_LATE)
        if apology_at is not None and not on_time:
            add(due_key, _APOLOGISED)
            if apology_at <= promised:
                add(due_key, _APOLOGISED_IN_TIME)


def difference(before, after):
    """after − before, per key and count, leaving out what did not change."""
    changes = {}
    for key in set(before) | set(after):
        old, new = before.get(key, {}), after.get(key, {})
        delta = {name: new.get(name, 0) - old.get(name, 0) for name in COUNT_NAMES}
        if any(delta.values()):
            changes[key] = delta
    return changes
