"""A local stand-in for Twilio's REST API that records what it is sent.

It answers `POST /2010-04-01/Accounts/{sid}/Messages.json` as Twilio does (201 and a
message resource, or Twilio's error JSON), checks HTTP basic auth, and can post signed
status callbacks to the URL each message named, signed as Twilio signs them. It can also
break the connection after reading a request (`drop_next`): Twilio took the message, the
sender never hears so.
"""

import base64
import json
import re
import socket
import struct
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import requests
from twilio.request_validator import RequestValidator

ACCOUNT_SID = "AC" + "1" * 32
AUTH_TOKEN = "fake-twilio-auth-token-0123456789"
FROM = "+15005550006"
ERRORS = {21610: "Attempt to send to unsubscribed recipient", 21211: "Invalid 'To' Phone Number",
          20429: "Too Many Requests", 20500: "Internal Server Error", 20003: "Authenticate"}


class FakeTwilio:
    def __init__(self, account_sid=ACCOUNT_SID, auth_token=AUTH_TOKEN):
        self.account_sid, self.auth_token = account_sid, auth_token
        self.messages = []   # every accepted message: its form fields, sid and arrival time
        self.requests = []   # every request to the Messages endpoint, accepted or not
        self.script = []     # (http status, twilio error code) to answer the next requests with
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def settings(self):
        """The SATISFACTION_ settings that point the server at this stand-in."""
        return {"TWILIO_ACCOUNT_SID": self.account_sid, "TWILIO_AUTH_TOKEN": self.auth_token,
                "TWILIO_FROM": FROM, "TWILIO_API_BASE": self.url}

    def fail_next(self, status, code, times=1):
        """Answer the next requests with this HTTP status and Twilio error code (None: an HTML page)."""
        with self.lock:
            self.script.extend([(status, code)] * times)

    def drop_next(self, how="close", times=1, stall_seconds=2.0):
        """Read the next requests and take their messages, then break the connection unanswered:
        close it, reset it (RST), or stall until the client gives up (a read timeout)."""
        with self.lock:
            self.script.extend([(how, stall_seconds)] * times)

    def wait_for(self, count, timeout=20):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.messages) >= count:
                return self.messages
            time.sleep(0.05)
        raise AssertionError(f"fake Twilio got {len(self.messages)} messages, expected {count}")

    def deliver(self, message, status="delivered", error_code=None):
        """Post the status callback Twilio would send for `message`; returns the response."""
        params = {"MessageSid": message["sid"], "MessageStatus": status, "SmsSid": message["sid"],
                  "SmsStatus": status, "AccountSid": self.account_sid, "From": FROM, "To": message["To"],
                  "ApiVersion": "2010-04-01"}
        if error_code is not None:
            params["ErrorCode"] = str(error_code)
        url = message["StatusCallback"]
        signature = RequestValidator(self.auth_token).compute_signature(url, params)
        return requests.post(url, data=params, headers={"X-Twilio-Signature": signature}, timeout=10)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *_):
        self.server.shutdown()
        self.server.server_close()

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_):
                pass

            def do_POST(self):
                match = re.fullmatch(r"/2010-04-01/Accounts/([^/]+)/Messages\.json", self.path)
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(int(self.headers["Content-Length"] or 0))
                                                     .decode()).items()}
                if not match:
                    return self._answer(404, {"code": 20404, "message": "not found", "status": 404})
                expected = "Basic " + base64.b64encode(f"{fake.account_sid}:{fake.auth_token}".encode()).decode()
                with fake.lock:
                    fake.requests.append({**form, "at": time.monotonic()})
                    if self.headers.get("Authorization") != expected or match.group(1) != fake.account_sid:
                        return self._answer(401, {"code": 20003, "message": ERRORS[20003], "status": 401})
                    scripted = fake.script.pop(0) if fake.script else None
                    sid = "SM" + uuid.uuid4().hex
                    if scripted and isinstance(scripted[0], str):  # taken, then the connection breaks
                        fake.messages.append({**form, "sid": sid, "at": time.monotonic()})
                if scripted and isinstance(scripted[0], str):
                    return self._break(*scripted)
                with fake.lock:
                    if scripted and scripted[1] is None:
                        return self._page(scripted[0])
                    if scripted:
                        status, code = scripted
                        return self._answer(status, {"code": code, "message": ERRORS.get(code, "error"),
                                                     "more_info": f"https://www.twilio.com/docs/errors/{code}",
                                                     "status": status})
                    fake.messages.append({**form, "sid": sid, "at": time.monotonic()})
                self._answer(201, {
                    "sid": sid, "account_sid": fake.account_sid, "to": form.get("To"), "from": form.get("From"),
                    "messaging_service_sid": form.get("MessagingServiceSid"), "body": form.get("Body"),
                    "status": "queued", "num_segments": "1", "num_media": "0", "direction": "outbound-api",
                    "api_version": "2010-04-01", "price": None, "price_unit": "USD", "error_code": None,
                    "error_message": None, "date_created": "Thu, 05 Mar 2026 03:00:00 +0000",
                    "date_updated": "Thu, 05 Mar 2026 03:00:00 +0000", "date_sent": None,
                    "uri": f"/2010-04-01/Accounts/{fake.account_sid}/Messages/{sid}.json", "subresource_uris": {},
                })

            def _break(self, how, stall_seconds):
                self.close_connection = True
                if how == "stall":
                    time.sleep(stall_seconds)
                elif how == "reset":  # SO_LINGER 0: close sends RST instead of FIN
                    self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                self.connection.close()

            def _page(self, status):
                """What a proxy in front of Twilio answers: HTML, not Twilio's JSON."""
                body = f"<html><body><h1>{status}</h1></body></html>".encode()
                self.send_response(status)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _answer(self, status, payload):
                body = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        return Handler
