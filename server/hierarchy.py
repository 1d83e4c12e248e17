"""The office tree over time, under the two structures a report can use (pure).

Each office has a validity interval (active_from .. active_to) and a history of changes,
each from a local date on: a merger into a successor, a change of parent, a new name, a
closing. Kiosks have a history of placements (office and counter).

- historical: a rating counts under the office it was given at and the parents that office
  had on the rating's local day; a parent merged away by then stands for its successor.
- current: an office merged into another counts as its successor (following the chain of
  merges), each office sits under its latest parent (itself resolved to its successor), so
  old communes roll up under the offices of today's map.

Functions taking `day` (ISO text) answer for that local day; without it, historical questions
are answered for every day at once (an office counts under an ancestor it ever had).
"""

import datetime as dt
from dataclasses import dataclass, field

STRUCTURES = ("current", "historical")
FIRST_DAY, LAST_DAY = "0000-01-01", "9999-12-31"


@dataclass(frozen=True)
class Office:
    id: int
    code: str
    name: str
    kind: str
    parent_id: int | None
    merged_into: int | None
    merged_at: str | None
    active_from: str | None = None
    active_to: str | None = None
    # (effective day, parent id) and (effective day, name), sorted; the first entry's value is
    # what the office had before any change (effective FIRST_DAY).
    parents: tuple = field(default=(), compare=False)
    names: tuple = field(default=(), compare=False)

    @property
    def closed(self):
        """Closed without a successor (its kiosks are refused from the day after active_to)."""
        return self.merged_into is None and self.active_to is not None


def _on(history, day, default):
    value = default
    for effective, item in history:
        if effective > day:
            break
        value = item
    return value


