"""A small urlencoded form read in one read and parsed as werkzeug parses it.

werkzeug's stream wrappers read a form of a few hundred bytes in 64 KB chunks until the
server's stream runs dry (as server.api.json_body says of JSON). The pages' taps and
Twilio's webhooks are read at their declared length at once instead; multipart, chunked
and oversized bodies (its 413) stay werkzeug's.
"""

import io
from urllib.parse import parse_qsl

from werkzeug.exceptions import ClientDisconnected

URLENCODED = "application/x-www-form-urlencoded"


def read_urlencoded(request, storage_class=None):
    """Fill `request.form` (and files, an emptied stream) from a urlencoded body of declared
    length within MAX_CONTENT_LENGTH, parsed as werkzeug's formparser does (parse_qsl, blank
    values kept, bad escapes kept as written; not UTF-8: no fields). Any other body is left
    to werkzeug. `storage_class`: what holds the fields (request.parameter_storage_class)."""
    if "form" in request.__dict__:
        return
    length, limit = request.content_length, request.max_content_length
    if request.mimetype != URLENCODED or length is None or (limit is not None and length > limit):
        return
    raw = request.environ["wsgi.input"].read(length)
    if len(raw) != length:
        raise ClientDisconnected()  # as werkzeug's LimitedStream: the sender went away mid-body
    try:
        items = parse_qsl(raw.decode(), keep_blank_values=True, errors="werkzeug.url_quote")
    except ValueError:  # werkzeug's parser is silent about a body that is not UTF-8
        items = []
    storage = request.parameter_storage_class
    request.__dict__.update(form=(storage_class or storage)(items), files=storage(), stream=io.BytesIO())
