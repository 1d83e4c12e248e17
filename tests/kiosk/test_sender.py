"""The background sender against the real server on loopback: in order, exactly once, nothing lost."""

import datetime as dt
import time
import uuid

import pytest

from kiosk.client import Client
from kiosk.controller import Controller
from kiosk.datadir import DataDir
from kiosk.flow import Dismiss
from kiosk.outbox import Outbox
from kiosk.sender import Sender, backoff
from tests.kiosk.support import queued_rating
from tests.support import ServerProcess, flask_cli, free_port


class Watch:
    """Collects the sender's status reports and waits for one that matches."""

    def __init__(self):
        self.reports = []

    def __call__(self, status):
        self.reports.append(status)

    def until(self, condition, timeout=60):  # 1,200 ratings through a real server on a loaded 2-core machine
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.reports and condition(self.reports[-1]):
                return self.reports[-1]
            time.sleep(0.05)
        raise AssertionError(f"no status matched in {timeout}s; last: {self.reports[-1:]}")


@pytest.fixture
def outbox(tmp_path):
    return Outbox(tmp_path / "outbox.db", synchronous="NORMAL")


def start_sender(url, token, outbox, data_dir=None, **options):
    watch = Watch()
    options.setdefault("retry_base", 0.1)
    options.setdefault("retry_max", 0.5)
    sender = Sender(Client(url, token), outbox.path, data_dir, on_status=watch, synchronous="NORMAL", **options)
    sender.start()
    return sender, watch


def test_a_backlog_drains_in_the_order_given_and_arrives_once(site, outbox):
    kiosk_id, token, _ = site.add_kiosk()
    given = [queued_rating(score=1 + n % 4, seconds_ago=3600 - n) for n in range(1200)]
    outbox.add_many(given)
    sender, watch = start_sender(site.url, token, outbox, batch_size=250)
    try:
        watch.until(lambda s: s.queued == 0 and s.online)
    finally:
        sender.stop()
    stored = site.ratings(kiosk_id)
    assert [r["client_id"] for r in stored] == [r["id"] for r in given]
    assert [r["score"] for r in stored] == [r["score"] for r in given]
    assert {(r["office"], r["counter"]) for r in stored} == {("D", "Quầy 1")}


def _site_not_started(tmp_path, outbox):
    """A province and a kiosk with its sender running, and the server not started yet: the
    test starts and stops it (`with server:`)."""
    from tests.kiosk.support import Site, build_province
    database = tmp_path / "site.db"
    build_province(database)
    server = ServerProcess(database)
    site = Site(database, server)
    kiosk_id, token, _ = site.add_kiosk()
    return server, site, kiosk_id, *start_sender(server.url, token, outbox)


def test_while_the_server_is_down_ratings_wait_and_then_all_arrive(tmp_path, outbox):
    server, site, kiosk_id, sender, watch = _site_not_started(tmp_path, outbox)
    try:
        given = [queued_rating(score, seconds_ago=10 - n) for n, score in enumerate((4, 3, 1))]
        for rating in given:
            outbox.add(rating)
            sender.wake()
        offline = watch.until(lambda s: s.online is False and s.queued == 3)
        assert offline.last_sync_at is None
        with server:
            watch.until(lambda s: s.online and s.queued == 0)
            assert [r["client_id"] for r in site.ratings(kiosk_id)] == [r["id"] for r in given]
    finally:
        sender.stop()


def test_a_kiosk_that_was_online_retries_a_failed_send_on_its_backoff_not_at_its_next_heartbeat(tmp_path, outbox):
    """The server restarts (an upgrade, a power cut): the rating given meanwhile arrives as soon
    as it is back, not up to a heartbeat interval (a minute) later."""
    server, site, kiosk_id, sender, watch = _site_not_started(tmp_path, outbox)
    try:
        with server:
            watch.until(lambda s: s.online and s.queued == 0)  # its next heartbeat is a minute away
        given = queued_rating(4)
        outbox.add(given)
        sender.wake()
        watch.until(lambda s: s.online is False and s.queued == 1)
        with server:
            back = time.monotonic()
            watch.until(lambda s: s.online and s.queued == 0, timeout=30)
            waited = time.monotonic() - back
        assert [r["client_id"] for r in site.ratings(kiosk_id)] == [given["id"]]
        assert waited < 10  # its backoff is at most 0.5 s here
    finally:
        sender.stop()


