"""What the bench modules share: cached demo databases and an HTTP load generator."""

import datetime as dt
import http.client
import json
import multiprocessing
import os
import statistics
import threading
import time
from pathlib import Path

from tests.support import ROOT, flask_cli

RESULTS = ROOT / "bench-results"
DEMO_SEED = 2025
DEMO_END = dt.date(2026, 10, 31)


def _demo_paths(ratings):
    """The cached demo database with `ratings` ratings and its marker (written once seeded):
    the one owner of their names, which every bench shares."""
    path = RESULTS / f"demo-two-maps-{ratings}.db"  # two years: Đắk Nông, then Lâm Đồng from July 2025
    return path, path.with_suffix(".done")


def demo_database(ratings):
    """A demo province with `ratings` ratings, seeded once and kept under bench-results/."""
    RESULTS.mkdir(exist_ok=True)
    path, done = _demo_paths(ratings)
    if path.exists() and done.exists():
        return path
    for stale in RESULTS.glob(f"demo-two-maps-{ratings}.db*"):
        stale.unlink()
    started = time.monotonic()
    flask_cli(path, "seed-demo", "--ratings", str(ratings), "--seed", str(DEMO_SEED), "--end", DEMO_END.isoformat(),
              "--days", "730", timeout=7200)
    done.write_text(f"seeded in {time.monotonic() - started:.0f} s\n")
    return path


def seed_seconds(ratings):
    """How long the cached database took to seed (from its marker), or None."""
    done = _demo_paths(ratings)[1]
    text = done.read_text() if done.exists() else ""
    return float(text.split()[2]) if text.startswith("seeded in") else None


# The round compare() is measuring (0, 1, ...): request makers can keep rounds apart with it
# (client processes are forked per round, so they see the value set before they start).
ROUND = [0]


def _follow(connection, response, headers):
    """GET where a 303 points, as a browser does: with the request's cookies and those the answer set."""
    cookies = dict(part.split("=", 1) for part in headers.get("Cookie", "").split("; ") if "=" in part)
    for name, value in response.getheaders():
        if name.lower() == "set-cookie":
            pair = value.split(";", 1)[0]
            cookies[pair.split("=", 1)[0]] = pair.split("=", 1)[1]
    cookie = "; ".join(f"{name}={value}" for name, value in cookies.items())
    location = response.getheader("Location")
    if "://" in location:
        location = "/" + location.split("://", 1)[1].partition("/")[2]
    connection.request("GET", location, headers={"Cookie": cookie} if cookie else {})
    answer = connection.getresponse()
    answer.read()
    return answer


def _worker(port, make_request, seconds, threads, queue, worker_index, prebuilt, barrier, follow=False):
    latencies, errors = [], []
    # Costly requests (500-rating batches) are built before the clock starts, so the
    # figure is the server's, not the load generator's.
    ready = {t: [make_request(worker_index, t, n) for n in range(prebuilt)] for t in range(threads)}
    barrier.wait()  # every client process ready: the parent starts counting the server's CPU
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
                if follow and response.status == 303:
                    response = _follow(connection, response, headers)
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


def load(port, make_request, seconds=8.0, processes=2, threads=4, prebuilt=0, server_pid=None, follow=False):
    """Requests per second, p50 and p99 latency (ms) and errors, from client processes; with
    `server_pid` (gunicorn's master) also the server's CPU ms per request served. With
    `follow`, a 303 is followed as a browser does and the pair counts as one request.

    `make_request(worker, thread, n)` returns (method, path, body, headers).
    """
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    barrier = context.Barrier(processes + 1)
    workers = [context.Process(target=_worker,
                               args=(port, make_request, seconds, threads, queue, i, prebuilt, barrier, follow))
               for i in range(processes)]
    for worker in workers:
        worker.start()
    barrier.wait()
    cpu_before = server_cpu_seconds(server_pid) if server_pid else None
    latencies, errors = [], []
    for _ in workers:
        got_latencies, got_errors = queue.get()
        latencies += got_latencies
        errors += got_errors
    cpu = server_cpu_seconds(server_pid) - cpu_before if server_pid else float("nan")
    for worker in workers:
        worker.join()
    latencies.sort()
    p99 = latencies[int(len(latencies) * 0.99)] if latencies else float("nan")
    return {
        "rate": len(latencies) / seconds,
        "p50_ms": statistics.median(latencies) * 1000 if latencies else float("nan"),
        "p99_ms": p99 * 1000,
        "errors": errors,
        "served": len(latencies),
        "cpu_ms": cpu * 1000 / len(latencies) if latencies else float("nan"),
    }


_TICKS = os.sysconf("SC_CLK_TCK")


def _cpu_fields(pid):
    """(utime + stime, cutime + cstime, parent pid) of a process, in seconds, from /proc/<pid>/stat."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()  # the name, in brackets, may hold spaces
    return (int(fields[11]) + int(fields[12])) / _TICKS, (int(fields[13]) + int(fields[14])) / _TICKS, int(fields[1])


def server_cpu_seconds(master):
    """User + system CPU seconds used so far by gunicorn's tree: the master, its live workers
    (every thread of each), and the workers it has recycled. gunicorn waits for a worker
    that exits (its reap, just before the child_exit hook), so the kernel adds that worker's
    whole lifetime to the master's cutime/cstime: counted there, it is not lost."""
    own, reaped, _ = _cpu_fields(master)
    total = own + reaped
    for entry in os.listdir("/proc"):
        if entry.isdigit() and int(entry) != master:
            try:
                used, _, parent = _cpu_fields(int(entry))
            except (OSError, IndexError, ValueError):  # gone meanwhile
                continue
            if parent == master:
                total += used
    return total


