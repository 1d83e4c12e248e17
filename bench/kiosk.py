"""Kiosk speed for `make bench`: cold start, tap to thank-you, draining a backlog, memory after a day.

Each figure comes with a baseline measured in the same run on the same machine:
a bare Kivy app's start, one durable outbox write, and the same ratings POSTed straight
to the server without the outbox and sender.
"""

import datetime as dt
import json
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import requests

from kiosk.datadir import DataDir
from tests.kiosk.appdriver import config_from_server, kiosk_env, run_plan
from tests.kiosk.support import Site, build_province
from tests.support import ROOT, ServerProcess, free_port

BACKLOG = 10_000
DAY_RATINGS = 300  # a busy counter's day
BARE_KIVY = """
from kivy.app import App
from kivy.uix.label import Label
class Bare(App):
    def build(self):
        return Label(text="x")
    def on_start(self):
        print("started", flush=True)
        self.stop()
Bare().run()
"""


def offline_kiosk(folder):
    database = folder / "site.db"
    build_province(database)
    data_dir = folder / "kiosk-data"
    data_dir.mkdir(exist_ok=True)
    (data_dir / "config.json").write_text(json.dumps(config_from_server(database), ensure_ascii=False))
    server = f"http://127.0.0.1:{free_port()}"
    DataDir(data_dir).save_credentials(server, "kt_bench", {})
    return ["--server", server, "--data-dir", str(data_dir)]


def time_until(command, marker, folder, timeout=60):
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, env=kiosk_env(folder), stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    watchdog = threading.Timer(timeout, process.kill)  # a line that never comes must not hang the bench
    watchdog.start()
    try:
        for line in process.stdout:
            if marker in line:
                return time.perf_counter() - started
        raise RuntimeError(f"{marker!r} never appeared in {timeout} s")
    finally:
        watchdog.cancel()
        process.kill()
        process.wait()


def cold_start(report, folder):
    argv = offline_kiosk(folder)
    kiosk = statistics.median(time_until([sys.executable, "-m", "kiosk", *argv], "idle screen shown", folder)
                              for _ in range(3))
    script = folder / "bare_kivy.py"  # Kivy's App looks for a kv file next to its source
    script.write_text(BARE_KIVY)
    bare = statistics.median(time_until([sys.executable, str(script)], "started", folder) for _ in range(3))
    report("kiosk cold start to idle screen", round(kiosk, 2), "s",
           f"bare Kivy app {bare:.2f} s, ratio {kiosk / bare:.2f} (offscreen SDL, cached config, server down)")


def tap_to_thanks(report, folder):
    from kiosk.outbox import Outbox
    argv = offline_kiosk(folder)
    steps = [{"timed_tap": ["level", 4]}, {"advance": 5}] * 40
    taps = run_plan(folder, argv, steps, name="taps")["taps"]
    assert all(tap["screen"] == "thanks" for tap in taps)
    drawn = sorted(tap["drawn"] * 1000 for tap in taps)
    outbox = Outbox(folder / "baseline-outbox.db")
    writes = []
    for _ in range(40):
        started = time.perf_counter()
        outbox.add({"id": str(uuid.uuid4()), "score": 4, "created_at": dt.datetime.now(dt.UTC).isoformat()})
        writes.append((time.perf_counter() - started) * 1000)
    report("kiosk tap to thank-you drawn", round(statistics.median(drawn), 1), "ms",
           f"p95 {drawn[int(len(drawn) * 0.95) - 1]:.1f} ms over {len(drawn)} taps; one durable outbox write "
           f"{statistics.median(writes):.1f} ms")


def backlog(count, seconds_apart=4):
    start = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=count * seconds_apart + 60)
    return [{"id": str(uuid.uuid4()), "score": 1 + n % 4, "language": "vi",
             "created_at": (start + dt.timedelta(seconds=n * seconds_apart)).isoformat()} for n in range(count)]


def drain(report, folder):
    from kiosk.client import Client
    from kiosk.outbox import Outbox
    from kiosk.sender import Sender
    database = folder / "drain.db"
    build_province(database)
    with ServerProcess(database, workers=2, SQLITE_SYNCHRONOUS="FULL") as server:
        site = Site(database, server)
        _, token, _ = site.add_kiosk()
        outbox = Outbox(folder / "drain-outbox.db")
        outbox.add_many(backlog(BACKLOG))
        sender = Sender(Client(server.url, token), outbox.path, heartbeat_seconds=3600)
        started = time.perf_counter()
        sender.start()
        while outbox.queued():
            time.sleep(0.02)
        elapsed = time.perf_counter() - started
        sender.stop()
        _, direct_token, _ = site.add_kiosk(counter="Quầy 2")
        items, session = backlog(BACKLOG), requests.Session()
        started = time.perf_counter()
        for first in range(0, BACKLOG, 250):
            session.post(server.url + "/api/v1/ratings", json={"ratings": items[first:first + 250]},
                         headers={"Authorization": f"Bearer {direct_token}"}, timeout=60).raise_for_status()
        direct = time.perf_counter() - started
    report("kiosk drain of 10,000 queued ratings", round(BACKLOG / elapsed), "ratings/s",
           f"{elapsed:.1f} s; the same ratings POSTed straight in batches of 250: {BACKLOG / direct:.0f}/s, "
           f"ratio {direct / elapsed:.2f}")


def memory_after_a_day(report, folder):
    argv = offline_kiosk(folder)
    citizen = [{"tap": ["level", 4]}, {"advance": 5}, {"tap": ["level", 3]}, {"advance": 5},
               {"tap": ["language", "en"]}, {"tap": ["level", 2]}, {"advance": 5},
               {"tap": ["level", 1]}, {"tap": ["reason", "waiting_time"]}, {"tap": ["send"]}, {"advance": 5},
               {"tap": ["level", 1]}, {"advance": 25}]
    steps = [{"memory": "idle"}, {"repeat": DAY_RATINGS // 5, "steps": citizen}, {"memory": "day"}]
    memory = {m["label"]: m["rss_kb"] / 1024 for m in run_plan(folder, argv, steps, name="day", timeout=900)["memory"]}
    report("kiosk memory after a day", round(memory["day"], 1), "MB",
           f"{DAY_RATINGS} ratings through every screen, all queued offline; at start {memory['idle']:.1f} MB")


def run(report):
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        for part in (cold_start, tap_to_thanks, drain, memory_after_a_day):
            sub = folder / part.__name__
            sub.mkdir()
            part(report, sub)


if __name__ == "__main__":
    run(lambda name, value, unit, note="": print(f"{name}: {value} {unit}  ({note})", flush=True))
