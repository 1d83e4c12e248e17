"""Sending due messages: one sender at a time, at most SMS_SEND_RATE a second, retrying
what Twilio did not take (429, 5xx, no connection) with backoff.

Several gunicorn workers each run a background sender, and cron may run `sms send-due`:
only the holder of the lease "sms-sender" (server.background) sends. It expires LEASE_SECONDS
after its last renewal, so a sender that died frees it; a live sender renews it with every
message. Pacing is done by the holder alone, so the rate holds across processes.

At most once: an invitation lost costs less than a duplicate. A message is marked `sending`
before the call to Twilio. Only errors before the request left (connection refused, DNS, the
TLS handshake) and Twilio's 429 and 5xx answers are retried. When the request was written and
no answer came (read timeout, reset, broken pipe), or a sender died mid-call, we cannot know
whether Twilio took it: the message is marked `unknown` and never sent again.
"""

import datetime as dt
import logging
import time

from server.background import holder_name, release_lease, take_lease
from server.db import write_transaction
from server.timeutil import to_stored
from sms import quiet, storage
from sms.metrics import SMS_MESSAGES

LEASE = "sms-sender"
LEASE_SECONDS = 60
MAX_ATTEMPTS = 5
BACKOFF_SECONDS = 30
MAX_BACKOFF_SECONDS = 1800
log = logging.getLogger(__name__)


def utcnow():
    return dt.datetime.now(dt.UTC)


def backoff(attempts):
    """Seconds before attempt `attempts + 1`: 30, 60, 120, 240, ... up to 30 minutes."""
    return min(BACKOFF_SECONDS * 2 ** max(0, attempts - 1), MAX_BACKOFF_SECONDS)


class Sender:
    def __init__(self, channel, transport=None, clock=utcnow, sleep=time.sleep):
        self.channel = channel
        self.transport = transport or channel.transport
        self.clock, self.sleep = clock, sleep
        self.holder = holder_name()
        self.interval = 1.0 / channel.send_rate
        self._last_send = None

    def send_due(self, db, now=None, limit=1000):
        """Send what is due; counts of what happened. `now` fixes the clock (tests)."""
        counts = {"sent": 0, "retry": 0, "failed": 0, "unknown": 0, "opted_out": 0, "deferred": 0, "erased": 0}
        start = now or self.clock()
        with write_transaction(db):
            if not take_lease(db, LEASE, self.holder, LEASE_SECONDS, start):
                counts["busy"] = 1
                return counts
            counts["unknown"] += self._fail_orphans(db, start)
            counts["erased"] = storage.purge(db, start, self.channel.retention,
                                             self.channel.cap.total_seconds() / 86400)
        try:
            for message in storage.due_messages(db, start, limit):
                outcome = self._send_one(db, message["id"], now)
                if outcome == "lease lost":
                    break
                counts[outcome] += 1
                if outcome in ("sent", "failed", "unknown", "opted_out"):
                    SMS_MESSAGES.labels(outcome).inc()
        finally:
            release_lease(db, LEASE, self.holder)
        return counts

    def _fail_orphans(self, db, now):
        orphans = storage.orphaned_messages(db)
        for message in orphans:
            self.channel.record_status(db, message, "unknown", now, error_message=(
                "the sender stopped while handing this message to Twilio; not re-sent to avoid a duplicate"))
        return len(orphans)

    def _send_one(self, db, message_id, fixed_now):
        # Wait for the rate limit before claiming the message, not after: a worker recycled
        # while it sleeps must leave the message pending, not "sending" (which a later
        # sender can only mark failed, since it cannot know whether Twilio took it).
        self._pace()
        now = fixed_now or self.clock()
        with write_transaction(db):
            message = storage.message(db, message_id)
            if message is None or message["status"] != "pending":
                return "deferred"
            if not take_lease(db, LEASE, self.holder, LEASE_SECONDS, now):
                return "lease lost"
            if message["purpose"] == "invitation":
                allowed = quiet.next_allowed(now, self.channel.quiet, self.channel.timezone)
                if allowed > now:
                    storage.update_message(db, message_id, {"next_attempt_at": to_stored(allowed)}, now)
                    return "deferred"
            if storage.is_opted_out(db, message["phone_hash"]):
                self.channel.record_status(db, message, "opted_out", now)
                return "opted_out"
            storage.update_message(db, message_id, {"status": "sending", "claimed_at": to_stored(now),
                                                    "attempts": message["attempts"] + 1}, now)
        outcome = self.transport.send(message["phone"], message["body"], message_id)
        now = fixed_now or self.clock()
        with write_transaction(db):
            return self._record(db, storage.message(db, message_id), outcome, now)

    def _pace(self):
        if self._last_send is not None:
            wait = self._last_send + self.interval - time.monotonic()
            if wait > 0:
                self.sleep(wait)
        self._last_send = time.monotonic()

    def _record(self, db, message, outcome, now):
        channel = self.channel
        if outcome.status == "retry":
            if message["attempts"] >= MAX_ATTEMPTS:
                channel.record_status(db, message, "failed", now, error_code=outcome.error_code,
                                      error_message=f"gave up after {MAX_ATTEMPTS} attempts: {outcome.error_message}")
                return "failed"
            storage.update_message(db, message["id"], {
                "status": "pending", "error_code": outcome.error_code, "error_message": outcome.error_message,
                "next_attempt_at": to_stored(now + dt.timedelta(seconds=backoff(message["attempts"])))}, now)
            return "retry"
        if outcome.status == "unknown":
            channel.record_status(db, message, "unknown", now, error_message=outcome.error_message)
            return "unknown"
        if outcome.status == "failed":
            channel.record_status(db, message, "failed", now, error_code=outcome.error_code,
                                  error_message=outcome.error_message)
            return "opted_out" if outcome.error_code == 21610 else "failed"
        status = storage.TWILIO_STATUSES.get((outcome.status or "").lower(), "queued")
        channel.record_status(db, message, status, now, sid=outcome.sid, transport=self.transport.name)
        if message["invitation_id"] is not None:
            channel.open_conversation(db, message, now)
        return "sent"