class OfficeTree:
    def __init__(self, offices, kiosk_moves=()):
        self.by_id = {office.id: office for office in offices}
        self.by_code = {office.code: office for office in offices}
        # kiosk id -> [(effective, office id, counter id)] sorted; entry 0 is the first placement.
        self.kiosk_moves = {}
        for kiosk_id, effective, office_id, counter_id in sorted(kiosk_moves, key=lambda m: (m[0], m[1])):
            self.kiosk_moves.setdefault(kiosk_id, []).append((effective, (office_id, counter_id)))
        self._children = {"current": {}, "historical": {}}
        for office in offices:
            for parent in {p for _, p in office.parents} | {office.parent_id}:
                if parent is not None:
                    self._children["historical"].setdefault(parent, []).append(office.id)
            if office.merged_into is None:
                parent = self.parent(office.id, "current")
                if parent is not None:
                    self._children["current"].setdefault(parent, []).append(office.id)
        self._lineages = {}

    # -- mergers ---------------------------------------------------------------------------

    def successor(self, office_id):
        """The office that stands for `office_id` today (itself unless merged away)."""
        seen = set()
        while self.by_id[office_id].merged_into is not None and office_id not in seen:
            seen.add(office_id)
            office_id = self.by_id[office_id].merged_into
        return office_id

    def successor_on(self, office_id, day):
        """The office a rating given on local date `day` (ISO text) belongs to."""
        seen = set()
        office = self.by_id[office_id]
        while office.merged_into is not None and office.merged_at <= day and office.id not in seen:
            seen.add(office.id)
            office = self.by_id[office.merged_into]
        return office.id

    def resolve(self, office_id, structure, day=None):
        if structure == "current":
            return self.successor(office_id)
        return office_id if day is None else self.successor_on(office_id, day)

    # -- parents and names -----------------------------------------------------------------

    def parent_on(self, office_id, day):
        """The parent recorded for the office on that day (before resolving mergers)."""
        office = self.by_id[office_id]
        return _on(office.parents, day, office.parent_id) if office.parents else office.parent_id

    def parent(self, office_id, structure, day=None):
        if structure == "current":
            parent = self.by_id[office_id].parent_id  # the latest parent
            return None if parent is None else self.successor(parent)
        if day is None:
            return self.by_id[office_id].parent_id
        parent = self.parent_on(office_id, day)
        return None if parent is None else self.successor_on(parent, day)

    def name_on(self, office_id, day):
        office = self.by_id[office_id]
        return _on(office.names, day, office.name) if office.names else office.name

    def children(self, office_id, structure, day=None):
        if structure == "historical" and day is not None:
            found = {o for o in self.by_id if o != office_id and self.parent(o, "historical", day) == office_id
                     and self.exists_on(o, day)}
        else:
            found = set(self._children[structure].get(office_id, []))
        return sorted(found, key=lambda i: self.by_id[i].code)

    def exists_on(self, office_id, day):
        """Not merged away by that day (an office not yet opened has no ratings to show anyway)."""
        return (self.by_id[office_id].merged_at or LAST_DAY) > day

    def roots(self, structure, day=None):
        if structure == "historical" and day is not None:
            roots = [o for o in self.by_id if self.parent(o, "historical", day) is None and self.exists_on(o, day)]
        else:
            roots = [
                office.id for office in self.by_id.values()
                if (self.parent(office.id, "historical") is None if structure == "historical"
                    else office.parent_id is None and office.merged_into is None)
            ]
        return sorted(roots, key=lambda i: self.by_id[i].code)

    def lineage(self, office_id, structure, day=None):
        """The office (resolved) and all its ancestors, nearest first."""
        key = (office_id, structure, day)
        cached = self._lineages.get(key)
        if cached is not None:
            return cached
        chain = []
        current = self.resolve(office_id, structure, day)
        while current is not None and current not in chain:
            chain.append(current)
            current = self.parent(current, structure, day)
        self._lineages[key] = chain
        return chain

    # -- time ------------------------------------------------------------------------------

    def change_days(self):
        """Local days on which the historical structure changes (a parent or a merger)."""
        days = set()
        for office in self.by_id.values():
            days.update(effective for effective, _ in office.parents[1:])
            if office.merged_at:
                days.add(office.merged_at)
        return sorted(days)

    def segments(self, start, end):
        """[(first, last)] ISO days cutting start..end where the historical structure changes."""
        cuts = [day for day in self.change_days() if start < day <= end]
        bounds, first = [], start
        for cut in cuts:
            bounds.append((first, _day_before(cut)))
            first = cut
        bounds.append((first, end))
        return bounds

    def _all_days(self):
        return [FIRST_DAY, *self.change_days()]

    # -- scope -----------------------------------------------------------------------------

    def contains(self, ancestor_id, office_id):
        """Whether `office_id` lies in the subtree of `ancestor_id` in either structure, at any time."""
        if ancestor_id in self.lineage(office_id, "current"):
            return True
        return any(ancestor_id in self.lineage(office_id, "historical", day) for day in self._all_days())

    def subtree(self, office_id, structure, day=None):
        """Ids of every office whose ratings count under `office_id` in that structure
        (historical without a day: on some day)."""
        days = self._all_days() if structure == "historical" and day is None else [day]
        return {
            candidate for candidate in self.by_id
            if any(office_id in self.lineage(candidate, structure, d) for d in days)
        }

    # -- kiosks ----------------------------------------------------------------------------

    def kiosk_place_on(self, kiosk_id, day, office_id, counter_id):
        """(office id, counter id) of a kiosk on that day; the given ones if it never moved."""
        moves = self.kiosk_moves.get(kiosk_id)
        return _on(moves, day, (office_id, counter_id)) if moves else (office_id, counter_id)

    def closed_on(self, office_id, day):
        """The closing day (ISO) if the office is closed, without a successor, on that day."""
        office = self.by_id[office_id]
        if office.closed and office.active_to < day:
            return _day_after(office.active_to)
        return None


def _day_before(day):
    return (dt.date.fromisoformat(day) - dt.timedelta(days=1)).isoformat()


def _day_after(day):
    return (dt.date.fromisoformat(day) + dt.timedelta(days=1)).isoformat()
