"""The clients of a soak, each keeping a ledger of what the server acknowledged.

- `KioskLoop`: a kiosk as the real one behaves on the wire, without its screen: ratings
  wait in a queue until a 200 answer settles them; a batch goes out after an outage; now
  and then a batch is sent again as if its answer had been lost (then all are duplicates).
- `Texter`: citizens texting `<OFFICE CODE> <score>` from many numbers through Twilio's
  inbound webhook, signed as Twilio signs; dissatisfied ones answer the follow-up question.
  A message that gets no 200 is delivered again with the same MessageSid, as a gateway
  retries; some are delivered twice anyway, and some citizens send their text twice.
- `Reader`: a supervisor reading the stats.
- `Tally`: latency and answers by kind of request, shared by all of them.

Ratings carry a realistic `created_at`: each kiosk has its own clock over the past weeks
that moves 4 to 90 seconds per citizen (a few double taps 1 s apart, which the misuse rule
flags), so periods fill and the misuse rule sees what it sees in the field.
"""

import datetime as dt
import itertools
import random
import statistics
import threading
import time
import uuid
import xml.etree.ElementTree as ElementTree
from collections import Counter, defaultdict

import requests
from twilio.request_validator import RequestValidator

from soak.site import TWILIO_FROM

MAX_BATCH = 500
TIMEOUT = (5, 30)
WORDS = {4: "rat hai long", 3: "hai long", 2: "binh thuong", 1: "khong hai long"}
FORMS = ["{code} {score}", "{lower} {score}", "{code} {score} cam on", "{code}: {score}.", "{code} {words}",
         "{lower} {score}."]
FOLLOWUPS = ["1", "2 5", "1,3", "4 cho lau qua", "6"]


class Tally:
    """Latencies (seconds) and answers (status code or 'connection') by kind of request."""

    def __init__(self):
        self.latencies = defaultdict(list)
        self.answers = defaultdict(Counter)
        self.lock = threading.Lock()

    def record(self, kind, answer, seconds=None):
        with self.lock:
            self.answers[kind][answer] += 1
            if seconds is not None and answer == 200:
                self.latencies[kind].append(seconds)

    def merge(self, other):
        for kind, values in other.latencies.items():
            self.latencies[kind].extend(values)
        for kind, answers in other.answers.items():
            self.answers[kind].update(answers)

    def state(self):
        return {"latencies": dict(self.latencies), "answers": {k: dict(v) for k, v in self.answers.items()}}

    @classmethod
    def from_state(cls, state):
        tally = cls()
        for kind, values in state["latencies"].items():
            tally.latencies[kind].extend(values)
        for kind, answers in state["answers"].items():
            tally.answers[kind].update(answers)
        return tally

    def server_errors(self):
        return sum(n for answers in self.answers.values() for answer, n in answers.items()
                   if isinstance(answer, int) and answer >= 500)

    def summary(self, seconds):
        """{kind: requests, rate held (answered 200 per second), p50 and p99 in ms, answers}."""
        figures = {}
        for kind in sorted(self.answers):
            done = sorted(self.latencies.get(kind, []))
            figures[kind] = {
                "requests": sum(self.answers[kind].values()),
                "rate": len(done) / seconds if seconds else 0.0,
                "p50_ms": statistics.median(done) * 1000 if done else float("nan"),
                "p99_ms": done[min(len(done) - 1, int(len(done) * 0.99))] * 1000 if done else float("nan"),
                "answers": dict(self.answers[kind]),
            }
        return figures


class Pacer:
    """Waits for the next slot of a steady rate; a client that falls behind does not burst."""

    def __init__(self, rate, rng):
        self.interval = 1.0 / rate
        self.next = time.monotonic() + rng.uniform(0, self.interval)

    def wait(self, stop):
        now = time.monotonic()
        if self.next > now:
            stop.wait(self.next - now)
        self.next = max(self.next + self.interval, time.monotonic() - self.interval)


class RatingClock:
    """`created_at` for one kiosk's citizens, starting weeks ago, never in the future."""

    def __init__(self, rng, days_back=20):
        self.rng = rng
        self.moment = dt.datetime.now(dt.UTC) - dt.timedelta(days=days_back, seconds=rng.uniform(0, 3600))

    def next(self, double_tap_share=0.02):
        step = 1.0 if self.rng.random() < double_tap_share else self.rng.uniform(4, 90)
        self.moment = min(self.moment + dt.timedelta(seconds=step), dt.datetime.now(dt.UTC))
        return self.moment


def new_rating(rng, clock):
    score = rng.choices([4, 3, 2, 1], weights=[50, 30, 12, 8])[0]
    item = {"id": str(uuid.uuid4()), "score": score, "created_at": clock.next().isoformat(timespec="seconds")}
    if score == 1 and rng.random() < 0.6:
        item["reasons"] = rng.sample(["waiting_time", "staff_attitude", "unclear_procedure", "fees"], k=2)
    if rng.random() < 0.3:
        item["language"] = "vi"
    return item


