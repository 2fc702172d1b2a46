"""``almarya-qa run``: the main job: stack up, seed, the e2e suite with Allure results, a summary."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from staging.cli.report import finish_run
from staging.cli.target_options import add_safety_options, add_target_options, stack_settings, target_of
from staging.junit_summary import read_junit
from staging.run_folder import new_run_dir
from staging.stack import check_preconditions

REPO_ROOT = Path(__file__).resolve().parents[2]


def register(commands: Any) -> None:
    run = commands.add_parser("run", help="the main job: stack up, seed, run the e2e suite, report")
    add_target_options(run)
    add_safety_options(run)
    run.add_argument(
        "--workers",
        help="pytest-xdist workers (default: auto; 1 on a remote target whose database the suite checks)",
    )
    run.add_argument("paths", nargs="*", help="test paths (default: e2e)")
    run.set_defaults(handler=run_suite)


def run_suite(args: argparse.Namespace, extra: Sequence[str]) -> int:
    target = target_of(args)
    # A misconfigured target fails here, in one line, before pytest and its workers start.
    check_preconditions(stack_settings(args, args.run_dir or Path("runs")))
    run_dir = args.run_dir or new_run_dir()
    run_dir.mkdir(parents=True, exist_ok=True)
    junit = run_dir / "junit.xml"
    argv = [
        sys.executable,
        "-m",
        "pytest",
        *(args.paths or ["e2e"]),
        f"--run-dir={run_dir}",
        f"--alluredir={run_dir / 'allure-results'}",
        f"--junitxml={junit}",
        f"--target={target.value}",
        "-n",
        workers(args, target.value),
        "-p",
        "randomly",
        "-q",
    ]
    for flag, value in (
        ("--base-url", args.base_url),
        ("--mongo-uri", args.mongo_uri),
        ("--defects", args.defects),
        ("--backend-dir", args.backend_dir and args.backend_dir.resolve()),  # pytest runs in the repo
        ("--backend-image", args.backend_image),
    ):
        if value:
            argv.append(f"{flag}={value}")
    argv += [
        flag
        for flag, on in (("--allow-destructive", args.allow_destructive), ("--production", args.production))
        if on
    ]
    argv += list(extra)
    print(f"Run folder: {run_dir}", flush=True)
    try:
        code = subprocess.call(argv, cwd=REPO_ROOT)  # noqa: S603 - our own interpreter and argv
    except KeyboardInterrupt:
        return 130
    summary = read_junit(junit)
    print(f"\nSummary: {summary.line()}  (target {target.value}, run folder {run_dir})")
    for name in summary.failures:
        print(f"  FAILED {name}")
    print_refused(run_dir)
    if code == 5 or summary.total == 0:
        print("No test ran: a run that tests nothing does not pass.")
    # The reports and the verdict (GO / NO-GO) decide the exit status: see staging/cli/report.py.
    return finish_run(run_dir, code, no_tests=code == 5 or summary.total == 0)


def workers(args: argparse.Namespace, target: str) -> str:
    """xdist workers. The stacks a run starts give each worker a database of its own; a remote target's
    database is shared, and one worker's writes would read as another's refused request having written
    (`staging.dbtools.nothing_written`), so there one worker is the default."""
    if args.workers:
        return str(args.workers)
    if target == "remote" and (args.mongo_uri or os.environ.get("ALMARYA_MONGO_URI")):
        print("Workers: 1 (the remote target's database is shared: write checks need one writer)")
        return "1"
    return "auto"


def print_refused(run_dir: Path) -> None:
    """The tests the target's safety rules refused (fixtures.targeting writes the file)."""
    try:
        refused = json.loads((run_dir / "refused-tests.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return
    for reason, nodeids in refused.items():
        print(f"Refused {len(nodeids)} test(s): {reason}")
