"""The server's kiosk API over HTTP (requests), with its failures sorted by what the kiosk should do."""

import requests

from kiosk import __version__

CONNECT_TIMEOUT = 5
READ_TIMEOUT = 30


class Unreachable(Exception):
    """Network down, server down or failing (5xx, 429, a malformed answer): try again later."""


class Refused(Exception):
    """The server refuses this kiosk (401/403: token unknown or revoked): keep the queue, tell staff."""


class BadRequest(Exception):
    """The server will not take this request as it is (400, 413): send smaller, or set the item aside."""

    def __init__(self, status, message):
        super().__init__(f"{status}: {message}")
        self.status = status
        self.message = message


class PairingFailed(Exception):
    """The pairing code was refused, with the server's reason."""


class Client:
    def __init__(self, server, token=None, session=None):
        self.server = server.rstrip("/")
        self.token = token
        self.session = session or requests.Session()
        self.session.headers["User-Agent"] = f"satisfaction-kiosk/{__version__}"

    def _call(self, method, path, body=None):
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        try:
            response = self.session.request(method, self.server + path, json=body, headers=headers,
                                            timeout=(CONNECT_TIMEOUT, READ_TIMEOUT))
        except requests.RequestException as problem:
            raise Unreachable(type(problem).__name__) from None
        if response.status_code in (401, 403):
            raise Refused(_message(response))
        if response.status_code in (400, 413):
            raise BadRequest(response.status_code, _message(response))
        if response.status_code != 200:
            raise Unreachable(f"HTTP {response.status_code}")
        try:
            return response.json()
        except ValueError:
            raise Unreachable("answer is not JSON") from None

    def post_ratings(self, items):
        """{id: result} for a batch; every item must have exactly one result or nothing counts."""
        answer = self._call("POST", "/api/v1/ratings", {"ratings": items})
        results = answer.get("results") if isinstance(answer, dict) else None
        if not isinstance(results, list) or len(results) != len(items):
            raise Unreachable("answer does not have one result per rating")
        by_id = {}
        for item, result in zip(items, results, strict=True):
            if not isinstance(result, dict) or result.get("id") != item["id"]:
                raise Unreachable("answer's results do not match the ratings sent")
            by_id[item["id"]] = result
        return by_id

    def config(self):
        config = self._call("GET", "/api/v1/kiosk/config")
        if not isinstance(config, dict) or not config.get("scale"):
            raise Unreachable("config has no scale")
        return config

    def heartbeat(self, queue_length, last_sync_at):
        return self._call("POST", "/api/v1/kiosk/heartbeat",
                          {"queue_length": queue_length, "last_sync_at": last_sync_at, "app_version": __version__})

    def pair(self, code):
        """The token and placement for a pairing code."""
        try:
            response = self.session.post(self.server + "/api/v1/kiosk/pair", json={"code": code},
                                         timeout=(CONNECT_TIMEOUT, READ_TIMEOUT))
        except requests.RequestException as problem:
            raise PairingFailed(f"cannot reach {self.server}: {type(problem).__name__}") from None
        if response.status_code != 200:
            raise PairingFailed(f"the server refused the code ({response.status_code}): {_message(response)}")
        return response.json()


def _message(response):
    try:
        return str(response.json().get("error", response.reason))
    except ValueError:
        return response.reason or f"HTTP {response.status_code}"
