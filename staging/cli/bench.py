"""``almarya-qa bench``: benchmarks of the harness; figures go to the README, never into assertions."""

from __future__ import annotations

import argparse
from typing import Any


def register(commands: Any) -> None:
    bench = commands.add_parser("bench", help="benchmarks of the harness (figures for the README)")
    bench.add_argument(
        "what",
        choices=["startup", "locust-vs-wrk"],
        help="startup: time to a seeded, ready embedded stack; "
        "locust-vs-wrk: the load generator's requests/s per core, next to wrk's",
    )
    bench.add_argument("--repeat", type=int, default=5)
    bench.add_argument("--seconds", type=int, default=10, help="locust-vs-wrk: seconds per client")
    bench.add_argument(
        "--connections", type=int, default=16, help="locust-vs-wrk: connections (users) per client"
    )
    bench.set_defaults(handler=lambda a, _: run_bench(a))


def run_bench(args: argparse.Namespace) -> int:
    if args.what == "locust-vs-wrk":
        from load.bench import locust_vs_wrk  # noqa: PLC0415 - only this benchmark needs it

        print(locust_vs_wrk(args.seconds, args.connections))
        return 0
    from staging.bench import report_startup  # noqa: PLC0415 - only this command needs it

    print(report_startup(args.repeat))
    return 0
