"""``almarya-qa bench``: benchmarks of the harness; figures go to the README, never into assertions."""

from __future__ import annotations

import argparse
from typing import Any


def register(commands: Any) -> None:
    bench = commands.add_parser("bench", help="benchmarks of the harness (figures for the README)")
    bench.add_argument("what", choices=["startup"], help="startup: time to a seeded, ready embedded stack")
    bench.add_argument("--repeat", type=int, default=5)
    bench.set_defaults(handler=lambda a, _: run_bench(a))


def run_bench(args: argparse.Namespace) -> int:
    from staging.bench import report_startup  # noqa: PLC0415 - only this command needs it

    print(report_startup(args.repeat))
    return 0
