"""Admin pages: offices, counters, officers, kiosks, users and tokens managed from the web,
each change real enough that the API sees it."""

import re

from server.db import get_db
from server.offices import load_tree
from tests.dashboards.support import post_form, without_csrf_tokens
from tests.support import auth


def test_an_admin_adds_an_office_under_a_district(as_user):
    client = as_user("admin")
    response = post_form(client, "/admin/offices", {"action": "add", "code": "gn-moi", "name": "UBND phường Mới",
                                                    "parent": "LDG-NGN", "kind": "ward"})
    assert response.status_code == 302
    page = client.get("/admin/offices").text
    assert "GN-MOI" in page and "UBND phường Mới" in page
    office_page = client.get("/dashboard/office/GN-MOI").text
    assert "Trung tâm Phục vụ hành chính công phường Nam Gia Nghĩa</a>" in office_page.split('class="breadcrumbs"')[1]


def test_a_bad_office_is_refused_with_a_reason_and_nothing_changes(as_user):
    client = as_user("admin")
    before = client.get("/admin/offices").text.count("<tr>")
    response = post_form(client, "/admin/offices", {"action": "add", "code": "có dấu", "name": "X",
                                                    "parent": "LDG-NGN"})
    page = client.get(response.location).text
    assert "office code must be" in page
    assert page.count("<tr>") == before


def test_a_kiosk_added_from_the_web_works_and_revoking_it_locks_it_out(as_user):
    client = as_user("admin")
    page = post_form(client, "/admin/kiosks", {"office": "LDG-NGN", "counter": "Quầy 9"}).text
    token = re.search(r'data-token>([^<]+)<', page).group(1)
    heartbeat = {"queue_length": 0, "app_version": "2.0"}
    assert client.application.test_client().post("/api/v1/kiosk/heartbeat", headers=auth(token),
                                                  json=heartbeat).status_code == 200
    kiosk_id = re.search(r'Đã thêm máy (\d+)', page).group(1)
    assert token not in client.get("/admin/kiosks").text  # shown once only
    post_form(client, f"/admin/kiosks/{kiosk_id}/revoke", {}, page="/admin/kiosks")
    assert client.application.test_client().post("/api/v1/kiosk/heartbeat", headers=auth(token),
                                                  json=heartbeat).status_code == 401


def test_officers_and_counters_are_managed_from_the_web(as_user):
    client = as_user("admin")
    post_form(client, "/admin/staff", {"action": "add_staff", "code": "GN-CB99", "name": "Lê Thị Mới",
                                       "office": "LDG-NGN", "counter": "Quầy 7"})
    page = client.get("/admin/staff").text
    row = page.split("GN-CB99</td>")[1].split("</tr>")[0]
    assert "Lê Thị Mới" in row and "Quầy 7" in row


def test_a_user_is_added_with_a_normalised_phone_and_can_log_in(as_user, demo_app):
    client = as_user("admin")
    post_form(client, "/admin/users", {"username": "chu.tich", "password": "long-password", "role": "supervisor",
                                       "office": "LDG-QKH", "phone": "0912 345 678", "email": "ct@daklong.gov.vn"})
    with demo_app.app_context():
        row = get_db().execute("SELECT role, phone, email FROM users WHERE username = 'chu.tich'").fetchone()
    assert tuple(row) == ("supervisor", "+84912345678", "ct@daklong.gov.vn")
    bad = post_form(client, "/admin/users", {"username": "x", "password": "long-password", "role": "viewer",
                                             "office": "LDG-QKH", "phone": "12"})
    assert "không phải là số điện thoại hợp lệ" in client.get(bad.location).text


def test_a_supervisor_or_viewer_needs_an_office(as_user):
    client = as_user("admin")
    response = post_form(client, "/admin/users", {"username": "no.scope", "password": "long-password",
                                                  "role": "viewer", "office": ""})
    assert "cần có cơ quan" in client.get(response.location).text
    assert "no.scope" not in client.get("/admin/users").text


def test_an_api_token_made_on_the_web_works_until_revoked(as_user):
    client = as_user("admin")
    users = client.get("/admin/tokens").text
    user_id = re.search(r'<option value="(\d+)">giangia</option>', users).group(1)
    page = post_form(client, "/admin/tokens", {"user": user_id}, page="/admin/tokens").text
    token = re.search(r'data-token>([^<]+)<', page).group(1)
    api = client.application.test_client()
    assert api.get("/api/v1/stats", headers=auth(token)).status_code == 200
    token_id = re.search(r'action="/admin/tokens/(\d+)/revoke"', page).group(1)
    post_form(client, f"/admin/tokens/{token_id}/revoke", {}, page="/admin/tokens")
    assert api.get("/api/v1/stats", headers=auth(token)).status_code == 401


def test_admin_forms_without_a_csrf_token_change_nothing(as_user):
    client = as_user("admin")
    response = client.post("/admin/offices", data={"action": "add", "code": "CSRF", "name": "X", "parent": "LDG-NGN"})
    assert response.status_code == 400
    assert "CSRF" not in without_csrf_tokens(client.get("/admin/offices").text).replace("csrf_token", "")


