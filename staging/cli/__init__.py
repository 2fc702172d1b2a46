"""``almarya-qa``: bring the staging stack up, run the suite, load-test it, and report.

One module per command; each has ``register(commands)`` adding its parser and handler. User errors (a bad
flag, an unreachable target, a port in use) print one line and exit non-zero, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from staging.cli import bench, load, report, run, selftest, stage
from staging.core import StagingError

EXIT_USER_ERROR = 2
COMMANDS = (stage, run, bench, report, load, selftest)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="almarya-qa", description=(__doc__ or "").splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    for command in COMMANDS:
        command.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    # Everything after "--" goes to pytest or Locust untouched.
    extra: list[str] = []
    if "--" in args_list:
        cut = args_list.index("--")
        args_list, extra = args_list[:cut], args_list[cut + 1 :]
    args = build_parser().parse_args(args_list)
    try:
        return int(args.handler(args, extra))
    except StagingError as exc:
        print(f"almarya-qa: error: {exc}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        return 130