class Flaky(Client):
    """A client whose first sends fail in a way the sender does not expect (a bug, a bad card)."""

    def __init__(self, *args, failures=2):
        super().__init__(*args)
        self.failures = failures

    def post_ratings(self, batch):
        if self.failures:
            self.failures -= 1
            raise RuntimeError("an error nobody planned for")
        return super().post_ratings(batch)


def test_an_unexpected_error_does_not_stop_the_sender_for_good(site, outbox):
    kiosk_id, token, _ = site.add_kiosk()
    given = [queued_rating(3, seconds_ago=20), queued_rating(4, seconds_ago=10)]
    outbox.add_many(given)
    watch = Watch()
    sender = Sender(Flaky(site.url, token), outbox.path, None, on_status=watch, synchronous="NORMAL",
                    retry_base=0.1, retry_max=0.5)
    sender.start()
    try:
        watch.until(lambda s: s.queued == 0 and s.online)
    finally:
        sender.stop()
    assert [r["client_id"] for r in site.ratings(kiosk_id)] == [r["id"] for r in given]


def test_an_answer_lost_on_the_way_back_makes_a_duplicate_not_a_second_rating(site, outbox):
    kiosk_id, token, _ = site.add_kiosk()
    given = [queued_rating(2, seconds_ago=9), queued_rating(4, seconds_ago=5)]
    outbox.add_many(given)
    # The server stores the batch but the kiosk never hears back (it was killed, the Wi-Fi dropped).
    Client(site.url, token).post_ratings(outbox.next_batch(10))
    sender, watch = start_sender(site.url, token, outbox)
    try:
        watch.until(lambda s: s.queued == 0 and s.online)
    finally:
        sender.stop()
    assert [r["client_id"] for r in site.ratings(kiosk_id)] == [r["id"] for r in given]


def test_a_rejected_rating_is_set_aside_with_the_servers_reason_and_the_rest_arrive(site, outbox):
    kiosk_id, token, _ = site.add_kiosk()
    good = [queued_rating(4, seconds_ago=9), queued_rating(3, seconds_ago=5)]
    bad_score = queued_rating(9)
    from_the_future = queued_rating(4, seconds_ago=-86400)
    outbox.add_many([good[0], bad_score, from_the_future, good[1]])
    sender, watch = start_sender(site.url, token, outbox)
    try:
        status = watch.until(lambda s: s.queued == 0 and s.online)
    finally:
        sender.stop()
    assert [r["client_id"] for r in site.ratings(kiosk_id)] == [r["id"] for r in good]
    assert status.dead == 2
    errors = {d["id"]: d["error"] for d in outbox.dead_letters()}
    assert errors[bad_score["id"]].startswith("score:")
    assert errors[from_the_future["id"]].startswith("created_at:")


def test_a_batch_bigger_than_the_server_takes_is_split(tmp_path, outbox):
    from tests.kiosk.support import Site, build_province
    database = tmp_path / "small.db"
    build_province(database)
    with ServerProcess(database, MAX_BATCH=40) as server:
        site = Site(database, server)
        kiosk_id, token, _ = site.add_kiosk()
        given = [queued_rating(1 + n % 4, seconds_ago=1000 - n) for n in range(300)]
        outbox.add_many(given)
        sender, watch = start_sender(server.url, token, outbox, batch_size=250)
        try:
            status = watch.until(lambda s: s.queued == 0 and s.online)
        finally:
            sender.stop()
        assert [r["client_id"] for r in site.ratings(kiosk_id)] == [r["id"] for r in given]
        assert status.dead == 0


