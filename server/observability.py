"""What operators see: one JSON log line per request with a request id, and /metrics.

Logs carry the method, the path (never the query string or a body: citizens' numbers and
comments must not reach them), the status and the time taken; an exception is logged by
its type and frames, without its message, which would echo the values behind it. The request id comes from
nginx (`X-Request-ID`) or is made here, and is sent back in the response.

Metrics are Prometheus counters and histograms. Under gunicorn, each worker writes its
own into PROMETHEUS_MULTIPROC_DIR (set by deploy/gunicorn.conf.py) and /metrics adds them
up; figures that live in the database (kiosks online) are read at scrape time. A component
adds its own metrics with `add_metrics(app, collector, ...)` from its init_app.
"""

import datetime as dt
import ipaddress
import json
import logging
import os
import re
import sys
import time
import traceback
import uuid

from flask import Response, abort, g, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily

from server.timeutil import to_stored

REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")

RATINGS = Counter("satisfaction_ratings", "Rating items received, by channel and result (accepted, duplicate, "
                  "rejected).", ["channel", "result"])
_RESULT_COUNTERS = {}  # (channel, result) -> RATINGS' child: labels() costs as much as the increment


def count_results(channel, statuses):
    """Count a request's rating results (their statuses: accepted, duplicate, rejected) in RATINGS."""
    counts = {}  # a dict, not collections.Counter: a lone rating's one status is the common case
    for status in statuses:
        counts[status] = counts.get(status, 0) + 1
    for status, count in counts.items():
        child = _RESULT_COUNTERS.get((channel, status))
        if child is None:
            child = _RESULT_COUNTERS[(channel, status)] = RATINGS.labels(channel, status)
        child.inc(count)
REQUESTS = Histogram("satisfaction_request_seconds", "Time to answer a request, by endpoint and status class.",
                     ["endpoint", "method", "status"],
                     buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))


class JsonFormatter(logging.Formatter):
    """One JSON object per line, with the request id when there is one."""

    def format(self, record):
        line = {
            "ts": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key in ("request_id", "method", "path", "status", "ms", "remote"):
            value = getattr(record, key, None)
            if value is not None:
                line[key] = value
        if record.exc_info:
            line["error"] = where_it_failed(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


def where_it_failed(exc_info):
    """An exception for the log: its type and the frames it came through, never its message.

    Messages echo the values that caused them (`invalid literal for int(): '0912...'`, a
    comment, a search): the type and the lines are enough to find the bug.
    """
    error, lines, seen = exc_info[1], [], set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        frames = traceback.extract_tb(error.__traceback__)
        lines.append(type(error).__qualname__ + " at " + " < ".join(
            f"{os.path.relpath(frame.filename) if frame.filename.startswith(os.getcwd()) else frame.filename}:"
            f"{frame.lineno} {frame.name}" for frame in reversed(frames)))
        error = error.__cause__ or error.__context__
    return " | caused by ".join(lines)


class RequestIdFilter(logging.Filter):
    def filter(self, record):
        if not hasattr(record, "request_id"):
            try:
                record.request_id = g.get("request_id")
            except RuntimeError:  # outside a request
                record.request_id = None
        return True


def configure_logging(app):
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger()
    if not any(isinstance(h.formatter, JsonFormatter) for h in root.handlers):
        root.addHandler(handler)
    root.setLevel(app.config["LOG_LEVEL"])
    app.logger.handlers.clear()  # Flask's default handler would print every line twice
    app.logger.propagate = True
    logging.getLogger("satisfaction.requests").setLevel(logging.INFO)


def init_app(app):
    configure_logging(app)
    requests_log = logging.getLogger("satisfaction.requests")
    allowed = [ipaddress.ip_network(net, strict=False) for net in app.config["METRICS_ALLOWED"]]

    @app.before_request
    def _start():
        given = request.headers.get("X-Request-ID", "")
        g.request_id = given if REQUEST_ID.match(given) else uuid.uuid4().hex
        g.started = time.perf_counter()

    @app.after_request
    def _finish(response):
        elapsed = time.perf_counter() - g.get("started", time.perf_counter())
        response.headers["X-Request-ID"] = g.get("request_id", "")
        endpoint = request.url_rule.rule if request.url_rule else "unmatched"
        REQUESTS.labels(endpoint, request.method, f"{response.status_code // 100}xx").observe(elapsed)
        if endpoint != "/metrics":
            requests_log.info("request", extra={
                "method": request.method, "path": request.path, "status": response.status_code,
                "ms": round(elapsed * 1000, 1), "remote": request.remote_addr})
        return response

    @app.get("/metrics")
    def metrics():
        remote = ipaddress.ip_address(request.remote_addr or "0.0.0.0")
        if not any(remote in network for network in allowed):
            abort(403, "metrics are only served to the addresses in METRICS_ALLOWED")
        return Response(generate_latest(_registry(app)), mimetype=CONTENT_TYPE_LATEST)


def add_metrics(app, *collectors):
    """Serve a component's own counters and histograms on /metrics too."""
    app.extensions.setdefault("metrics", []).extend(collectors)


def _registry(app):
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess
        multiprocess.MultiProcessCollector(registry)
    else:
        for collector in (RATINGS, REQUESTS, *app.extensions.get("metrics", ())):
            registry.register(collector)
    registry.register(DatabaseCollector(app))
    return registry


class DatabaseCollector:
    """Figures read from the database when Prometheus scrapes: kiosks registered and online."""

    def __init__(self, app):
        self.app = app

    def collect(self):
        from server.db import connect_app
        db = connect_app(self.app)
        try:
            window = 3 * self.app.config["KIOSK_HEARTBEAT_SECONDS"]
            since = to_stored(dt.datetime.now(dt.UTC) - dt.timedelta(seconds=window))
            online, total = db.execute(
                "SELECT COUNT(*) FILTER (WHERE last_seen_at >= ?), COUNT(*) FROM kiosks WHERE revoked_at IS NULL",
                [since]).fetchone()
        finally:
            db.close()
        kiosks = GaugeMetricFamily("satisfaction_kiosks", "Active kiosks, and those heard from in the last three "
                                   "heartbeat intervals.", labels=["state"])
        kiosks.add_metric(["online"], online)
        kiosks.add_metric(["registered"], total)
        yield kiosks
