"""Small request bodies read in one read: JSON for the API, urlencoded forms parsed as
werkzeug parses them.

werkzeug's stream wrappers read a body of a few hundred bytes in 64 KB chunks until the
server's stream runs dry. A kiosk's rating, a page's tap and Twilio's webhooks are read at
their declared length at once instead; multipart, chunked and oversized bodies (its 413)
stay werkzeug's.
"""

import io
from urllib.parse import parse_qsl

from werkzeug.exceptions import ClientDisconnected

URLENCODED = "application/x-www-form-urlencoded"


def _unproxied(request):
    """The request object behind flask's `request` proxy: each attribute read through the proxy
    looks the request up again (four calls), and these readers make about a dozen."""
    unwrap = getattr(request, "_get_current_object", None)
    return unwrap() if unwrap is not None else request


def declared_body(request):
    """The body at its declared length, read at once; None for a body werkzeug must read
    (no Content-Length: chunked; over MAX_CONTENT_LENGTH: its 413)."""
    request = _unproxied(request)
    length, limit = request.content_length, request.max_content_length
    if length is None or (limit is not None and length > limit):
        return None
    raw = request.environ["wsgi.input"].read(length)
    if len(raw) != length:
        raise ClientDisconnected()  # as werkzeug's LimitedStream: the sender went away mid-body
    return raw


def read_urlencoded(request, storage_class=None):
    """Fill `request.form` (and files, an emptied stream) from a urlencoded body of declared
    length within MAX_CONTENT_LENGTH, parsed as werkzeug's formparser does (parse_qsl, blank
    values kept, bad escapes kept as written; not UTF-8: no fields). Any other body is left
    to werkzeug. `storage_class`: what holds the fields (request.parameter_storage_class)."""
    request = _unproxied(request)
    if "form" in request.__dict__:
        return
    if request.mimetype != URLENCODED:
        return
    raw = declared_body(request)
    if raw is None:
        return
    try:
        items = parse_qsl(raw.decode(), keep_blank_values=True, errors="werkzeug.url_quote")
    except ValueError:  # werkzeug's parser is silent about a body that is not UTF-8
        items = []
    storage = request.parameter_storage_class
    request.__dict__.update(form=(storage_class or storage)(items), files=storage(), stream=io.BytesIO())
