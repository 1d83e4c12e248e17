"""Helpers the dossier component's tests share: its app, an integration token, events, summaries."""

import datetime as dt
import uuid
import zoneinfo

from server import create_app
from tests.support import add_user

LOCAL = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")
STAFF = [("CB1", "Nguyễn Văn An", "D", "Quầy 1"), ("CB2", "Trần Thị Bình", "D", "Quầy 2"),
         ("CB9", "Lê Văn Chín", "E", "Quầy 1")]


def make_app(database, **settings):
    return create_app({"DATABASE": str(database), "SQLITE_SYNCHRONOUS": "NORMAL", "TESTING": True,
                       "SMS_QUIET_HOURS": "", **settings})


def integration_token(app, name="motcua", office="D"):
    add_user(app, name, role="supervisor", office=office)
    result = app.test_cli_runner().invoke(args=["dossiers", "integration-token", name])
    assert result.exit_code == 0, result.output
    return result.output.strip().splitlines()[-1]


def local(*args):
    return dt.datetime(*args, tzinfo=LOCAL)


def event(kind, dossier, at, office="D", **fields):
    return {"id": str(uuid.uuid4()), "dossier": dossier, "type": kind, "at": at.isoformat(), "office": office,
            **{name: value.isoformat() if isinstance(value, dt.datetime) else value for name, value in fields.items()}}


def post_events(client, headers, *events):
    response = client.post("/api/v1/dossiers/events", json={"events": list(events)}, headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["results"]


def summary(client, headers, **params):
    response = client.get("/api/v1/dossiers/summary", query_string=params, headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["rows"]