def test_a_scoped_admin_cannot_put_another_offices_officer_on_duty_at_their_counter(demo_app):
    """The outside review's finding 4: a LDG-NGN admin assigned an officer of Đắk Mil to a LDG-NGN counter."""
    from tests.dashboards.support import log_in
    from tests.support import add_user
    add_user(demo_app, "gn-admin", "admin", "LDG-NGN")
    client = demo_app.test_client()
    log_in(client, "gn-admin", "correct-horse")
    with demo_app.app_context():
        db = get_db()
        counter_id, before = db.execute("""SELECT c.id, c.staff_id FROM counters c JOIN offices o ON o.id = c.office_id
                                           WHERE o.code = 'LDG-NGN' ORDER BY c.id LIMIT 1""").fetchone()
        outsider = db.execute("""SELECT s.code FROM staff s JOIN offices o ON o.id = s.office_id
                                 WHERE o.code LIKE 'DM%' LIMIT 1""").fetchone()[0]
    response = post_form(client, "/admin/staff", {"action": "assign", "counter": str(counter_id), "staff": outsider})
    assert "Không có quầy hoặc cán bộ này." in client.get(response.location).text
    with demo_app.app_context():
        assert get_db().execute("SELECT staff_id FROM counters WHERE id = ?", [counter_id]).fetchone()[0] == before


def test_the_counters_page_offers_each_counters_rating_page_and_poster(as_user, demo_app):
    client = as_user("admin")
    page = client.get("/admin/staff").text
    poster = re.search(r'href="(/admin/counters/(\d+)/poster\.pdf)"', page)
    assert poster and "Trang đánh giá (mã QR)" in page
    pdf = client.get(poster.group(1))
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    page = client.get("/admin/staff").text  # the poster made the counter's code: its address is shown
    assert re.search(r'href="http://127\.0\.0\.1:5000/r/[A-Z0-9]{6}"', page)
    going = client.get(f"/admin/counters/{poster.group(2)}/rating-page")
    assert going.status_code == 302 and "/r/" in going.headers["Location"]
    assert client.get("/admin/counters/999999/poster.pdf").status_code == 404
    assert as_user("tinh").get(poster.group(1)).status_code == 403  # supervisors do not administer


def _merged_office(demo_app):
    with demo_app.app_context():
        return get_db().execute("""SELECT o.code, m.code, o.merged_at FROM offices o
                                   JOIN offices m ON m.id = o.merged_into
                                   ORDER BY o.code LIMIT 1""").fetchone()


def test_an_office_page_shows_its_history_and_records_a_change_from_the_web(as_user, demo_app):
    client = as_user("admin")
    old, new, merged_at = _merged_office(demo_app)
    page = client.get(f"/admin/offices/{old}").text
    assert f"{old} merged into {new}" in page and merged_at in page
    assert "Chuyển sang đơn vị cấp trên khác" not in page  # an office merged away takes no more changes
    post_form(client, f"/admin/offices/{new}", {"action": "rename", "name": "UBND xã Đổi Tên",
                                                "effective": "2026-10-01"})
    page = client.get(f"/admin/offices/{new}").text
    assert "renamed from" in page and "UBND xã Đổi Tên" in page and "admin" in page
    token = client.application.test_cli_runner().invoke(args=["user", "token", "admin"]).output.splitlines()[-1]
    rows = client.get("/api/v1/stats", query_string={"office": new, "structure": "historical", "from": "2026-09-01",
                                                     "to": "2026-10-31"}, headers=auth(token)).json["rows"]
    assert [row["office_name"] for row in rows][-1] == "UBND xã Đổi Tên"
    assert "UBND xã Đổi Tên" not in [row["office_name"] for row in rows][:-1]


def test_the_users_page_flags_a_user_scoped_to_a_merged_office(as_user, demo_app):
    old, new, merged_at = _merged_office(demo_app)
    result = demo_app.test_cli_runner().invoke(args=["user", "add", "cu.scope", "--role", "viewer", "--office", old,
                                                     "--password", "correct-horse"])
    assert result.exit_code == 0, result.output
    page = as_user("admin").get("/admin/users").text
    row = page.split("cu.scope")[1].split("</td>")[0]
    assert f"{old}" in row and f"{new}" in row and merged_at in row


