"""The audit log: every admin action leaves exactly one entry naming who did it, nothing secret,
and the admin reads it at /admin/audit or with `flask audit`."""

import json
import re

import pytest

from server import audit, create_app
from server.db import get_db, write_transaction
from tests.dashboards.support import log_in, post_form
from tests.dashboards.test_alerts import add_supervisor, raised_alert
from tests.support import add_user

PASSWORD = "correct-horse"


def entries(app, action=None):
    with app.app_context():
        return audit.entries(get_db(), action=action, limit=1000)


def scalar(app, sql, params=()):
    with app.app_context():
        return get_db().execute(sql, params).fetchone()[0]


def invoke(app, *args):
    result = app.test_cli_runner().invoke(args=list(args))
    assert result.exit_code == 0, result.output
    return result.output


# (what to set up first, the command, the action and target it must record)
CLI_ACTIONS = [
    ([], ["office", "add", "X1", "Xã Mới", "--parent", "D"], "office.add", "office:X1"),
    ([], ["office", "merge", "C", "E", "--effective", "2025-07-01"], "office.merge", "office:C"),
    ([], ["office", "move", "C", "--parent", "E", "--effective", "2025-07-01"], "office.move", "office:C"),
    ([], ["office", "rename", "C", "Xã Mới", "--effective", "2025-07-01"], "office.rename", "office:C"),
    ([], ["office", "close", "C", "--effective", "2025-07-01"], "office.close", "office:C"),
    ([["kiosk", "add", "D", "--counter", "Quầy 3"]],
     ["kiosk", "move", "1", "--office", "E", "--counter", "Quầy 1", "--effective", "2025-07-01"], "kiosk.move",
     "kiosk:1"),
    ([], ["staff", "add", "CB9", "Lê Thị Hoa", "--office", "D", "--counter", "Quầy 2"], "staff.add", "staff:CB9"),
    ([], ["kiosk", "add", "D", "--counter", "Quầy 3"], "kiosk.add", "kiosk:1"),
    ([], ["kiosk", "add", "D", "--counter", "Quầy 3", "--pairing-code"], "kiosk.add", "kiosk:1"),
    ([["kiosk", "add", "D", "--counter", "Quầy 3"]], ["kiosk", "revoke", "1"], "kiosk.revoke", "kiosk:1"),
    ([], ["user", "add", "ng.an", "--role", "viewer", "--office", "D", "--password", PASSWORD], "user.add",
     "user:ng.an"),
    ([["user", "add", "ng.an", "--role", "admin", "--password", PASSWORD]], ["user", "token", "ng.an"],
     "token.create", "user:ng.an"),
]


@pytest.mark.parametrize("setup, command, action, target", CLI_ACTIONS, ids=[" ".join(c[1][:2]) for c in CLI_ACTIONS])
def test_each_command_line_action_leaves_one_entry_by_the_os_user(province, setup, command, action, target):
    for step in setup:
        invoke(province, *step)
    before = len(entries(province))
    output = invoke(province, *command)
    [entry] = entries(province, action)
    assert (entry["actor"], entry["target"]) == (audit.cli_actor(), target)
    assert len(entries(province)) == before + 1
    secret = output.strip().splitlines()[-1]  # a token or pairing code where the command prints one
    dump = json.dumps(entries(province), ensure_ascii=False)
    assert PASSWORD not in dump and secret not in dump


def test_a_refused_command_leaves_no_entry(province):
    before = len(entries(province))
    result = province.test_cli_runner().invoke(args=["office", "add", "D", "Trùng mã"])
    assert result.exit_code != 0 and "already exists" in result.output
    assert len(entries(province)) == before


@pytest.fixture
def admin_client(province):
    add_user(province, "quan.tri", "admin")
    client = province.test_client()
    assert log_in(client, "quan.tri", PASSWORD).status_code == 302
    return client


def staff_id(app):
    return scalar(app, "SELECT id FROM staff WHERE code = 'CB1'")


def counter_id(app):
    return scalar(app, "SELECT id FROM counters WHERE label = 'Quầy 1'")


def user_id(app):
    return scalar(app, "SELECT id FROM users WHERE username = 'quan.tri'")


def token_id(app):
    return scalar(app, "SELECT MAX(id) FROM api_tokens")


