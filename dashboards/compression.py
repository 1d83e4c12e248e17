"""Answers compressed for browsers that take gzip, and static files cacheable.

Plotly's bundle is 4.8 MB as it ships and about 1.4 MB gzipped: compressed once per process
and kept, it is served from memory under a URL that names plotly's version, so a browser
keeps it for a year and asks again only after an upgrade. Pages, CSS, JS and JSON answers
are compressed as they go (a few milliseconds for a page). nginx in front does the same for
what it serves from disk (deploy/nginx/satisfaction.conf).
"""

import functools
import gzip
import os

from flask import Response, request

COMPRESSIBLE = ("text/", "application/json", "application/javascript", "image/svg+xml")
SMALLEST = 1024
LARGEST = 8_000_000
YEAR = 365 * 24 * 3600


@functools.lru_cache(maxsize=4)
def _gzipped_file(path, mtime):
    with open(path, "rb") as source:
        return gzip.compress(source.read(), compresslevel=9, mtime=0)


def takes_gzip():
    return "gzip" in request.accept_encodings


def versioned_file(path, mimetype):
    """A file that never changes under its URL (the URL carries its version)."""
    if takes_gzip():
        response = Response(_gzipped_file(path, os.stat(path).st_mtime), mimetype=mimetype)
        response.headers["Content-Encoding"] = "gzip"
    else:
        with open(path, "rb") as source:
            response = Response(source.read(), mimetype=mimetype)
    response.headers["Vary"] = "Accept-Encoding"
    response.headers["Cache-Control"] = f"public, max-age={YEAR}, immutable"
    return response


def compress(response):
    """after_request: gzip a text answer when the browser takes it."""
    if (response.status_code < 200 or response.status_code >= 300 or "Content-Encoding" in response.headers
            or not takes_gzip() or not (response.mimetype or "").startswith(COMPRESSIBLE)):
        return response
    response.direct_passthrough = False  # static files come as a file wrapper
    body = response.get_data()
    if not SMALLEST <= len(body) <= LARGEST:
        return response
    response.set_data(gzip.compress(body, compresslevel=5, mtime=0))
    response.headers["Content-Encoding"] = "gzip"
    response.vary.add("Accept-Encoding")
    return response
