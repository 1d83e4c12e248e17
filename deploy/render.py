"""Fill a deploy template's {{NAMES}} from KEY=VALUE arguments or a KEY=VALUE file.

Example: python deploy/render.py deploy/nginx/satisfaction.conf --env /etc/satisfaction/deploy.env
A placeholder left without a value is an error: a half-filled nginx site must never be installed.
"""

import argparse
import re
import sys
from pathlib import Path

PLACEHOLDER = re.compile(r"\{\{([A-Z_]+)\}\}")


def read_env(path):
    values = {}
    for line in Path(path).read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            key, value = line.split("=", 1)
            values[key.strip()] = value.strip().strip('"').strip("'")
    return values


def render(template, values):
    missing = sorted({name for name in PLACEHOLDER.findall(template) if name not in values})
    if missing:
        raise KeyError(f"no value for {', '.join(missing)}")
    return PLACEHOLDER.sub(lambda match: values[match.group(1)], template)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("template")
    parser.add_argument("--env", help="a file of KEY=VALUE lines")
    parser.add_argument("values", nargs="*", help="KEY=VALUE, overriding the file")
    args = parser.parse_args(argv)
    values = read_env(args.env) if args.env else {}
    values.update(dict(item.split("=", 1) for item in args.values))
    try:
        sys.stdout.write(render(Path(args.template).read_text(), values))
    except KeyError as problem:
        sys.exit(f"render: {problem.args[0]}")


if __name__ == "__main__":
    main()
