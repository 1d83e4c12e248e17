"""One set of rules for query parameters (server.params): the API's stats and the
dashboards' filters accept and refuse the same values, and the channels are the server's."""

import datetime as dt

import pytest

from dashboards.filters import parse_filters
from server import create_app, stats
from server.params import ParamError
from tests.support import add_offices, add_user, auth

TODAY = dt.date(2026, 11, 28)
CHANNELS = ("kiosk", "sms")


@pytest.mark.parametrize(("args", "param"), [
    ({"from": "20260101"}, "from"),  # fromisoformat takes it; neither the API nor the pages do
    ({"from": "2026-02-30"}, "from"),
    ({"channel": "email"}, "channel"),
    ({"include_misuse": "yes"}, "include_misuse"),
    ({"structure": "future"}, "structure"),
])
def test_the_api_and_the_pages_refuse_the_same_value_naming_it(args, param):
    for parse in (stats.parse_query, parse_filters):
        with pytest.raises(ParamError) as refused:
            parse(args, TODAY, channels=CHANNELS)
        assert refused.value.param == param, parse


def test_an_empty_parameter_takes_its_default_in_both():
    args = {"channel": "", "structure": "", "include_misuse": ""}
    query, filters = stats.parse_query(args, TODAY, channels=CHANNELS), parse_filters(args, TODAY, channels=CHANNELS)
    assert (query.channel, query.structure, query.include_misuse) == ("all", "current", False)
    assert (filters.channel, filters.structure, filters.include_misuse) == ("all", "current", False)


def test_a_server_without_the_sms_component_knows_no_sms_channel(tmp_path):
    app = add_offices(create_app({"DATABASE": str(tmp_path / "core.db"), "SQLITE_SYNCHRONOUS": "NORMAL",
                                  "TESTING": True}, components=[]))
    token = add_user(app)
    client = app.test_client()
    refused = client.get("/api/v1/stats?channel=sms", headers=auth(token))
    assert refused.status_code == 400 and refused.get_json()["error"] == "channel: must be one of all, kiosk"
    assert client.get("/api/v1/stats?channel=kiosk", headers=auth(token)).status_code == 200