# (the form to post, given the app, and the action and target it must record)
WEB_ACTIONS = [
    (lambda app: ("/admin/offices", {"action": "add", "code": "x2", "name": "Phường Hai", "parent": "D",
                                     "kind": "ward"}), "office.add", "office:X2"),
    (lambda app: ("/admin/offices", {"action": "merge", "old": "C", "new": "E", "effective": "2025-07-01"}),
     "office.merge", "office:C"),
    (lambda app: ("/admin/offices/C", {"action": "move", "parent": "E", "effective": "2025-07-01"}),
     "office.move", "office:C"),
    (lambda app: ("/admin/offices/C", {"action": "rename", "name": "Phường Một", "effective": "2025-07-01"}),
     "office.rename", "office:C"),
    (lambda app: ("/admin/offices/C", {"action": "close", "effective": "2025-07-01"}), "office.close", "office:C"),
    (lambda app: ("/admin/offices/D", {"action": "kiosk_move", "kiosk": "1", "office": "E", "counter": "Quầy 2",
                                       "effective": "2025-07-01"}), "kiosk.move", "kiosk:1"),
    (lambda app: ("/admin/staff", {"action": "add_counter", "office": "D", "label": "Quầy 5"}), "counter.add",
     "counter:D/Quầy 5"),
    (lambda app: ("/admin/staff", {"action": "assign", "counter": counter_id(app), "staff": ""}), "counter.assign",
     "counter:D/Quầy 1"),
    (lambda app: ("/admin/staff", {"code": "CB7", "name": "Trần Văn Bảy", "office": "D"}), "staff.add", "staff:CB7"),
    (lambda app: ("/admin/staff", {"action": "toggle", "staff_id": staff_id(app)}), "staff.deactivate", "staff:CB1"),
    (lambda app: ("/admin/kiosks", {"office": "D", "counter": "Quầy 1"}), "kiosk.add", "kiosk:2"),
    (lambda app: ("/admin/kiosks/1/revoke", {}), "kiosk.revoke", "kiosk:1"),
    (lambda app: ("/admin/users", {"username": "xem.d", "password": "another-pass", "role": "viewer", "office": "D",
                                   "phone": "0912 345 678"}), "user.add", "user:xem.d"),
    (lambda app: (f"/admin/users/{scalar(app, 'SELECT id FROM users WHERE username = ?', ['admin'])}",
                  {"role": "supervisor", "office": "D", "password": "a-new-password", "phone": "0912 345 678"}),
     "user.change", "user:admin"),
    (lambda app: ("/admin/tokens", {"user": user_id(app)}), "token.create", "user:quan.tri"),
    (lambda app: (f"/admin/tokens/{token_id(app)}/revoke", {}), "token.revoke", "user:quan.tri"),
]


@pytest.mark.parametrize("form, action, target", WEB_ACTIONS, ids=[a[1] for a in WEB_ACTIONS])
def test_each_admin_page_action_leaves_one_entry_by_the_admin(province, kiosk, admin_token, admin_client, form,
                                                              action, target):
    url, data = form(province)
    page = "/admin/" + url.split("/")[2]  # the list page whose form posts there
    response = post_form(admin_client, url, data, page=page)
    assert response.status_code in (200, 302), response.text
    [entry] = [entry for entry in entries(province) if entry["actor"] == "quan.tri"]
    assert (entry["action"], entry["target"]) == (action, target)
    dump = json.dumps(entries(province), ensure_ascii=False)
    for secret in ("another-pass", "a-new-password", "+84912345678", "0912 345 678", admin_token, kiosk[1]):
        assert secret not in dump
    for token in re.findall(r"data-token>([^<]+)<", response.text):
        assert token not in dump


def test_saving_a_user_without_a_change_is_not_an_action(province, admin_client):
    add_user(province, "xem.e", "viewer", "E")
    xem = scalar(province, "SELECT id FROM users WHERE username = 'xem.e'")
    post_form(admin_client, f"/admin/users/{xem}", {"role": "viewer", "office": "E"}, page="/admin/users")
    assert entries(province, "user.change") == []


