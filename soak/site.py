"""The province a soak runs against: offices, kiosks with their own tokens, a supervisor.

Built in-process through the server's own functions (a CLI process per kiosk would cost a
second each). Twilio is configured so inbound webhooks are checked against the auth token,
as in production; the API base points nowhere, since replies go back as TwiML.
"""

import secrets
from dataclasses import dataclass, field

from server import accounts, create_app, offices
from server.db import get_db, write_transaction

PROVINCE = ("DNO", "Tỉnh Đắk Nông")
OFFICES = [
    ("GN", "Bộ phận Một cửa thành phố Gia Nghĩa"),
    ("DM", "Bộ phận Một cửa huyện Đắk Mil"),
    ("CJ", "Bộ phận Một cửa huyện Cư Jút"),
    ("KN", "Bộ phận Một cửa huyện Krông Nô"),
    ("DS", "Bộ phận Một cửa huyện Đắk Song"),
    ("DG", "Bộ phận Một cửa huyện Đắk Glong"),
]
TWILIO_FROM = "+15005550006"


@dataclass
class Kiosk:
    id: int
    token: str
    office: str
    counter: str


@dataclass
class Site:
    database: str
    kiosks: list
    user_token: str
    secret_key: str
    twilio_sid: str
    twilio_token: str
    offices: list = field(default_factory=lambda: [code for code, _ in OFFICES])

    def server_settings(self, public_base_url=None):
        """SATISFACTION_ settings for a server on this site (ServerProcess keywords)."""
        settings = {"SECRET_KEY": self.secret_key, "NUMBER_HASH_KEY": self.secret_key,
                    "TWILIO_ACCOUNT_SID": self.twilio_sid, "TWILIO_AUTH_TOKEN": self.twilio_token,
                    "TWILIO_FROM": TWILIO_FROM, "TWILIO_API_BASE": "http://127.0.0.1:9",
                    "SMS_QUIET_HOURS": "", "SESSION_COOKIE_SECURE": "false"}
        if public_base_url:
            settings["PUBLIC_BASE_URL"] = public_base_url
        return settings


def build(database, kiosks=12):
    """A province with six one-stop shops and `kiosks` kiosks spread over their counters."""
    app = create_app({"DATABASE": str(database), "SQLITE_SYNCHRONOUS": "NORMAL"})
    made = []
    with app.app_context():
        db = get_db()
        with write_transaction(db):
            offices.add_office(db, *PROVINCE, None, "province")
            for code, name in OFFICES:
                offices.add_office(db, code, name, PROVINCE[0], "district")
            for number in range(kiosks):
                office = OFFICES[number % len(OFFICES)][0]
                counter = f"Quầy {number // len(OFFICES) + 1}"
                kiosk_id, token, _ = offices.add_kiosk(db, office, counter)
                made.append(Kiosk(kiosk_id, token, office, counter))
            user_id = accounts.add_user(db, "tinh", "supervisor", offices.office_by_code(db, PROVINCE[0])["id"],
                                        secrets.token_hex(16))
            _, user_token = accounts.create_token(db, user_id)
    app.extensions["db_local"].db.close()  # a kept connection would hold the disk-full volume busy
    return Site(str(database), made, user_token, secret_key=secrets.token_hex(32),
                twilio_sid="AC" + secrets.token_hex(16), twilio_token=secrets.token_hex(16))
