"""Helpers the kiosk's tests share: a served province, kiosks on demand, queued ratings."""

import datetime as dt
import sqlite3
import subprocess
import sys
import uuid

from server import create_app, offices
from server.db import get_db, write_transaction
from tests.support import ROOT, add_offices


class Site:
    """A province database served by the real server; tests add kiosks and read what arrived."""

    def __init__(self, database, server):
        self.database, self.server = database, server
        self.app = create_app({"DATABASE": str(database), "SQLITE_SYNCHRONOUS": "NORMAL"})

    @property
    def url(self):
        return self.server.url

    def add_kiosk(self, office="D", counter="Quầy 1", pairing=False):
        with self.app.app_context():
            db = get_db()
            with write_transaction(db):
                return offices.add_kiosk(db, office, counter, with_pairing_code=pairing)

    def ratings(self, kiosk_id):
        """What the server stored for a kiosk, in arrival order."""
        with sqlite3.connect(self.database) as conn:
            conn.row_factory = sqlite3.Row
            return [dict(row) for row in conn.execute(
                """SELECT r.client_id, r.score, r.reasons, r.language, r.misuse, o.code AS office,
                          c.label AS counter, s.code AS staff
                   FROM ratings r JOIN offices o ON o.id = r.office_id JOIN counters c ON c.id = r.counter_id
                   LEFT JOIN staff s ON s.id = r.staff_id WHERE r.kiosk_id = ? ORDER BY r.id""", [kiosk_id])]

    def kiosk_row(self, kiosk_id):
        with sqlite3.connect(self.database) as conn:
            conn.row_factory = sqlite3.Row
            return dict(conn.execute("SELECT * FROM kiosks WHERE id = ?", [kiosk_id]).fetchone())


def build_province(database):
    app = create_app({"DATABASE": str(database), "SQLITE_SYNCHRONOUS": "NORMAL"})
    add_offices(app, [("P", "Tỉnh Đắk Nông", None, "province"),
                      ("D", "Bộ phận Một cửa huyện Đắk Glong", "P", "district")],
                staff=[("CB1", "Nguyễn Thị Hồng Nhung", "D", "Quầy 1"), ("CB2", "Y Blông Niê", "D", "Quầy 2")])


def queued_rating(score=4, seconds_ago=0, **extra):
    moment = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=seconds_ago)
    return {"id": str(uuid.uuid4()), "score": score, "created_at": moment.isoformat(), "language": "vi", **extra}


def save_token(server_url, token, data_dir):
    """The real setup step: `python -m kiosk --server URL --save-token` with the token on stdin."""
    result = subprocess.run([sys.executable, "-m", "kiosk", "--server", server_url, "--data-dir", str(data_dir),
                             "--save-token"], input=token + "\n", cwd=ROOT, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    return result
