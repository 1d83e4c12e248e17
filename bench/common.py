"""What the bench modules share: cached demo databases and an HTTP load generator."""

import datetime as dt
import http.client
import json
import multiprocessing
import statistics
import threading
import time
from pathlib import Path

from tests.support import ROOT, flask_cli

RESULTS = ROOT / "bench-results"
DEMO_SEED = 2025
DEMO_END = dt.date(2026, 10, 31)


def demo_database(ratings):
    """A demo province with `ratings` ratings, seeded once and kept under bench-results/."""
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"demo-{ratings}.db"
    done = path.with_suffix(".done")
    if path.exists() and done.exists():
        return path
    for stale in RESULTS.glob(f"demo-{ratings}.db*"):
        stale.unlink()
    started = time.monotonic()
    flask_cli(path, "seed-demo", "--ratings", str(ratings), "--seed", str(DEMO_SEED), "--end", DEMO_END.isoformat(),
              "--days", "365", timeout=7200)
    done.write_text(f"seeded in {time.monotonic() - started:.0f} s\n")
    return path


def seed_seconds(ratings):
    """How long the cached database took to seed (from its marker), or None."""
    done = RESULTS / f"demo-{ratings}.done"
    text = done.read_text() if done.exists() else ""
    return float(text.split()[2]) if text.startswith("seeded in") else None


def _worker(port, make_request, seconds, threads, queue, worker_index, prebuilt):
    latencies, errors = [], []
    # Costly requests (500-rating batches) are built before the clock starts, so the
    # figure is the server's, not the load generator's.
    ready = {t: [make_request(worker_index, t, n) for n in range(prebuilt)] for t in range(threads)}
    stop_at = time.monotonic() + seconds

    def loop(thread_index):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        counter = 0
        while time.monotonic() < stop_at:
            if counter < prebuilt:
                method, path, body, headers = ready[thread_index][counter]
            else:
                method, path, body, headers = make_request(worker_index, thread_index, counter)
            counter += 1
            started = time.perf_counter()
            try:
                connection.request(method, path, body=body, headers=headers)
                response = connection.getresponse()
                response.read()
                if response.status >= 300:
                    errors.append(response.status)
            except (OSError, http.client.HTTPException):
                errors.append("connection")
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                continue
            latencies.append(time.perf_counter() - started)

    pool = [threading.Thread(target=loop, args=(i,)) for i in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    queue.put((latencies, errors))


def load(port, make_request, seconds=8.0, processes=2, threads=4, prebuilt=0):
    """Requests per second, p50 and p99 latency (ms) and errors, from client processes.

    `make_request(worker, thread, n)` returns (method, path, body, headers).
    """
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    workers = [context.Process(target=_worker, args=(port, make_request, seconds, threads, queue, i, prebuilt))
               for i in range(processes)]
    for worker in workers:
        worker.start()
    latencies, errors = [], []
    for _ in workers:
        got_latencies, got_errors = queue.get()
        latencies += got_latencies
        errors += got_errors
    for worker in workers:
        worker.join()
    latencies.sort()
    p99 = latencies[int(len(latencies) * 0.99)] if latencies else float("nan")
    return {
        "rate": len(latencies) / seconds,
        "p50_ms": statistics.median(latencies) * 1000 if latencies else float("nan"),
        "p99_ms": p99 * 1000,
        "errors": errors,
    }


def compare(port, baseline, candidate, rounds=3, seconds=4.0, **options):
    """Rates of a baseline and a candidate request, measured in alternating rounds.

    The machine is shared and its speed drifts by the minute; alternating short rounds and
    taking each side's median lets the drift hit both alike, so their ratio is steadier
    than two long runs one after the other.
    """
    sides = {"baseline": [], "candidate": []}
    for _ in range(rounds):
        sides["baseline"].append(load(port, baseline, seconds=seconds, **options))
        sides["candidate"].append(load(port, candidate, seconds=seconds, **options))
    result = {}
    for name, runs in sides.items():
        runs.sort(key=lambda run: run["rate"])
        middle = runs[len(runs) // 2]
        result[name] = {**middle, "errors": [e for run in runs for e in run["errors"]]}
    return result["baseline"], result["candidate"]


def json_request(method, path, payload, token=None):
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return method, path, json.dumps(payload) if payload is not None else None, headers


def best_of(function, repeat=5):
    """The fastest of several runs of `function()`, in seconds (the least disturbed by noise)."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return min(times)


def path_size_mb(path):
    return Path(path).stat().st_size / 1e6