def _select(html, name, index=0):
    """The `index`-th <select name=...> of the page, with what it has selected."""
    found = re.findall(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert found, name
    options = re.findall(r'<option value="([^"]*)"\s*(selected)?', found[index])
    return [value for value, _ in options], [value for value, chosen in options if chosen]


def test_the_kiosk_and_merge_forms_start_with_no_office_chosen(as_user):
    client = as_user("admin")
    values, chosen = _select(client.get("/admin/kiosks").text, "office")
    assert values[0] == "" and chosen == [""] and "LDG" in values  # not the province by being first
    offices_page = client.get("/admin/offices").text
    for name in ("old", "new"):
        values, chosen = _select(offices_page, name)
        assert chosen == [""] and values[0] == "", name  # not "DNO into DNO"
    assert "— chọn cơ quan —" in offices_page


def test_a_kiosk_without_an_office_is_refused_in_the_form_and_none_is_made(as_user, demo_app):
    client = as_user("admin")
    with demo_app.app_context():
        before = get_db().execute("SELECT COUNT(*) FROM kiosks").fetchone()[0]
    response = post_form(client, "/admin/kiosks", {"office": "", "counter": "Quầy 7"})
    assert response.status_code == 400
    assert re.search(r'<select name="office" required aria-invalid="true"', response.text)
    assert '<span class="field-error" id="problem-office">Hãy chọn một cơ quan.</span>' in response.text
    assert 'value="Quầy 7"' in response.text  # what was typed is kept
    with demo_app.app_context():
        assert get_db().execute("SELECT COUNT(*) FROM kiosks").fetchone()[0] == before


def test_merging_an_office_into_itself_is_refused_with_a_message_in_the_form(as_user, demo_app):
    client = as_user("admin")
    response = post_form(client, "/admin/offices", {"action": "merge", "old": "LDG-NGN", "new": "LDG-NGN",
                                                    "effective": "2026-11-01"})
    assert response.status_code == 400
    assert "Không thể sáp nhập một cơ quan vào chính nó" in response.text
    assert re.search(r'<select name="new" required aria-invalid="true"', response.text)
    _values, chosen = _select(response.text, "old")
    assert chosen == ["LDG-NGN"]  # the form as posted, to correct
    empty = post_form(client, "/admin/offices", {"action": "merge", "old": "", "new": "", "effective": ""})
    assert empty.status_code == 400 and "Hãy chọn cơ quan bị sáp nhập." in empty.text
    assert "Hãy chọn cơ quan tiếp nhận." in empty.text and "Hãy nhập ngày đầu tiên" in empty.text
    with demo_app.app_context():
        assert get_db().execute("SELECT merged_into FROM offices WHERE code = 'LDG-NGN'").fetchone()[0] is None


def test_the_officer_on_duty_is_picked_from_the_officers_of_that_counters_office(as_user, demo_app):
    client = as_user("admin")
    with demo_app.app_context():
        db = get_db()
        # A counter with an officer on duty: that officer's colleagues of the same office serve there too.
        counter_id, office_id = db.execute("""SELECT c.id, s.office_id FROM counters c JOIN staff s
                                              ON s.id = c.staff_id ORDER BY c.id LIMIT 1""").fetchone()
        own = {row[0] for row in db.execute("SELECT code FROM staff WHERE office_id = ? AND active = 1", [office_id])}
        elsewhere = db.execute("""SELECT s.code FROM staff s JOIN offices o ON o.id = s.office_id
                                  WHERE o.code LIKE 'TD%' AND s.office_id != ? LIMIT 1""", [office_id]).fetchone()[0]
    page = client.get("/admin/staff").text
    form = re.search(rf'name="counter" value="{counter_id}">(.*?)</form>', page, re.S).group(1)
    assert '<input name="staff"' not in form  # no typed code
    offered = set(re.findall(r'<option value="([^"]+)"', form))
    assert own and own <= offered and elsewhere not in offered
    pick = sorted(own)[0]
    post_form(client, "/admin/staff", {"action": "assign", "counter": str(counter_id), "staff": pick})
    with demo_app.app_context():
        assert get_db().execute("""SELECT s.code FROM counters c JOIN staff s ON s.id = c.staff_id
                                   WHERE c.id = ?""", [counter_id]).fetchone()[0] == pick


def test_admin_lists_read_the_office_tree_once_not_per_row_and_still_show_only_the_admins_scope(demo_app, as_user,
                                                                                            monkeypatch):
    """The counters-and-officers page loaded the whole tree again for every row (169 times,
    356 ms on the 10M demo); the scope check is the same with the request's one tree."""
    from dashboards import admin, web
    from tests.dashboards.support import log_in
    from tests.support import add_user

    loads = []
    for module in (admin, web):  # every name the admin pages load the tree by, counted
        monkeypatch.setattr(module, "load_tree", lambda db: loads.append(1) or load_tree(db))
    client = as_user("admin")
    for path in ("/admin/staff", "/admin/offices", "/admin/kiosks", "/admin/users"):
        loads.clear()
        assert client.get(path).status_code == 200
        assert len(loads) <= 2, path  # the page's one, and the office picker's: not one per row
    add_user(demo_app, "ngn-admin", "admin", "LDG-NGN")
    scoped = demo_app.test_client()
    log_in(scoped, "ngn-admin", "correct-horse")
    page = scoped.get("/admin/staff").text
    with demo_app.app_context():
        db = get_db()
        offices = load_tree(db)
        home = offices.by_code["LDG-NGN"].id
        codes = {code for (code,) in db.execute(
            "SELECT DISTINCT o.code FROM counters c JOIN offices o ON o.id = c.office_id")}
    inside = {code for code in codes if offices.contains(home, offices.by_code[code].id)}
    assert "LDG-NGN" in inside and len(inside) < len(codes)
    assert {code for code in codes if f">{code}<" in page} == inside
