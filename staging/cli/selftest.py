"""``almarya-qa selftest``: the suite's detection power against the reference backend's injected defects.

Runs the e2e suite against the clean reference backend (it must be all green) and against each detection
defect of ``staging/reference/defects.py`` (something must turn red), several runs side by side, then prints
the table: defect, class, endpoint, the tests that caught it, CAUGHT or MISSED. Exit 0 only when the clean
run is green and every defect is caught. The table also goes into the run folder and its Allure results.
"""

from __future__ import annotations

import argparse
import os
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from staging import selftest
from staging.core import StagingError
from staging.run_folder import new_run_dir

EXIT_NOT_DETECTED = 1


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "selftest", help="detection power: the e2e suite against the clean backend and each injected defect"
    )
    parser.add_argument("--defects", default="", help="only these detection defects (default: all of them)")
    parser.add_argument(
        "--parallel",
        type=int,
        default=max(1, min(2, os.cpu_count() or 1)),
        help="pytest runs side by side (default: 2, or 1 on a one-core machine)",
    )
    parser.add_argument("--maxfail", type=int, default=1, help="a defect run stops after this many failures")
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds one run may take (default 900)")
    parser.add_argument("--run-dir", type=Path, help="where the runs go (default: a new folder in runs/)")
    parser.add_argument(
        "--update-hints",
        action="store_true",
        help=f"save which tests caught each defect to {selftest.HINTS_FILE.relative_to(selftest.REPO_ROOT)}",
    )
    parser.set_defaults(handler=run_selftest)


def run_selftest(args: argparse.Namespace, extra: Sequence[str]) -> int:
    if args.parallel < 1 or args.maxfail < 1 or args.timeout <= 0:
        raise StagingError("--parallel and --maxfail must be at least 1, and --timeout positive")
    defects = selftest.detection_defects(args.defects)
    run_dir: Path = args.run_dir or new_run_dir()
    run_dir.mkdir(parents=True, exist_ok=True)
    hints = selftest.load_hints()
    plan = selftest.Plan(
        run_dir=run_dir,
        defects=defects,
        parallel=args.parallel,
        maxfail=args.maxfail,
        timeout=args.timeout,
        pytest_args=tuple(extra),
        hints=hints,
    )
    print(f"Run folder: {run_dir}", flush=True)
    print(f"The clean run and {len(defects)} defect runs, {plan.parallel} at a time.", flush=True)

    def progress(result: selftest.RunResult, done: int, total: int) -> None:
        first = result.red[0].nodeid if result.red else ""
        print(
            f"[{done:>2}/{total}] {result.name:<36} {result.verdict:<7} {result.seconds:6.1f} s  {first}",
            flush=True,
        )

    report = selftest.run(plan, progress)
    table = selftest.write_outputs(report, run_dir, hints)
    print()
    print(table)
    if args.update_hints:
        shutil.copyfile(run_dir / "selftest" / "hints.json", selftest.HINTS_FILE)
        print(f"hints saved to {selftest.HINTS_FILE}")
    print(f"\nTable, JSON and Allure result in {run_dir} (selftest/ and allure-results/).")
    return 0 if report.ok else EXIT_NOT_DETECTED
