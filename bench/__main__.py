"""`make bench`: speed figures measured on this machine, as ratios to baselines of the same run.

Usage: python -m bench [module[:part] ...]   (default: every module in MODULES, whole)
A part runs one section of a module: `core:ingest` (the server under load, not the stats over
10 million ratings), `sms:webhooks`.
Shared machines are noisy, so every figure that has a target is printed beside a baseline
measured in the same run; absolute numbers are for context.
"""

import importlib
import logging
import sys
import time

MODULES = ["core", "kiosk", "sms", "web", "dashboards", "cases", "dossiers", "ops"]


def report(name, value, unit, note=""):
    value_text = f"{value:,.3f}" if isinstance(value, float) and value < 100 else f"{value:,.0f}"
    print(f"  {name:<58} {value_text:>14} {unit:<10} {note}", flush=True)


def main(argv):
    # Apps measured in this process log every request; those lines would bury the figures.
    logging.getLogger("satisfaction.requests").disabled = True
    wanted = argv or MODULES
    unknown = [name for name in wanted if name.partition(":")[0] not in MODULES]
    if unknown:
        sys.exit(f"unknown bench module(s): {', '.join(unknown)}; choose from {', '.join(MODULES)}")
    for name in wanted:
        print(f"\n== {name} ==", flush=True)
        started = time.monotonic()
        module, _, part = name.partition(":")
        run = importlib.import_module(f"bench.{module}").run
        run(report, part) if part else run(report)
        print(f"  ({name} took {time.monotonic() - started:.0f} s)", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
