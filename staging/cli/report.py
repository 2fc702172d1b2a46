"""``almarya-qa report``: build a run folder's Allure report, verdict and sign-off report; serve them.

``report`` exits 0 for GO, 1 for NO-GO, 2 for a user error (no such run folder, Allure could not be built).
``run`` ends with the same build (`finish_run`); its exit status is
- 5 when no test ran (pytest's own status if it stopped with another one before testing);
- pytest's status when it is not 0 (1 failures, 2 interrupted, 3 internal error, 4 usage error);
- 1 when pytest passed but the verdict is NO-GO (the run folder holds a load SLO breach);
- 2 when the Allure report could not be built (the verdict and the sign-off report are still written);
- 0 for GO, also when the only failures are known defects: pytest counts those as xfails.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path
from typing import Any

from staging.core import LOOPBACK, StagingError, ensure_port_free
from staging.run_folder import RUNS_ROOT

EXIT_NO_GO = 1


def register(commands: Any) -> None:
    report = commands.add_parser("report", help="build a run folder's Allure report and sign-off report")
    report.add_argument("run_dir", nargs="?", type=Path, help="the run folder (default: the newest in runs/)")
    report.add_argument(
        "--serve", action="store_true", help="then serve the reports on 127.0.0.1 until Ctrl-C"
    )
    report.add_argument("--port", type=int, default=0, help="port for --serve (default: a free one)")
    report.add_argument(
        "--history-from",
        type=Path,
        help="a previous run folder, report or history to continue the trend of (default: newest sibling)",
    )
    report.add_argument(
        "--load-dir", type=Path, help="a load run folder, or a folder with slo.json (default: RUN_DIR itself)"
    )
    report.set_defaults(handler=lambda a, _: build_and_report(a))


def newest_run(root: Path = RUNS_ROOT) -> Path:
    runs = sorted(p for p in root.glob("*") if (p / "allure-results").is_dir()) if root.is_dir() else []
    if not runs:
        raise StagingError(f"no run folder with Allure results in {root}/: give RUN_DIR")
    return runs[-1]


def build_and_report(args: argparse.Namespace) -> int:
    run_dir: Path = args.run_dir or newest_run()
    if not run_dir.is_dir():
        raise StagingError(f"{run_dir}: no such run folder")
    if args.serve and args.port:
        ensure_port_free(LOOPBACK, args.port)
    if args.load_dir is not None and not args.load_dir.is_dir():
        raise StagingError(f"--load-dir {args.load_dir}: no such folder")
    from staging.reports.build import build_reports  # noqa: PLC0415 - jinja and the rest only for this command

    built = build_reports(run_dir, history_from=args.history_from, load_dir=args.load_dir)
    print("\n".join(built.lines))
    if built.allure_error:
        raise StagingError(f"the Allure report could not be built: {built.allure_error}")
    if args.serve:
        serve_until_interrupted(run_dir, args.port)
    return 0 if built.verdict.go else EXIT_NO_GO


def finish_run(run_dir: Path, pytest_status: int, *, no_tests: bool) -> int:
    """The reports of a finished ``run``, the verdict printed, and the exit status described above."""
    from staging.reports.build import build_reports  # noqa: PLC0415

    built = build_reports(run_dir, exit_status=pytest_status)
    print("\n" + "\n".join(built.lines), flush=True)
    if no_tests:
        return pytest_status or 5
    if pytest_status:
        return pytest_status
    if not built.verdict.go:
        return EXIT_NO_GO
    if built.allure_error:
        print(
            f"almarya-qa: error: the Allure report could not be built: {built.allure_error}", file=sys.stderr
        )
        return 2
    return 0


def serve_until_interrupted(run_dir: Path, port: int) -> None:
    from staging.reports.serve import serving  # noqa: PLC0415

    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    with serving(run_dir, port) as url:
        print(f"Allure report:   {url}/allure-report/index.html", flush=True)
        print(f"Sign-off report: {url}/signoff.html", flush=True)
        print("Serving on loopback only; Ctrl-C stops.", flush=True)
        stop.wait()