def test_a_revoked_kiosk_keeps_its_ratings_and_says_it_is_refused(site, outbox):
    kiosk_id, token, _ = site.add_kiosk()
    flask_cli(site.database, "kiosk", "revoke", str(kiosk_id))
    outbox.add(queued_rating(4))
    sender, watch = start_sender(site.url, token, outbox)
    try:
        status = watch.until(lambda s: s.problem == "refused")
    finally:
        sender.stop()
    assert status.online is False and status.queued == 1
    assert outbox.queued() == 1


def test_the_heartbeat_reports_queue_last_sync_and_version(site, outbox):
    kiosk_id, token, _ = site.add_kiosk()
    outbox.add_many([queued_rating(4, seconds_ago=9), queued_rating(2, seconds_ago=5)])
    sender, watch = start_sender(site.url, token, outbox)
    try:
        status = watch.until(lambda s: s.queued == 0 and s.online)
        deadline = time.monotonic() + 10
        while site.kiosk_row(kiosk_id)["last_seen_at"] is None and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        sender.stop()
    row = site.kiosk_row(kiosk_id)
    assert (row["queue_length"], row["app_version"]) == (0, "1.0.0")
    assert row["last_sync_at"] is not None and status.last_sync_at is not None


def synced_kiosk(site, tmp_path, counter):
    """A kiosk that has been online once (so its config is cached): (token, data dir)."""
    _, token, _ = site.add_kiosk(counter=counter)
    data_dir = DataDir(tmp_path / "kiosk")
    outbox = Outbox(data_dir.outbox_path, synchronous="NORMAL")
    sender, watch = start_sender(site.url, token, outbox, data_dir=data_dir)
    try:
        watch.until(lambda s: s.online)
    finally:
        sender.stop()
    return token, data_dir


def test_config_is_cached_so_a_kiosk_starts_and_takes_ratings_with_the_server_unreachable(site, tmp_path):
    token, data_dir = synced_kiosk(site, tmp_path, "Quầy 2")
    # Next morning the network is down: the kiosk starts from what it cached.
    cached = DataDir(tmp_path / "kiosk").load_config()
    assert cached["counter"]["label"] == "Quầy 2" and cached["staff"]["name"] == "Y Blông Niê"
    offline_outbox = Outbox(data_dir.outbox_path, synchronous="NORMAL")
    controller = Controller(offline_outbox, cached)
    assert controller.rate(4).screen == "thanks"
    offline_sender, offline_watch = start_sender(f"http://127.0.0.1:{free_port()}", token, offline_outbox)
    try:
        status = offline_watch.until(lambda s: s.online is False)
    finally:
        offline_sender.stop()
    assert status.queued == 1
    assert offline_outbox.next_batch(1)[0]["staff"] == "CB2"


def test_backoff_doubles_up_to_its_cap_with_jitter():
    assert [backoff(n, 1, 60, lambda: 1.0) for n in (1, 2, 3, 4, 7, 20)] == [1, 2, 4, 8, 60, 60]
    assert [backoff(n, 1, 60, lambda: 0.0) for n in (1, 3, 20)] == [0.5, 2, 30]


def test_rating_ids_are_time_ordered_uuids_so_the_servers_index_grows_at_one_end(site, tmp_path):
    _, data_dir = synced_kiosk(site, tmp_path, "Quầy 3")
    outbox = Outbox(data_dir.outbox_path, synchronous="NORMAL")
    moments = iter(dt.datetime(2026, 11, 27, 8, 0, tzinfo=dt.UTC) + dt.timedelta(seconds=20 * n) for n in range(99))
    controller = Controller(outbox, data_dir.load_config(), clock=lambda: next(moments))
    for score in (4, 3, 4, 2, 4):
        controller.rate(score)
        controller.handle(Dismiss())  # the citizen taps the thank-you away; the next one comes
    ids = [item["id"] for item in outbox.next_batch(10)]
    assert len(ids) == 5 and all(uuid.UUID(i).version == 7 for i in ids)
    assert ids == sorted(ids)  # given in this order, sorted in this order
