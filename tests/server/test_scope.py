"""One scope rule (server.scope) and one exception: what a user may see, for the API and the pages."""

import pytest

from server import scope
from server.db import get_db
from server.offices import load_tree
from tests.support import add_user, auth


def test_a_user_sees_their_offices_subtree_and_nothing_else(province):
    with province.app_context():
        tree = load_tree(get_db())
    district = {"office_id": tree.by_code["D"].id}
    assert scope.may_see(tree, district, tree.by_code["C"].id)
    assert not scope.may_see(tree, district, tree.by_code["E"].id)
    assert scope.may_see(tree, {"office_id": None}, tree.by_code["E"].id)
    assert scope.base_offices(tree, district, None, "current") == [tree.by_code["D"].id]
    for code in ("E", "P", "NOPE"):  # an unknown code is refused like another office's
        with pytest.raises(scope.OutOfScope):
            scope.visible_office(tree, district, code)
    assert scope.visible_office(tree, district, " c ").code == "C"


def test_the_api_answers_an_office_outside_the_scope_403_naming_it(province, client):
    token = add_user(province, "huyen", "supervisor", "D")
    response = client.get("/api/v1/stats?office=E", headers=auth(token))
    assert response.status_code == 403 and "office E is outside your scope" in response.get_json()["error"]
    assert client.get("/api/v1/stats?office=C", headers=auth(token)).status_code == 200
