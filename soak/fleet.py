"""Real kiosks without their screens: the kiosk's own outbox and background sender.

Each kiosk has its SQLite outbox (kiosk/outbox.py) and its Sender thread (kiosk/sender.py)
talking through kiosk/client.py, exactly as on a Raspberry Pi at a counter; a "citizens"
thread per kiosk adds ratings to the outbox and wakes the sender, as the screen does. The
HTTP session records every answer, so the soak knows which ratings the server
acknowledged and when, and which batches it refused.
"""

import contextlib
import sqlite3
import threading
import time

import requests

from kiosk.client import Client
from kiosk.outbox import Outbox
from kiosk.sender import Sender
from soak.traffic import RatingClock, new_rating, seeded


class RecordingSession(requests.Session):
    """requests.Session that notes each answer: kind, status, latency; acks and refusals.

    With `lose_share` it also drops that share of the ratings answers on the way back (the
    server stored the batch, the kiosk hears nothing, as when Wi-Fi drops at that moment).
    """

    def __init__(self, tally, ledger, lose_share=0.0, rng=None):
        super().__init__()
        self.tally, self.ledger = tally, ledger
        self.lose_share, self.rng = lose_share, rng

    def request(self, method, url, *args, **kwargs):
        items = (kwargs.get("json") or {}).get("ratings") if url.endswith("/api/v1/ratings") else None
        kind = url.rsplit("/api/v1/", 1)[-1]
        if items is not None:
            kind = "kiosk single" if len(items) == 1 else "kiosk batch"
        started = time.perf_counter()
        try:
            response = super().request(method, url, *args, **kwargs)
        except requests.RequestException:
            self.tally.record(kind, "connection")
            if items is not None:
                self.ledger.unanswered()
            raise
        self.tally.record(kind, response.status_code, time.perf_counter() - started)
        if items is not None:
            if response.status_code == 200 and self.lose_share and self.rng.random() < self.lose_share:
                self.ledger.lost_answers += 1
                raise requests.ConnectionError("the answer was lost on the way back (injected)")
            self.ledger.answered(items, response)
        return response


class Ledger:
    """What the kiosks gave, what the server acknowledged (and when), what it refused."""

    def __init__(self):
        self.lock = threading.Lock()
        self.given = []
        self.acks = {}            # id -> (status, monotonic time of the answer)
        self.refused = []         # (status, content type, Retry-After, body start, ids) of non-200 answers
        self.unanswered_batches = 0
        self.lost_answers = 0

    def give(self, rating_id):
        with self.lock:
            self.given.append(rating_id)

    def answered(self, items, response):
        now = time.monotonic()
        with self.lock:
            if response.status_code == 200:
                for result in response.json().get("results", []):
                    if result.get("status") in ("accepted", "duplicate"):
                        self.acks.setdefault(result["id"], (result["status"], now))
            else:
                self.refused.append((response.status_code, response.headers.get("Content-Type", ""),
                                     response.headers.get("Retry-After"), response.text[:200],
                                     [item["id"] for item in items]))

    def unanswered(self):
        with self.lock:
            self.unanswered_batches += 1

    def acked_between(self, start, end):
        with self.lock:
            return [rid for rid, (_, moment) in self.acks.items() if start <= moment < end]

    def duplicates_acked(self):
        with self.lock:
            return sum(1 for status, _ in self.acks.values() if status == "duplicate")


class Fleet:
    """`count` real kiosks of a site, each rating `rate` citizens a second on average."""

    def __init__(self, site, base_url, folder, tally, count=None, rate=2.0, synchronous="FULL", lose_share=0.0):
        self.site, self.base_url, self.folder, self.tally = site, base_url, folder, tally
        self.kiosks = site.kiosks[:count] if count else site.kiosks
        self.rate, self.synchronous, self.lose_share = rate, synchronous, lose_share
        self.ledger = Ledger()
        self.stop_giving = threading.Event()
        self.senders, self.citizens = [], []

    def outbox_path(self, kiosk):
        return self.folder / f"outbox-{kiosk.id}.db"

    def start(self):
        self.folder.mkdir(parents=True, exist_ok=True)
        for kiosk in self.kiosks:
            session = RecordingSession(self.tally, self.ledger, self.lose_share, seeded("lose", kiosk.id))
            client = Client(self.base_url, kiosk.token, session=session)
            Outbox(self.outbox_path(kiosk), self.synchronous).close()  # created before both threads use it
            sender = Sender(client, self.outbox_path(kiosk), retry_base=0.25, retry_max=1.0,
                            synchronous=self.synchronous, rand=seeded("backoff", kiosk.id).random)
            sender.start()
            citizens = threading.Thread(target=self._citizens, args=(kiosk, sender), daemon=True,
                                        name=f"citizens-{kiosk.id}")
            citizens.start()
            self.senders.append(sender)
            self.citizens.append(citizens)
        return self

    def _citizens(self, kiosk, sender):
        """Ratings given at the counter: stored in the outbox first, then the sender is woken."""
        rng = seeded("citizens", kiosk.id)
        clock = RatingClock(rng)
        outbox = Outbox(self.outbox_path(kiosk), self.synchronous)
        try:
            while not self.stop_giving.wait(rng.expovariate(self.rate)):
                item = new_rating(rng, clock)
                outbox.add(item)
                self.ledger.give(item["id"])
                sender.wake()
        finally:
            outbox.close()

    def queued(self):
        """Ratings still waiting in the kiosks' outboxes (and dead letters, which must stay 0)."""
        queued = dead = 0
        for kiosk in self.kiosks:
            with contextlib.closing(sqlite3.connect(f"file:{self.outbox_path(kiosk)}?mode=ro", uri=True)) as conn:
                queued += conn.execute("SELECT count(*) FROM outbox").fetchone()[0]
                dead += conn.execute("SELECT count(*) FROM dead_letters").fetchone()[0]
        return queued, dead

    def drain(self, timeout):
        """Stop giving ratings and wait until every outbox is empty; True when they are."""
        self.stop_giving.set()
        for thread in self.citizens:
            thread.join(10)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.queued()[0] == 0:
                return True
            for sender in self.senders:
                # As a new rating would: a sender asleep until its next heartbeat (its last wake-up
                # may have landed just as it cleared the previous one) looks at its outbox now.
                sender.wake()
            time.sleep(0.2)
        return False

    def stop(self):
        self.stop_giving.set()
        for sender in self.senders:
            sender.stop()
