"""Everything that touches the Twilio SDK: sending, webhook signatures, TwiML replies.

Sending goes through the official client; `TWILIO_API_BASE` replaces Twilio's API host
through the client's pluggable HTTP client, so the real client can talk to a local stand-in.
Without Twilio credentials messages are kept in the outbox table instead (`OutboxTransport`).
"""

import functools
import hashlib
import hmac
import logging
from dataclasses import dataclass

import requests
import urllib3.exceptions
from twilio.base.exceptions import TwilioException
from twilio.http.http_client import TwilioHttpClient
from twilio.request_validator import RequestValidator
from twilio.rest import Client
from twilio.twiml.messaging_response import MessagingResponse

TWILIO_API = "https://api.twilio.com"
OPTED_OUT_ERROR = 21610  # "Attempt to send to unsubscribed recipient"
AUTHENTICATION_ERROR = 20003  # Twilio's code for bad credentials; a bare HTTP 401 means the same
# The SDK logs requests at INFO; keep it quiet so nothing about a message can reach a log.
logging.getLogger("twilio.http_client").setLevel(logging.WARNING)


class ConfigurationError(ValueError):
    """Twilio settings that cannot work together."""


@dataclass(frozen=True)
class Outcome:
    """What became of one attempt to send."""
    status: str            # queued/sent/... as Twilio says; "retry" or "failed" when it did not take it,
                           # "unknown" when it may have (the request was written, no answer came)
    sid: str | None = None
    error_code: int | None = None
    error_message: str | None = None


class _BaseUrlHttpClient(TwilioHttpClient):
    """Twilio's own HTTP client, sending to another base URL than api.twilio.com."""

    def __init__(self, base_url, timeout):
        super().__init__(timeout=timeout)
        self.base_url = base_url.rstrip("/")

    def request(self, method, url, *args, **kwargs):
        if url.startswith(TWILIO_API):
            url = self.base_url + url[len(TWILIO_API):]
        return super().request(method, url, *args, **kwargs)


def twilio_configured(config):
    """True when Twilio credentials are set; a half-done configuration is an error."""
    sid, token = config["TWILIO_ACCOUNT_SID"], config["TWILIO_AUTH_TOKEN"]
    sender = config["TWILIO_FROM"] or config["TWILIO_MESSAGING_SERVICE_SID"]
    if not sid:
        return False
    if not token or not sender:
        raise ConfigurationError("TWILIO_ACCOUNT_SID is set: TWILIO_AUTH_TOKEN and TWILIO_FROM (or "
                                 "TWILIO_MESSAGING_SERVICE_SID) must be set too")
    return True


def signing_token(config):
    """The secret webhooks are signed with: the Twilio auth token, or without Twilio a local
    stand-in derived from SECRET_KEY, which `sms simulate` signs with."""
    if config["TWILIO_AUTH_TOKEN"]:
        return config["TWILIO_AUTH_TOKEN"]
    return _stand_in_token(config["SECRET_KEY"])


@functools.lru_cache(maxsize=8)  # the deployment's own secret: derived once per process, not per webhook
def _stand_in_token(secret_key):
    return hmac.new(secret_key.encode(), b"sms-simulator", hashlib.sha256).hexdigest()


@functools.lru_cache(maxsize=8)
def _validator(token):
    """Twilio's RequestValidator for the deployment's signing token, made once per process."""
    return RequestValidator(token)


def public_url(config, path):
    return config["PUBLIC_BASE_URL"].rstrip("/") + path


def valid_signature(config, path, query, form, signature):
    """Whether the request carries Twilio's signature of the public URL and its form fields."""
    if not signature:
        return False
    url = public_url(config, path) + (f"?{query}" if query else "")
    validator = _validator(signing_token(config))
    # The URL exactly as configured is what Twilio signs in practice: one HMAC, not validate()'s
    # two. validate() still decides the rest (the URL with or without its port, bodySHA256).
    if hmac.compare_digest(validator.compute_signature(url, form).encode(), signature.encode()):
        return True
    return validator.validate(url, form, signature)


def sign(config, path, params):
    """The X-Twilio-Signature Twilio would send for these form fields."""
    return _validator(signing_token(config)).compute_signature(public_url(config, path), params)