def test_acknowledging_an_alert_is_recorded_once_for_the_supervisor(database, province):
    app = create_app({"DATABASE": str(database), "TESTING": True})
    alert_id = raised_alert(app)
    client = app.test_client()
    log_in(client, "truong.d", "demo-password")
    for _ in range(2):  # a second click changes nothing and is no second action
        post_form(client, f"/dashboard/alerts/{alert_id}/acknowledge", {"comment": "Đã mở thêm quầy"},
                  page="/dashboard/alerts")
    [entry] = entries(app, "alert.acknowledge")
    assert (entry["actor"], entry["target"], entry["details"]) == ("truong.d", f"alert:{alert_id}",
                                                                  {"rule": "window"})


def test_a_kiosk_pairing_is_recorded_as_the_kiosk(province, client):
    code = invoke(province, "kiosk", "add", "D", "--counter", "Quầy 4", "--pairing-code").strip().splitlines()[-1]
    response = client.post("/api/v1/kiosk/pair", json={"code": code})
    assert response.status_code == 200
    kiosk_id = response.json["kiosk"]["id"]
    [entry] = entries(province, "kiosk.pair")
    assert (entry["actor"], entry["target"]) == (f"kiosk:{kiosk_id}", f"kiosk:{kiosk_id}")
    assert entry["details"] == {"office": "D", "counter": "Quầy 4"}
    dump = json.dumps(entries(province))
    assert code not in dump and response.json["token"] not in dump
    assert client.post("/api/v1/kiosk/pair", json={"code": code}).status_code == 404
    assert len(entries(province, "kiosk.pair")) == 1  # a refused pairing is no action


def test_record_belongs_inside_a_transaction_and_keeps_no_secret(app):
    with app.app_context():
        db = get_db()
        with pytest.raises(RuntimeError, match="inside the change's write transaction"):
            audit.record(db, "admin", "office.add", "office:X")
        with write_transaction(db), pytest.raises(ValueError, match="never keeps password, phone"):
            audit.record(db, "admin", "user.add", "user:x", {"password": "x", "phone": "+84912345678"})
        assert audit.entries(db) == []


def test_the_page_is_for_admins_newest_first_filtered_and_paged(province, admin_client):
    add_supervisor(province, "giam.sat", "D")
    for n in range(60):
        invoke(province, "office", "add", f"N{n:02d}", f"Xã {n}", "--parent", "E")
    page = admin_client.get("/admin/audit").text
    assert "Nhật ký quản trị" in page and "Thêm cơ quan" in page
    targets = re.findall(r"<td>office:(N\d\d)</td>", page)
    assert targets[:3] == ["N59", "N58", "N57"] and len(targets) == 50
    older = admin_client.get("/admin/audit?page=2").text
    assert re.findall(r"<td>office:(N\d\d)</td>", older)[-1] == "N00"
    only_users = admin_client.get("/admin/audit?action=user.add").text
    assert "office:N" not in only_users and "user:giam.sat" in only_users
    by_nobody = admin_client.get("/admin/audit", query_string={"actor": "someone.else"}).text
    assert "office:N" not in by_nobody and "Nhật ký không có mục nào phù hợp." in by_nobody
    admin_client.get("/language/en")
    assert "Audit log" in admin_client.get("/admin/audit").text

    supervisor = province.test_client()
    log_in(supervisor, "giam.sat", "demo-password")
    assert supervisor.get("/admin/audit").status_code == 403
    anonymous = province.test_client().get("/admin/audit")
    assert anonymous.status_code == 302 and "/login" in anonymous.location


def test_an_admin_scoped_to_an_office_reads_only_its_subtree(province):
    invoke(province, "office", "add", "UNDER-D", "Xã dưới D", "--parent", "D")
    invoke(province, "office", "add", "UNDER-E", "Xã dưới E", "--parent", "E")
    add_user(province, "admin.d", "admin", "D")
    client = province.test_client()
    log_in(client, "admin.d", PASSWORD)
    page = client.get("/admin/audit").text
    assert "office:UNDER-D" in page and "office:UNDER-E" not in page


def test_flask_audit_prints_the_newest_entries(province):
    for code in ("A1", "A2", "A3"):
        invoke(province, "office", "add", code, f"Xã {code}")
    lines = invoke(province, "audit", "--limit", "2").strip().splitlines()
    assert len(lines) == 2
    assert "office.add" in lines[0] and "office:A3" in lines[0] and audit.cli_actor() in lines[0]
    assert "office:A2" in lines[1]
    assert invoke(province, "audit", "--action", "kiosk.revoke").strip() == ""
