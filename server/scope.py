"""Who may see what: a user sees the subtree of their office; a user with no office, all.

Every route that asks "may this user see office X" comes here: `may_see` for filtering a
list, `check` to refuse, `office_for` / `visible_office` to find an office by code for a
user (an unknown code is refused like one outside the scope, so guessing codes tells
nothing; `office_for` lets an unscoped user hear that a code is unknown), and
`base_offices` for the offices a report is about. One exception, OutOfScope, says no: the
API answers it 403 with its message, the dashboards with their 403 page.
"""


class OutOfScope(PermissionError):
    """The user may not see this office (or the thing that belongs to it)."""


def _scope(user):
    return user["office_id"] if isinstance(user, dict) else user.office_id


def may_see(tree, user, office_id):
    scope = _scope(user)
    return scope is None or tree.contains(scope, office_id)


def check(tree, user, office, what=None):
    """Refuse with OutOfScope unless the user may see `office` (an Office of the tree)."""
    if not may_see(tree, user, office.id):
        raise OutOfScope(f"{what or 'office ' + office.code} is outside your scope")


def office_for(tree, user, code):
    """The office with this code for a report or a request: OutOfScope for one outside the
    user's scope, and for an unknown code when the user is scoped (so office codes cannot be
    enumerated through it); None for an unknown code when the user sees everything."""
    office = tree.by_code.get(code)
    if _scope(user) is not None and (office is None or not may_see(tree, user, office.id)):
        raise OutOfScope(f"office {code} is outside your scope")
    return office


def visible_office(tree, user, code):
    """The office with this code if the user may see it; OutOfScope otherwise, unknown codes too."""
    office = tree.by_code.get((code or "").strip().upper())
    if office is None or not may_see(tree, user, office.id):
        raise OutOfScope(f"office {code} is outside your scope")
    return office


def base_offices(tree, user, office, structure):
    """The offices a report is about: `office` (an Office, or None) checked against the
    scope; else the top of the user's scope; else the roots of the structure."""
    if office is not None:
        check(tree, user, office)
        return [office.id]
    if _scope(user) is not None:
        return [_scope(user)]
    return tree.roots(structure)