class KioskLoop:
    """One kiosk's queue and its deliveries (see the module's docstring)."""

    def __init__(self, base_url, kiosk, rng, tally):
        self.url = base_url.rstrip("/") + "/api/v1/ratings"
        self.kiosk, self.rng, self.tally = kiosk, rng, tally
        self.headers = {"Authorization": f"Bearer {kiosk.token}"}
        self.clock = RatingClock(rng)
        self.pending = []
        self.acked = {}       # id -> "accepted" | "duplicate", as the server answered the first time
        self.problems = []    # answers that break the contract (wrong shape, rejected, ...)
        self.last_batch = None

    def give(self, count):
        self.pending.extend(new_rating(self.rng, self.clock) for _ in range(count))

    def deliver(self, session):
        """Send what is queued, oldest first; False when the server did not take it (retry later)."""
        while self.pending:
            items = self.pending[:MAX_BATCH]
            answer = self._post(session, items, "kiosk single" if len(items) == 1 else "kiosk batch")
            if answer is None:
                return False
            for item, result in zip(items, answer, strict=True):
                if result["status"] == "rejected":
                    self.problems.append(f"rejected {item['id']}: {result.get('error')}")
                else:
                    self.acked.setdefault(item["id"], result["status"])
            self.pending = self.pending[len(items):]
            self.last_batch = items
        return True

    def resend_last(self, session):
        """The last batch again, as a kiosk does when an answer was lost: every item a duplicate."""
        if not self.last_batch:
            return
        answer = self._post(session, self.last_batch, "kiosk resend")
        if answer is not None and any(result["status"] != "duplicate" for result in answer):
            self.problems.append("a resent batch was not all duplicates")

    def _post(self, session, items, kind):
        started = time.perf_counter()
        try:
            response = session.post(self.url, json={"ratings": items}, headers=self.headers, timeout=TIMEOUT)
        except requests.RequestException:
            self.tally.record(kind, "connection")
            return None
        self.tally.record(kind, response.status_code, time.perf_counter() - started)
        if response.status_code != 200:
            return None
        results = response.json().get("results", [])
        if len(results) != len(items) or any(r.get("id") != i["id"] for r, i in zip(results, items, strict=False)):
            self.problems.append("answer without one result per rating, in order")
            return None
        return results


class Texter:
    """Citizens texting the Twilio number (see the module's docstring)."""

    numbers = itertools.count()

    def __init__(self, base_url, public_base_url, site, rng, tally, prefix):
        self.url = base_url.rstrip("/") + "/sms/twilio/inbound"
        self.signed_url = public_base_url.rstrip("/") + "/sms/twilio/inbound"
        self.validator = RequestValidator(site.twilio_token)
        self.site, self.rng, self.tally, self.prefix = site, rng, tally, prefix
        self.expected = Counter()   # (office code, score) of every rating the server answered
        self.followups = 0          # follow-up answers with reasons the server answered
        self.problems = []
        self.retry_for = 60.0

    def number(self):
        """A fresh Viettel-looking number per citizen (the prefix keeps processes apart)."""
        return f"+8498{self.prefix}{next(self.numbers):06d}"

    def citizen(self, session, redelivery_share=0.05, resend_share=0.05):
        """One citizen: a rating, maybe a follow-up, maybe a message delivered twice."""
        number, code = self.number(), self.rng.choice(self.site.offices)
        score = self.rng.choices([4, 3, 2, 1], weights=[45, 30, 13, 12])[0]
        text = self.rng.choice(FORMS).format(code=code, lower=code.lower(), score=score, words=WORDS[score])
        sid, reply = self.deliver(session, number, text)
        if reply is None:
            return
        self.expected[(code, score)] += 1
        if self.rng.random() < redelivery_share and self.deliver(session, number, text, sid)[1] != reply:
            self.problems.append("a redelivered MessageSid got another reply")
        if self.rng.random() < resend_share:
            self.deliver(session, number, text)
        if score == 1:
            answer = self.rng.choice(FOLLOWUPS)
            if self.deliver(session, number, answer)[1] is not None:
                self.followups += 1

    def deliver(self, session, number, body, sid=None):
        """(MessageSid, reply) once the server answered 200; retried with the same sid until then."""
        sid = sid or "SM" + uuid.uuid4().hex
        params = {"MessageSid": sid, "AccountSid": self.site.twilio_sid, "From": number, "To": TWILIO_FROM,
                  "Body": body, "NumMedia": "0", "NumSegments": "1"}
        headers = {"X-Twilio-Signature": self.validator.compute_signature(self.signed_url, params)}
        deadline = time.monotonic() + self.retry_for
        while time.monotonic() < deadline:
            started = time.perf_counter()
            try:
                response = session.post(self.url, data=params, headers=headers, timeout=TIMEOUT)
            except requests.RequestException:
                self.tally.record("sms webhook", "connection")
                time.sleep(0.2)
                continue
            self.tally.record("sms webhook", response.status_code, time.perf_counter() - started)
            if response.status_code == 200:
                messages = [m.text for m in ElementTree.fromstring(response.content).iter("Message")]
                if not messages or not messages[0]:
                    self.problems.append(f"no reply to {body!r}")
                return sid, messages[0] if messages else None
            time.sleep(0.2)
        self.problems.append("a message was never answered with 200")
        return sid, None


class Reader:
    """A supervisor reading the province's figures in a few ways."""

    QUERIES = [{"period": "month"}, {"period": "month", "breakdown": "children"}, {"period": "day"},
               {"period": "week", "channel": "sms"}, {"period": "quarter", "channel": "kiosk", "office": "GN"}]

    def __init__(self, base_url, token, rng, tally):
        self.url = base_url.rstrip("/") + "/api/v1/stats"
        self.headers = {"Authorization": f"Bearer {token}"}
        self.rng, self.tally = rng, tally

    def read(self, session):
        started = time.perf_counter()
        try:
            response = session.get(self.url, params=self.rng.choice(self.QUERIES), headers=self.headers,
                                   timeout=TIMEOUT)
        except requests.RequestException:
            self.tally.record("stats read", "connection")
            return
        self.tally.record("stats read", response.status_code, time.perf_counter() - started)


def seeded(*parts):
    return random.Random(":".join(str(p) for p in parts))