@functools.lru_cache(maxsize=1024)  # replies come from a few templates; building the XML costs more than the rest
def twiml(reply):
    response = MessagingResponse()
    if reply:
        response.message(reply)
    return str(response)


class TwilioTransport:
    name = "twilio"

    def __init__(self, config, timeout=15):
        self.client = Client(config["TWILIO_ACCOUNT_SID"], config["TWILIO_AUTH_TOKEN"],
                             http_client=_BaseUrlHttpClient(config["TWILIO_API_BASE"], timeout))
        self.sender = {"from_": config["TWILIO_FROM"]} if config["TWILIO_FROM"] else {
            "messaging_service_sid": config["TWILIO_MESSAGING_SERVICE_SID"]}
        self.status_callback = public_url(config, "/sms/twilio/status")

    def send(self, to, body, message_id):
        # our message id rides in the callback URL: a callback that outruns the API's answer still finds it
        callback = f"{self.status_callback}?m={message_id}"
        try:
            message = self.client.messages.create(to=to, body=body, status_callback=callback, **self.sender)
        except TwilioException as problem:
            return _rest_error(problem)
        except requests.exceptions.RequestException as problem:
            if nothing_sent(problem):  # never reached Twilio: safe to try again
                return Outcome("retry", error_message=f"cannot reach Twilio: {_reason(problem)}")
            # the request was written and no answer came: Twilio may have taken it, and trying
            # again could text the citizen twice
            return Outcome("unknown", error_message=f"no answer from Twilio ({_reason(problem)}); "
                                                    "not re-sent to avoid a duplicate")
        return Outcome(message.status or "queued", sid=message.sid)


# What fails before a byte of the request is sent: connecting (refused, DNS, connect timeout),
# the TLS handshake, a proxy refusing, a closed pool. Everything else (a read timeout, a reset
# or closed connection, a broken pipe) comes after the request was written.
_BEFORE_SENDING = (urllib3.exceptions.NewConnectionError, urllib3.exceptions.ConnectTimeoutError,
                   urllib3.exceptions.SSLError, urllib3.exceptions.ProxyError, urllib3.exceptions.NameResolutionError)


def nothing_sent(problem):
    """Whether a requests error happened before the request left: only then is a retry safe."""
    if isinstance(problem, requests.exceptions.ConnectTimeout):
        return True
    if not isinstance(problem, requests.exceptions.ConnectionError):
        return False  # ReadTimeout, ChunkedEncodingError, ...
    cause = problem.args[0] if problem.args else None
    if isinstance(cause, urllib3.exceptions.ClosedPoolError):
        return True
    # urllib3 reports connect and handshake failures as MaxRetryError(reason); errors on a
    # connection that carried the request (RemoteDisconnected, reset) come as ProtocolError
    return isinstance(cause, urllib3.exceptions.MaxRetryError) and isinstance(cause.reason, _BEFORE_SENDING)


def _reason(problem):
    cause = problem.args[0] if problem.args else None
    inner = getattr(cause, "reason", None) or (cause.args[-1] if getattr(cause, "args", None) else None)
    return f"{type(problem).__name__}: {type(inner).__name__}" if isinstance(inner, BaseException) \
        else type(problem).__name__


def _rest_error(problem):
    status = getattr(problem, "status", None)
    code = getattr(problem, "code", None)
    text = getattr(problem, "msg", None) or getattr(problem, "detail", None) or getattr(problem, "title", None)
    message = f"HTTP {status}: {text or 'error'}"[:300]
    if status == 401:  # with or without Twilio's error body: the credentials are wrong, not "error 401"
        return Outcome("failed", error_code=AUTHENTICATION_ERROR, error_message=(
            f"authentication failed (HTTP 401{f': {text}' if text else ''}): check SATISFACTION_TWILIO_ACCOUNT_SID "
            "and SATISFACTION_TWILIO_AUTH_TOKEN")[:300])
    if status == 429 or (isinstance(status, int) and status >= 500):
        return Outcome("retry", error_code=code, error_message=message)
    return Outcome("failed", error_code=code, error_message=message)


class OutboxTransport:
    """No Twilio account: the message stays in the outbox table for a trainer to read."""
    name = "outbox"

    def send(self, to, body, message_id):
        return Outcome("sent")


def transport_for(config):
    return TwilioTransport(config) if twilio_configured(config) else OutboxTransport()

