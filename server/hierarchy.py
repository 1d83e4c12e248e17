"""The office tree under the two structures a report can use (pure).

- historical: every office as it was; an office merged away keeps its old parent.
- current: an office merged into another counts as its successor (following the chain
  of merges), and a parent that was merged away is replaced by its successor, so old
  communes roll up under the offices that exist today.
"""

from dataclasses import dataclass

STRUCTURES = ("current", "historical")


@dataclass(frozen=True)
class Office:
    id: int
    code: str
    name: str
    kind: str
    parent_id: int | None
    merged_into: int | None
    merged_at: str | None


class OfficeTree:
    def __init__(self, offices):
        self.by_id = {office.id: office for office in offices}
        self.by_code = {office.code: office for office in offices}
        self._children = {"current": {}, "historical": {}}
        for office in offices:
            if office.parent_id is not None:
                self._children["historical"].setdefault(office.parent_id, []).append(office.id)
            if office.merged_into is None:
                parent = self.parent(office.id, "current")
                if parent is not None:
                    self._children["current"].setdefault(parent, []).append(office.id)

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

    def resolve(self, office_id, structure):
        return self.successor(office_id) if structure == "current" else office_id

    def parent(self, office_id, structure):
        parent = self.by_id[office_id].parent_id
        if parent is None:
            return None
        return self.resolve(parent, structure)

    def children(self, office_id, structure):
        return sorted(self._children[structure].get(office_id, []), key=lambda i: self.by_id[i].code)

    def roots(self, structure):
        roots = [
            office.id for office in self.by_id.values()
            if office.parent_id is None and (structure == "historical" or office.merged_into is None)
        ]
        return sorted(roots, key=lambda i: self.by_id[i].code)

    def lineage(self, office_id, structure):
        """The office (resolved) and all its ancestors, nearest first."""
        chain = []
        current = self.resolve(office_id, structure)
        while current is not None and current not in chain:
            chain.append(current)
            current = self.parent(current, structure)
        return chain

    def contains(self, ancestor_id, office_id):
        """Whether `office_id` lies in the subtree of `ancestor_id` in either structure."""
        return any(ancestor_id in self.lineage(office_id, s) for s in STRUCTURES)

    def subtree(self, office_id, structure):
        """Ids of every office whose ratings count under `office_id` in that structure."""
        return {
            candidate for candidate in self.by_id
            if office_id in self.lineage(candidate, structure)
        }
