"""The three scenarios: steady load, SIGKILL and restart, a full disk. Each returns a Report.

All run the real server under gunicorn with deploy/gunicorn.conf.py (several workers, one
SQLite file, SQLITE_SYNCHRONOUS as production has it unless told otherwise) on loopback.
"""

import datetime as dt
import multiprocessing
import threading
import time
import zoneinfo
from collections import Counter

import requests

from soak import verify
from soak.fleet import Fleet
from soak.report import Report
from soak.site import PROVINCE, build
from soak.traffic import KioskLoop, Pacer, Reader, Tally, Texter, seeded
from soak.volume import fill, free_bytes, small_volume
from tests.support import ServerProcess, free_port

LOCAL = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")


def serve(site, folder, name, workers, synchronous, **extra):
    """The server for a site (not started), with its own log file."""
    port = free_port()
    return ServerProcess(site.database, workers=workers, port=port, deploy_config=True,
                         log_path=folder / f"{name}-server.log", SQLITE_SYNCHRONOUS=synchronous,
                         **site.server_settings(f"http://127.0.0.1:{port}"), **extra)


# --- load --------------------------------------------------------------------------------

def load(folder, seconds=20.0, kiosks=24, kiosk_rate=40.0, batch_share=0.05, resend_share=0.02, sms_rate=10.0,
         texters=4, stats_rate=2.0, workers=3, processes=2, synchronous="FULL"):
    """Kiosks, SMS and a supervisor at steady rates (requests a second) for `seconds`."""
    folder.mkdir(parents=True, exist_ok=True)
    report = Report("load")
    site = build(folder / "load.db", kiosks)
    server = serve(site, folder, "load", workers, synchronous).start()
    try:
        plan = {"seconds": seconds, "kiosk_rate": kiosk_rate / processes, "batch_share": batch_share,
                "resend_share": resend_share, "sms_rate": sms_rate / processes, "texters": max(1, texters // processes),
                "stats_rate": stats_rate / processes, "processes": processes}
        started = time.monotonic()
        parts = _in_processes(_load_clients, processes, server.url, site, plan)
        report.seconds = time.monotonic() - started
        tally = Tally()
        for part in parts:
            tally.merge(Tally.from_state(part["tally"]))
        acked = {k: v for part in parts for k, v in part["acked"].items()}
        expected = sum((Counter(part["expected"]) for part in parts), Counter())
        report.requests = tally.summary(seconds)
        report.figure("kiosk ratings acknowledged", len(acked))
        report.figure("kiosk ratings per second held", len(acked) / seconds)
        report.figure("SMS ratings acknowledged", sum(expected.values()))
        report.figure("SMS follow-ups with reasons acknowledged", sum(part["followups"] for part in parts))
        report.check("answers 5xx", tally.server_errors())
        report.check("requests without an answer", sum(a.get("connection", 0) for a in tally.answers.values()))
        report.check("first sends answered duplicate", sum(1 for status in acked.values() if status != "accepted"))
        report.check("ratings still queued at kiosks", sum(part["pending"] for part in parts))
        report.check("client-side problems", sum(len(part["problems"]) for part in parts))
        for problem in {p for part in parts for p in part["problems"]}:
            report.figure("problem", problem)
        _check_ratings(report, server, site, acked.keys(), expected, sum(part["followups"] for part in parts))
    finally:
        server.stop()
    _check_database(report, site, server)
    return report


def _in_processes(target, processes, *args):
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    workers = [context.Process(target=target, args=(index, queue, *args)) for index in range(processes)]
    for worker in workers:
        worker.start()
    parts = [queue.get() for _ in workers]
    for worker in workers:
        worker.join()
    return parts


def _load_clients(index, queue, base_url, site, plan):
    """One client process: its share of the kiosks, texters and readers, each a thread."""
    tally, stop = Tally(), threading.Event()
    mine = site.kiosks[index::plan["processes"]]
    kiosks = [KioskLoop(base_url, kiosk, seeded("kiosk", kiosk.id), tally) for kiosk in mine]
    texters = [Texter(base_url, base_url, site, seeded("texter", index, n), tally, f"{index}{n}")
               for n in range(plan["texters"])]
    reader = Reader(base_url, site.user_token, seeded("reader", index), tally)

    def kiosk_loop(kiosk):
        session, pacer = requests.Session(), Pacer(plan["kiosk_rate"] / len(kiosks), kiosk.rng)
        while not stop.is_set():
            pacer.wait(stop)
            # After an outage a kiosk sends what piled up; otherwise one citizen, one POST.
            kiosk.give(kiosk.rng.randint(10, 120) if kiosk.rng.random() < plan["batch_share"] else 1)
            if kiosk.deliver(session) and kiosk.rng.random() < plan["resend_share"]:
                kiosk.resend_last(session)
        deadline = time.monotonic() + 30
        while kiosk.pending and time.monotonic() < deadline:
            if not kiosk.deliver(session):
                time.sleep(0.2)

    def texter_loop(texter):
        session, pacer = requests.Session(), Pacer(plan["sms_rate"] / len(texters), texter.rng)
        while not stop.is_set():
            pacer.wait(stop)
            texter.citizen(session)

    def reader_loop():
        session, pacer = requests.Session(), Pacer(plan["stats_rate"], reader.rng)
        while not stop.is_set():
            pacer.wait(stop)
            reader.read(session)

    threads = [threading.Thread(target=kiosk_loop, args=(k,)) for k in kiosks]
    threads += [threading.Thread(target=texter_loop, args=(t,)) for t in texters if plan["sms_rate"] > 0]
    if plan["stats_rate"] > 0:
        threads.append(threading.Thread(target=reader_loop))
    for thread in threads:
        thread.start()
    time.sleep(plan["seconds"])
    stop.set()
    for thread in threads:
        thread.join()
    queue.put({
        "tally": tally.state(),
        "acked": {rid: status for kiosk in kiosks for rid, status in kiosk.acked.items()},
        "pending": sum(len(kiosk.pending) for kiosk in kiosks),
        "problems": [p for client in [*kiosks, *texters] for p in client.problems],
        "expected": dict(sum((t.expected for t in texters), Counter())),
        "followups": sum(t.followups for t in texters),
    })


# --- SIGKILL and restart -----------------------------------------------------------------

def kills(folder, kills=3, kiosks=8, rate=3.0, sms_rate=4.0, spacing=(2.0, 4.0), down=(0.1, 0.8), workers=3,
          lose_share=0.03, synchronous="FULL"):
    """Real kiosks and texting citizens while the server is SIGKILLed `kills` times and restarted,
    and `lose_share` of the ratings answers never reach their kiosk."""
    folder.mkdir(parents=True, exist_ok=True)
    report = Report("SIGKILL and restart")
    site = build(folder / "kills.db", kiosks)
    server = serve(site, folder, "kills", workers, synchronous).start()
    tally, rng = Tally(), seeded("kills")
    fleet = Fleet(site, server.url, folder / "kiosks", tally, rate=rate, synchronous=synchronous,
                  lose_share=lose_share).start()
    texting = _Texting(server.url, site, tally, sms_rate)
    kill_times = []
    started = time.monotonic()
    try:
        for _ in range(kills):
            time.sleep(rng.uniform(*spacing))
            kill_times.append(time.monotonic())
            server.kill()
            time.sleep(rng.uniform(*down))
            server.start()
        time.sleep(spacing[0])
        texting.stop()
        drained = fleet.drain(timeout=60)
        report.seconds = time.monotonic() - started
        fleet.stop()
        ledger = fleet.ledger
        given = list(ledger.given)
        report.requests = tally.summary(report.seconds)
        report.figure("SIGKILLs of the whole server (master and workers)", len(kill_times))
        report.figure("kiosk ratings given", len(given))
        report.figure("kiosk POSTs cut off by a kill (refused or reset)", ledger.unanswered_batches)
        report.figure("ratings answers dropped on the way back (injected)", ledger.lost_answers)
        report.figure("answers lost, so re-sent and acknowledged as duplicate", ledger.duplicates_acked())
        just_before = {rid for moment in kill_times for rid in ledger.acked_between(moment - 1.0, moment)}
        report.figure("ratings acknowledged in the last second before a kill", len(just_before))
        report.figure("SMS ratings acknowledged", sum(texting.expected.values()))
        report.check("kiosk outboxes drained", drained, True)
        report.check("ratings still queued or dead-lettered", sum(fleet.queued()))
        report.check("acknowledged just before a kill, then lost", verify.exactly_once(site.database, just_before)[0])
        report.check("client-side problems", len(texting.problems))
        _check_ratings(report, server, site, given, texting.expected, texting.followups)
    finally:
        texting.stop()
        fleet.stop()
        server.stop()
    _check_database(report, site, server)
    return report


class _Texting:
    """Texter threads in this process at `rate` citizens a second, retrying through outages."""

    def __init__(self, base_url, site, tally, rate, threads=2):
        self.stop_event = threading.Event()
        self.texters = [Texter(base_url, base_url, site, seeded("texting", n), tally, f"9{n}") for n in range(threads)]
        self.threads = [threading.Thread(target=self._run, args=(t, rate / threads), daemon=True)
                        for t in self.texters] if rate > 0 else []
        for thread in self.threads:
            thread.start()

    def _run(self, texter, rate):
        session, pacer = requests.Session(), Pacer(rate, texter.rng)
        while not self.stop_event.is_set():
            pacer.wait(self.stop_event)
            texter.citizen(session)

    def stop(self):
        self.stop_event.set()
        for thread in self.threads:
            thread.join(90)

    @property
    def expected(self):
        return sum((t.expected for t in self.texters), Counter())

    @property
    def followups(self):
        return sum(t.followups for t in self.texters)

    @property
    def problems(self):
        return [p for t in self.texters for p in t.problems]


# --- disk full ---------------------------------------------------------------------------

def disk_full(folder, size_mb=24, kiosks=6, rate=4.0, warmup=2.0, full_for=3.0, workers=2, synchronous="FULL"):
    """Real kiosks posting while the database's filesystem fills up, a restart while it is
    full, then space freed: clean refusals, no corruption, everything lands once."""
    folder.mkdir(parents=True, exist_ok=True)
    report = Report("disk full")
    tally = Tally()
    started = time.monotonic()
    with small_volume(folder / "volume", size_mb) as volume:
        site = build(volume / "full.db", kiosks)
        server = serve(site, folder, "disk-full", workers, synchronous).start()
        fleet = Fleet(site, server.url, folder / "kiosks", tally, rate=rate, synchronous=synchronous).start()
        try:
            time.sleep(warmup)
            report.figure("volume (tmpfs) size, MB", size_mb)
            report.figure("filler written until ENOSPC, MB", fill(volume / "filler") / 1e6)
            refused_seen = _wait_for(lambda: fleet.ledger.refused, 30)
            time.sleep(full_for)
            health = requests.get(server.url + "/healthz", timeout=10)
            report.figure("/healthz while full", f"{health.status_code} {health.text.strip()}")
            report.check("/healthz answers 503 while full", health.status_code, 503)
            report.check("a restart while full comes up and answers /healthz", _restart_while_full(server), 503)
            time.sleep(full_for / 2)
            _check_refusals(report, fleet.ledger.refused, refused_seen)
            report.check("integrity_check while full", verify.check_integrity(site.database), "ok")
            report.check("rollup keys that differ from a scan, while full",
                         sum(verify.rollup_differences(site.database).values()))
            report.check("refused batches half-stored",
                         verify.half_stored(site.database, [ids for *_, ids in fleet.ledger.refused]))
            (volume / "filler").unlink()
            report.figure("free after the filler is removed, MB", free_bytes(volume) / 1e6)
            report.check("/healthz ok again within 10 s", _wait_for(lambda: _healthy(server.url), 10), True)
            drained = fleet.drain(timeout=60)
            report.seconds = time.monotonic() - started
            fleet.stop()
            report.requests = tally.summary(report.seconds)
            report.figure("kiosk ratings given", len(fleet.ledger.given))
            report.check("kiosk outboxes drained after space returned", drained, True)
            report.check("ratings still queued or dead-lettered", sum(fleet.queued()))
            _check_ratings(report, server, site, list(fleet.ledger.given), Counter(), 0)
        finally:
            fleet.stop()
            server.stop()
        _check_database(report, site, server)
    return report


def _restart_while_full(server):
    """SIGKILL and start again on the full disk; the /healthz status it answers with (None: no answer)."""
    server.kill()
    server.launch()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            return None  # gunicorn gave up: a crash loop under systemd
        try:
            return requests.get(server.url + "/healthz", timeout=2).status_code
        except requests.RequestException:
            time.sleep(0.2)
    return None


def _check_refusals(report, refused, seen):
    statuses = Counter(status for status, *_ in refused)
    report.figure("ratings POSTs refused while full, by status", dict(statuses) or "none")
    report.check("the server refused some POSTs while full", bool(seen), True)
    report.check("refusals that are not 503 JSON with Retry-After",
                 sum(1 for status, kind, retry, *_ in refused
                     if status != 503 or not kind.startswith("application/json") or not retry))


# --- shared checks -----------------------------------------------------------------------

def _check_ratings(report, server, site, kiosk_ids, sms_expected, sms_followups):
    """Acknowledged kiosk ratings stored once and nothing else; SMS as texted; the stats agree."""
    kiosk_ids = set(kiosk_ids)
    lost, duplicated = verify.exactly_once(site.database, kiosk_ids)
    report.figure("kiosk ratings checked one by one (by client id)", len(kiosk_ids))
    report.check("lost (acknowledged, not stored)", lost)
    report.check("duplicates (stored more than once)", duplicated)
    report.check("kiosk ratings stored that no kiosk gave", len(verify.kiosk_ids(site.database) - kiosk_ids))
    stored_sms, with_reasons = verify.sms_ratings(site.database)
    report.check("SMS ratings that differ from what was texted (office, score)",
                 sum(((stored_sms - sms_expected) + (sms_expected - stored_sms)).values()))
    report.check("SMS follow-ups acknowledged but not attached", sms_followups - with_reasons)
    report.check("stats (kiosk) minus ratings acknowledged", _stats_total(server, site, "kiosk") - len(kiosk_ids))
    report.check("stats (sms) minus SMS ratings acknowledged",
                 _stats_total(server, site, "sms") - sum(sms_expected.values()))


def _check_database(report, site, server):
    report.check("PRAGMA integrity_check", verify.check_integrity(site.database), "ok")
    report.check("rollup keys that differ from a scan of the ratings",
                 sum(verify.rollup_differences(site.database).values()))
    findings = verify.log_findings(server.log_path)
    report.check("'database is locked' in the server log", findings["database is locked"])
    report.figure("error lines / tracebacks in the server log",
                  f"{findings['error lines']} / {findings['tracebacks']}")


def _stats_total(server, site, channel):
    """Responses the stats API counts for the whole province and channel, misuse included."""
    today = dt.datetime.now(LOCAL).date()
    params = {"office": PROVINCE[0], "period": "year", "from": (today - dt.timedelta(days=60)).isoformat(),
              "to": (today + dt.timedelta(days=1)).isoformat(), "channel": channel, "include_misuse": "1"}
    response = requests.get(server.url + "/api/v1/stats", params=params, timeout=30,
                            headers={"Authorization": f"Bearer {site.user_token}"})
    response.raise_for_status()
    return sum(row["responses"] for row in response.json()["rows"])


def _wait_for(condition, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def _healthy(url):
    try:
        return requests.get(url + "/healthz", timeout=2).status_code == 200
    except requests.RequestException:
        return False
