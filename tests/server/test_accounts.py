"""Users and tokens have one owner (server.accounts): the same rules from the command line,
the admin pages and a server built without the dashboards."""

import pytest

from server import accounts, create_app
from server.db import get_db, write_transaction
from tests.support import add_offices


def _core_app(tmp_path):
    return add_offices(create_app({"DATABASE": str(tmp_path / "core.db"), "SQLITE_SYNCHRONOUS": "NORMAL",
                                   "TESTING": True}, components=[]))


def test_a_server_without_the_dashboards_keeps_a_users_phone_and_email(tmp_path):
    app = _core_app(tmp_path)
    with app.app_context():
        db = get_db()
        with write_transaction(db):
            office = db.execute("SELECT id FROM offices WHERE code = 'D'").fetchone()[0]
            user_id = accounts.add_user(db, "chu.tich", "supervisor", office, "long-password",
                                        phone="0912 345 678", email="chu.tich@example.vn")
        assert accounts.user(db, user_id)["phone"] == "+84912345678"
        assert accounts.user(db, user_id)["email"] == "chu.tich@example.vn"


def test_the_default_server_has_the_contact_columns_once_and_the_adopting_migration_recorded(app):
    with app.app_context():
        db = get_db()
        columns = [row[1] for row in db.execute("PRAGMA table_info(users)")]
        applied = {tuple(row) for row in db.execute("SELECT migration_set, name FROM _sqlite_migrations")}
    assert columns.count("phone") == 1 and columns.count("email") == 1
    assert ("core-adopted", "m001_user_contacts") in applied
    assert ("dashboards", "m001_contacts_logins_alerts") in applied


@pytest.mark.parametrize(("arguments", "field", "message"), [
    (("x", "admin", None, "short"), "password", "at least 8 characters"),
    (("x", "viewer", None, "long-password"), "office", "needs an office"),
    (("x", "chief", None, "long-password"), "role", "Choose a role"),
    (("", "admin", None, "long-password"), "username", "A username is needed"),
    (("a" * 65, "admin", None, "long-password"), "username", "at most 64"),
    (("taken", "admin", None, "long-password"), "username", "User taken already exists"),
])
def test_a_refused_user_names_the_field_and_nothing_is_stored(tmp_path, arguments, field, message):
    app = _core_app(tmp_path)
    with app.app_context():
        db = get_db()
        with write_transaction(db):
            accounts.add_user(db, "taken", "admin", None, "long-password")
        with pytest.raises(accounts.AccountError) as refused, write_transaction(db):
            accounts.add_user(db, *arguments)
        assert refused.value.field == field and message in str(refused.value)
        assert db.execute("SELECT username FROM users").fetchall() == [("taken",)]


def test_a_bad_phone_is_refused_by_name(tmp_path):
    app = _core_app(tmp_path)
    with app.app_context(), pytest.raises(accounts.AccountError) as refused:
        accounts.contacts("12", None)
    assert refused.value.field == "phone" and "12 is not a valid phone number" in str(refused.value)


def test_a_token_is_created_and_revoked_once(tmp_path):
    app = _core_app(tmp_path)
    client = app.test_client()
    with app.app_context():
        db = get_db()
        with write_transaction(db):
            token_id, token = accounts.create_token(db, accounts.add_user(db, "an", "admin", None, "long-password"))
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/stats", headers=headers).status_code == 200
    with app.app_context():
        db = get_db()
        with write_transaction(db):
            assert accounts.revoke_token(db, token_id) is True
            assert accounts.revoke_token(db, token_id) is False
    assert client.get("/api/v1/stats", headers=headers).status_code == 401