def compare(port, baseline, candidate, rounds=3, seconds=4.0, **options):
    """Rates of a baseline and a candidate request, measured in alternating rounds.

    The machine is shared and its speed drifts by the minute; alternating short rounds and
    taking each side's median lets the drift hit both alike, so their ratio is steadier
    than two long runs one after the other. Each side's figures also carry `rounds` (every
    round's run); `ratios(...)` gives the per-round ratios.
    """
    sides = {"baseline": [], "candidate": []}
    for index in range(rounds):
        ROUND[0] = index
        sides["baseline"].append(load(port, baseline, seconds=seconds, **options))
        sides["candidate"].append(load(port, candidate, seconds=seconds, **options))
    result = {}
    for name, runs in sides.items():
        by_rate = sorted(runs, key=lambda run: run["rate"])
        middle = by_rate[len(by_rate) // 2]
        result[name] = {**middle, "errors": [e for run in runs for e in run["errors"]], "rounds": runs}
    return result["baseline"], result["candidate"]


def ratios(baseline, candidate):
    """Per-round (throughput ratio, CPU ratio) of a candidate against its baseline, and their
    medians. The CPU ratio is the baseline's CPU per request over the candidate's: 0.6 means
    the candidate costs 1/0.6 = 1.7 times what the baseline does."""
    pairs = [(c["rate"] / b["rate"], b["cpu_ms"] / c["cpu_ms"])
             for b, c in zip(baseline["rounds"], candidate["rounds"], strict=True)]
    return {"throughput": [t for t, _ in pairs], "cpu": [c for _, c in pairs],
            "throughput_median": statistics.median(t for t, _ in pairs),
            "cpu_median": statistics.median(c for _, c in pairs),
            "baseline_cpu_ms": statistics.median(b["cpu_ms"] for b in baseline["rounds"]),
            "candidate_cpu_ms": statistics.median(c["cpu_ms"] for c in candidate["rounds"])}


def report_ratios(report, name, baseline_name, found, throughput_aim, cpu_aim):
    """Print a candidate's median throughput and CPU ratios with every round's."""
    rounds = len(found["cpu"])
    report(f"  server CPU per request: {baseline_name}", found["baseline_cpu_ms"], "ms",
           f"median of {rounds} rounds (user+system of gunicorn's master and workers, recycled ones too)")
    report(f"  server CPU per request: {name}", found["candidate_cpu_ms"], "ms", f"median of {rounds} rounds")
    report(f"  CPU ratio {baseline_name} / {name} (aim >= {cpu_aim})", found["cpu_median"], "x",
           "median; rounds " + ", ".join(f"{r:.2f}" for r in found["cpu"]))
    report(f"  throughput ratio {name} / {baseline_name} (aim >= {throughput_aim})", found["throughput_median"], "x",
           "median; rounds " + ", ".join(f"{r:.2f}" for r in found["throughput"]))


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


def batch_ingest_rate(path, components, start, received, batches=40, size=500):
    """Ratings per second an app with `components` (None: all) stores in-process in `size`-rating
    kiosk batches, a sixth of them dissatisfied with a reason; returns (rate, the database path)."""
    import random
    import uuid

    from server import create_app
    from server.db import get_db, write_transaction
    from server.offices import add_kiosk, add_office, add_staff, load_tree
    from server.ratings import Rating, Source

    app = create_app({"DATABASE": str(path), "ALERT_INTERVAL_SECONDS": 0, "SQLITE_SYNCHRONOUS": "NORMAL"},
                     components=components)
    if "cases" in app.extensions:  # the holiday tables are built once per process, before timing
        year = dt.date.today().year
        app.extensions["cases"].calendar.warm(year - 1, year, year + 1)
    with app.app_context():
        db = get_db()
        with write_transaction(db):
            add_office(db, "P", "Tỉnh", None, "province")
            add_staff(db, "CB1", "Cán bộ", "P", "Quầy 1")
            kiosk_id, _, _ = add_kiosk(db, "P", "Quầy 1")
        ingest, tree, rng = app.extensions["ingest"], load_tree(db), random.Random(1)
        source = Source("kiosk", tree.by_code["P"].id, 1, kiosk_id)
        elapsed = 0.0
        for batch in range(batches):
            ratings = []
            for i in range(size):
                score = rng.choice([1, 2, 3, 4, 4, 4])
                ratings.append(Rating(str(uuid.uuid4()), score, start + dt.timedelta(seconds=5 * (batch * size + i)),
                                      reasons=["waiting_time"] if score == 1 else [],
                                      comment="Chờ lâu" if score == 1 and i % 5 == 0 else None, staff_code="CB1"))
            began = time.perf_counter()
            with write_transaction(db):
                ingest.store(db, tree, source, ratings, {"CB1": 1}, received)
            elapsed += time.perf_counter() - began
    return batches * size / elapsed, path
