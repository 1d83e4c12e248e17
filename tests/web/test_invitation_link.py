"""`POST /api/v1/invitations` with `"link": true`: the SMS carries a rating link for the dossier."""

import re

from server.db import get_db
from tests.support import auth
from tests.web.support import BASE, form_fields


def test_an_invitation_with_link_true_carries_a_working_rating_link(app, client, token):
    answer = client.post("/api/v1/invitations", headers=auth(token),
                         json={"phone": "0912 345 678", "office": "D", "service": "1.001",
                               "reference": "H12-0001", "link": True})
    assert answer.status_code == 202, answer.json
    with app.app_context():
        [body] = [row[0] for row in get_db().execute("SELECT body FROM sms_messages")]
    assert body.startswith("Huyện Một cảm ơn Ông/Bà.") and "H12-0001" not in body
    [url] = re.findall(re.escape(BASE) + r"/l/\S+", body)
    path = url[len(BASE):]
    page = client.get(path)
    assert page.status_code == 200 and "Huyện Một" in page.get_data(as_text=True)
    client.post(path, data={**form_fields(page.get_data(as_text=True)), "score": 4})
    with app.app_context():
        assert get_db().execute("SELECT channel, reference, service FROM ratings").fetchall() == [
            ("web", "H12-0001", "1.001")]


def test_without_link_the_text_has_none_and_a_bad_link_value_is_400(app, client, token):
    plain = client.post("/api/v1/invitations", headers=auth(token), json={"phone": "0912 345 678", "office": "D"})
    assert plain.status_code == 202
    with app.app_context():
        assert "/l/" not in get_db().execute("SELECT body FROM sms_messages").fetchone()[0]
    bad = client.post("/api/v1/invitations", headers=auth(token),
                      json={"phone": "0912 345 679", "office": "D", "link": "yes"})
    assert bad.status_code == 400 and bad.json["error"].startswith("link:")
