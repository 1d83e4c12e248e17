"""`make soak`: the load, SIGKILL and disk-full scenarios with big numbers, a few minutes.

Usage: python -m soak [--only load,kills,disk] [--load-seconds 90] [--kiosk-rate 100] ...
Prints each scenario's report and a summary; exits 1 if any check failed. Server logs and
databases stay under soak-results/<time>/ to be read afterwards.
"""

import argparse
import datetime as dt
import logging
import sys
import time

from soak import scenarios
from tests.support import ROOT

SCENARIOS = ("load", "kills", "disk")


def arguments(argv):
    parser = argparse.ArgumentParser(prog="python -m soak", description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", default=",".join(SCENARIOS), help="comma-separated: load, kills, disk")
    parser.add_argument("--load-seconds", type=float, default=90.0)
    parser.add_argument("--kiosks", type=int, default=24, help="kiosks in the load scenario, each its own token")
    parser.add_argument("--kiosk-rate", type=float, default=100.0, help="kiosk POSTs a second (all kiosks)")
    parser.add_argument("--sms-rate", type=float, default=20.0, help="citizens texting a second")
    parser.add_argument("--stats-rate", type=float, default=2.0, help="stats reads a second")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers (deploy config default here)")
    parser.add_argument("--kills", type=int, default=8, help="SIGKILLs in the kill scenario")
    parser.add_argument("--disk-mb", type=int, default=32, help="size of the tmpfs the disk-full scenario fills")
    parser.add_argument("--synchronous", default="FULL", help="SATISFACTION_SQLITE_SYNCHRONOUS (production: FULL)")
    return parser.parse_args(argv)


def run(args, folder):
    wanted = [name.strip() for name in args.only.split(",") if name.strip()]
    unknown = set(wanted) - set(SCENARIOS)
    if unknown:
        sys.exit(f"unknown scenario(s): {', '.join(sorted(unknown))}; choose from {', '.join(SCENARIOS)}")
    reports = []
    if "load" in wanted:
        report = scenarios.load(folder / "load", seconds=args.load_seconds, kiosks=args.kiosks,
                                kiosk_rate=args.kiosk_rate, sms_rate=args.sms_rate, stats_rate=args.stats_rate,
                                workers=args.workers, synchronous=args.synchronous)
        report.figure("target rates (kiosk POSTs / citizens texting / stats reads per s)",
                      f"{args.kiosk_rate:g} / {args.sms_rate:g} / {args.stats_rate:g}")
        reports.append(_show(report))
    if "kills" in wanted:
        reports.append(_show(scenarios.kills(folder / "kills", kills=args.kills, kiosks=10, rate=4.0, sms_rate=5.0,
                                             workers=args.workers, synchronous=args.synchronous)))
    if "disk" in wanted:
        reports.append(_show(scenarios.disk_full(folder / "disk", size_mb=args.disk_mb, kiosks=8, rate=5.0,
                                                 warmup=5.0, full_for=6.0, synchronous=args.synchronous)))
    return reports


def _show(report):
    print("\n".join(report.lines()), flush=True)
    print(flush=True)
    return report


def summary(reports):
    checked = sum(r.figures.get("kiosk ratings checked one by one (by client id)", 0) for r in reports)
    sms = sum(r.figures.get("SMS ratings acknowledged", 0) for r in reports)
    lost = sum(r.checks.get("lost (acknowledged, not stored)", (0, 0))[0] for r in reports)
    duplicated = sum(r.checks.get("duplicates (stored more than once)", (0, 0))[0] for r in reports)
    faults = [f"{r.figures[name]} {label}" for r in reports for name, label in (
        ("SIGKILLs of the whole server (master and workers)", "SIGKILLs"),
        ("ratings answers dropped on the way back (injected)", "answers dropped"),
        ("volume (tmpfs) size, MB", "MB volume filled to ENOSPC (and a SIGKILL while full)"),
    ) if name in r.figures]
    failed = {r.name: r.failures for r in reports if r.failures}
    print("== summary ==")
    print(f"  faults injected: {', '.join(faults) or 'none'}")
    print(f"  items checked: {checked:,} kiosk ratings by client id, {sms:,} SMS ratings by office and score")
    print(f"  lost = {lost}, duplicates = {duplicated}")
    print(f"  {'FAILED: ' + str(failed) if failed else 'every check passed'}", flush=True)
    return not failed


def main(argv):
    args = arguments(argv)
    logging.getLogger("kiosk.sender").setLevel(logging.ERROR)  # "server unreachable" is the point here
    folder = ROOT / "soak-results" / dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    print(f"soak: results and server logs in {folder.relative_to(ROOT)}/", flush=True)
    started = time.monotonic()
    reports = run(args, folder)
    passed = summary(reports)
    print(f"  (soak took {time.monotonic() - started:.0f} s)")
    sys.exit(0 if passed else 1)


if __name__ == "__main__":
    main(sys.argv[1:])
