"""The background sender: delivers the outbox in batches, reports status, keeps config fresh.

It never touches a widget: it calls `on_status` and `on_config`, which the Kivy layer wraps
in `Clock.schedule_once`. While the server is down it backs off exponentially with jitter
(so a room of kiosks coming back does not hit the server in step), and a new rating does
not cut the wait short. Ratings go in the order they were given; one the server rejects
goes to the dead letters without holding up the rest.
"""

import datetime as dt
import logging
import random
import threading
import time
from dataclasses import dataclass

from kiosk.client import BadRequest, Refused, Unreachable
from kiosk.outbox import Outbox

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Status:
    online: bool | None  # None: not tried yet
    queued: int
    dead: int
    last_sync_at: str | None
    problem: str | None = None  # "refused" when the server no longer knows this kiosk's token


def backoff(failures, base, cap, rand):
    """Seconds to wait after `failures` failures in a row: doubling, capped, 'equal jitter'."""
    delay = min(cap, base * 2 ** max(0, failures - 1))
    return delay * (0.5 + 0.5 * rand())


def utc_text():
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")


class Sender(threading.Thread):
    def __init__(self, client, outbox_path, data_dir=None, on_status=None, on_config=None, batch_size=250,
                 retry_base=1.0, retry_max=60.0, heartbeat_seconds=60.0, config_seconds=300.0,
                 synchronous="FULL", rand=random.random):
        super().__init__(name="kiosk-sender", daemon=True)
        self.client, self.outbox_path, self.data_dir = client, outbox_path, data_dir
        self.on_status, self.on_config = on_status or (lambda status: None), on_config or (lambda config: None)
        self.batch_size, self.retry_base, self.retry_max = batch_size, retry_base, retry_max
        self.heartbeat_seconds, self.config_seconds = heartbeat_seconds, config_seconds
        self.synchronous, self.rand = synchronous, rand
        self._wake, self._stopping = threading.Event(), threading.Event()
        self._failures, self._retry_at = 0, 0.0
        self._heartbeat_due = self._config_due = 0.0
        self._online, self._problem = None, None
        self.delivered = 0

    def wake(self):
        """A rating was stored: send it now unless we are backing off."""
        self._wake.set()

    def stop(self, timeout=10):
        self._stopping.set()
        self._wake.set()
        self.join(timeout)

    def run(self):
        outbox = Outbox(self.outbox_path, self.synchronous)
        try:
            while not self._stopping.is_set():
                try:
                    wait = self._cycle(outbox)
                except Exception:  # a failing SD card, an answer we did not expect: try again later
                    log.exception("sending failed; the ratings stay queued and are tried again")
                    self._failures += 1
                    wait = backoff(self._failures, self.retry_base, self.retry_max, self.rand)
                    self._retry_at = time.monotonic() + wait
                self._wake.wait(max(0.0, wait))
                self._wake.clear()
        finally:
            outbox.close()

    def _cycle(self, outbox):
        now = time.monotonic()
        if now < self._retry_at:
            self._publish(outbox)
            return self._retry_at - now
        try:
            if now >= self._config_due:
                self._refresh_config()
                self._config_due = now + self.config_seconds
            self._drain(outbox)
            if now >= self._heartbeat_due:
                self.client.heartbeat(outbox.queued(), outbox.last_sync_at())
                self._heartbeat_due = now + self.heartbeat_seconds
            self._failures, self._online, self._problem = 0, True, None
        except Unreachable as problem:
            self._failures += 1
            self._retry_at = time.monotonic() + backoff(self._failures, self.retry_base, self.retry_max, self.rand)
            if self._online is not False:
                log.warning("server unreachable (%s); ratings stay queued", problem)
            self._online, self._problem = False, None
        except Refused as problem:
            log.error("server refused this kiosk's token: %s", problem)
            self._retry_at = time.monotonic() + self.retry_max
            self._online, self._problem = False, "refused"
        self._publish(outbox)
        due = min(self._heartbeat_due, self._config_due)
        if self._retry_at > now:  # this round failed: try again after the backoff, not at the next heartbeat
            due = min(due, self._retry_at)
        return due - time.monotonic()

    def _refresh_config(self):
        config = self.client.config()
        if self.data_dir is not None:
            self.data_dir.save_config(config)
        self.heartbeat_seconds = float(config.get("timeouts", {}).get("heartbeat_seconds", self.heartbeat_seconds))
        self.on_config(config)

    def _drain(self, outbox):
        size = self.batch_size
        while not self._stopping.is_set():
            items = outbox.next_batch(size)
            if not items:
                outbox.mark_synced(utc_text())
                return
            outbox.count_attempt(items)
            try:
                results = self.client.post_ratings(items)
            except BadRequest as problem:
                if len(items) > 1:  # too big for this server, or one item spoils the body: split
                    size = max(1, len(items) // 2)
                    continue
                results = {items[0]["id"]: {"status": "rejected", "error": problem.message}}
            delivered, rejected = outbox.settle(items, results, utc_text())
            self.delivered += delivered
            if rejected:
                log.warning("%d rating(s) rejected by the server, kept as dead letters", rejected)
            self._online = True
            self._publish(outbox)

    def _publish(self, outbox):
        self.on_status(Status(self._online, outbox.queued(), outbox.dead_count(), outbox.last_sync_at(),
                              self._problem))
