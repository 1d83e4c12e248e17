"""Nothing outside a user's office subtree is reachable: by page, export, API or guessed id."""

import json

import pytest

from server.db import get_db
from tests.dashboards.support import YEAR, post_form

OTHER_DISTRICT = "LDG-QKH"  # Đắk Glong; giangia supervises Gia Nghĩa (LDG-NGN)


@pytest.mark.parametrize("url", [
    f"/dashboard/office/{OTHER_DISTRICT}",
    f"/dashboard/office/{OTHER_DISTRICT}-QK",
    f"/dashboard?office={OTHER_DISTRICT}",
    f"/dashboard/compare?office={OTHER_DISTRICT}",
    f"/dashboard/comments?office={OTHER_DISTRICT}",
    f"/dashboard/kiosks?office={OTHER_DISTRICT}",
    f"/dashboard/export.csv?office={OTHER_DISTRICT}",
    f"/dashboard/export.xlsx?office={OTHER_DISTRICT}",
    f"/dashboard/report/{OTHER_DISTRICT}",
    "/dashboard/office/LDG",
    "/dashboard/office/NO-SUCH-OFFICE",
])
def test_a_supervisor_cannot_reach_another_district(as_user, url):
    client = as_user("giangia")
    separator = "&" if "?" in url else "?"
    response = client.get(url + separator + "preset=custom&from=2025-11-01&to=2026-10-31", follow_redirects=True)
    assert response.status_code == 403
    assert "Đắk Glong" not in response.text
    assert "Ngoài phạm vi của bạn" in response.text


def test_a_supervisors_own_pages_show_only_their_subtree(as_user):
    client = as_user("giangia")
    overview = client.get("/dashboard", query_string=YEAR).text
    assert "Gia Nghĩa" in overview
    assert "Đắk Glong" not in overview and "Tuy Đức" not in overview
    comments = client.get("/dashboard/comments", query_string=YEAR).text
    assert "Đắk Glong" not in comments
    kiosks = client.get("/dashboard/kiosks").text
    assert "Gia Nghĩa" in kiosks and "Đắk Glong" not in kiosks
    csv_text = client.get("/dashboard/export.csv", query_string=YEAR).text
    offices = {line.split(",")[1] for line in csv_text.splitlines()[1:]}
    assert offices and all(code.startswith("LDG-NGN") for code in offices)


def test_an_alert_of_another_district_can_be_neither_seen_nor_acknowledged(demo_app, as_user):
    with demo_app.app_context():
        db = get_db()
        other = db.execute("SELECT id FROM offices WHERE code = ?", [OTHER_DISTRICT]).fetchone()[0]
        alert_id = db["alerts"].insert({"rule": "rate", "office_id": other, "subject": f"office:{other}",
                                        "raised_at": "2026-10-30T02:00:00.000Z",
                                        "details": json.dumps({"rate": 0.5, "days": 7, "ratings": 40,
                                                               "threshold": 0.8})}).last_pk
        db.conn.commit()
    client = as_user("giangia")
    assert "Đắk Glong" not in client.get("/dashboard/alerts").text
    response = post_form(client, f"/dashboard/alerts/{alert_id}/acknowledge", {"comment": "not mine"},
                         page="/dashboard/alerts")
    assert response.status_code == 404
    with demo_app.app_context():
        assert get_db().execute("SELECT acknowledged_at FROM alerts WHERE id = ?", [alert_id]).fetchone()[0] is None


def test_a_viewer_reads_but_cannot_acknowledge_or_administer(demo_app, as_user):
    with demo_app.app_context():
        db = get_db()
        office = db.execute("SELECT id FROM offices WHERE code = 'LDG-DMI'").fetchone()[0]
        alert_id = db["alerts"].insert({"rule": "rate", "office_id": office, "subject": f"office:{office}",
                                        "raised_at": "2026-10-30T02:00:00.000Z",
                                        "details": json.dumps({"rate": 0.5, "days": 7, "ratings": 40,
                                                               "threshold": 0.8})}).last_pk
        db.conn.commit()
    client = as_user("xem")
    page = client.get("/dashboard/alerts").text
    assert "Đắk Mil" in page and "acknowledge" not in page
    response = post_form(client, f"/dashboard/alerts/{alert_id}/acknowledge", {"comment": "seen"},
                         page="/dashboard/alerts")
    assert response.status_code == 403
    for url in ("/admin/offices", "/admin/users", "/admin/kiosks", "/admin/tokens", "/admin/staff"):
        assert client.get(url).status_code == 403
    assert as_user("tinh").get("/admin/users").status_code == 403
