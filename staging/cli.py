"""``almarya-qa``: bring the staging stack up, run the suite, and report.

User errors (a bad flag, an unreachable target, a port in use) print one line and exit non-zero.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Sequence
from pathlib import Path

from staging.core import StagingError, ensure_port_free
from staging.junit_summary import read_junit
from staging.run_folder import new_run_dir
from staging.stack import Stack, StackSettings, Target, check_reachable, open_stack

REPO_ROOT = Path(__file__).resolve().parent.parent
EXIT_USER_ERROR = 2


def _add_target_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--target",
        choices=[t.value for t in Target],
        default=None,
        help="what to test (default: embedded, or remote when --base-url is given)",
    )
    parser.add_argument("--base-url", help="the backend's URL, for the remote target")
    parser.add_argument("--mongo-uri", help="the target's MongoDB, for seeding and database checks")
    parser.add_argument(
        "--defects", default="", help="comma-separated injected defects for the reference backend"
    )
    parser.add_argument(
        "--run-dir", type=Path, help="where logs and reports go (default: a new folder in runs/)"
    )


def _target(args: argparse.Namespace) -> Target:
    if args.target:
        return Target(args.target)
    return Target.REMOTE if args.base_url else Target.EMBEDDED


def _defects(args: argparse.Namespace) -> tuple[str, ...]:
    return tuple(d.strip() for d in args.defects.split(",") if d.strip())


def demo_actors(stack: Stack) -> list[str]:
    """A staff member, a driver and a customer made through the API, so the stack is usable at once."""
    from fixtures import actors  # noqa: PLC0415 - the client layer is only needed here
    from fixtures.transport import ClientConfig  # noqa: PLC0415

    config = ClientConfig(stack.base_url)
    with actors.sign_in_admin(config, stack.admin) as admin:
        staff, credentials, staff_pin = actors.hire_staff(config, admin)
        driver, driver_pin = actors.hire_driver(config, admin)
        customer, login = actors.register_customer(config)
    for api in (staff, driver, customer):
        api.close()
    return [
        f"Staff       {credentials.employee_id} PIN {staff_pin}",
        f"Driver      {driver.driver.driver_id} PIN {driver_pin}",
        f"Customer    {login.email} / {login.password}",
    ]


def stage_up(args: argparse.Namespace) -> int:
    if args.port:
        ensure_port_free("127.0.0.1", args.port)
    run_dir = args.run_dir or new_run_dir()
    settings = StackSettings(
        target=_target(args),
        run_dir=run_dir,
        base_url=args.base_url,
        mongo_uri=args.mongo_uri,
        defects=_defects(args),
        backend_port=args.port,
    )
    stop = threading.Event()
    # Explicit handlers: a shell may start us with SIGINT ignored, and SIGTERM should stop us as cleanly.
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    with open_stack(settings) as stack:
        demo = demo_actors(stack)
        panel = stack.base_url.replace("127.0.0.1", "localhost") + "/admin"
        print(f"Backend     {stack.base_url}   (admin panel: {panel})")
        if stack.mongo_uri:
            print(f"MongoDB     {stack.mongo_uri}")
        if stack.stripe and stack.firebase and stack.mail:
            print(
                f"Stripe fake {stack.stripe.url}   Firebase stub {stack.firebase.host}   "
                f"SMTP sink {stack.mail.host}:{stack.mail.port}"
            )
        print(f"Admin       {stack.admin.email} / {stack.admin.password}")
        for line in demo:
            print(line)
        print(f"Logs        {run_dir / 'logs'}")
        print("Ready. Press Ctrl-C to stop.", flush=True)
        stop.wait()
        print("Stopping…", flush=True)
    print("Stopped.", flush=True)
    return 0


def run_suite(args: argparse.Namespace, extra: Sequence[str]) -> int:
    target = _target(args)
    if target is Target.REMOTE:
        if not args.base_url:
            raise StagingError("the remote target needs --base-url")
        check_reachable(args.base_url)
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
        str(args.workers),
        "-p",
        "randomly",
        "-q",
    ]
    for flag, value in (
        ("--base-url", args.base_url),
        ("--mongo-uri", args.mongo_uri),
        ("--defects", args.defects),
    ):
        if value:
            argv.append(f"{flag}={value}")
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
    if code == 5 or summary.total == 0:
        print("No test ran: a run that tests nothing does not pass.")
        return code or 5
    return code


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="almarya-qa", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)

    stage = commands.add_parser("stage", help="the staging stack")
    stage_commands = stage.add_subparsers(dest="stage_command", required=True)
    up = stage_commands.add_parser("up", help="run the stack in the foreground until Ctrl-C")
    _add_target_options(up)
    up.add_argument("--port", type=int, help="the backend's port (default: a free one)")
    up.set_defaults(handler=lambda a, _: stage_up(a))

    run = commands.add_parser("run", help="the main job: stack up, seed, run the e2e suite, report")
    _add_target_options(run)
    run.add_argument("--workers", default="auto", help="pytest-xdist workers (default: auto)")
    run.add_argument("paths", nargs="*", help="test paths (default: e2e)")
    run.set_defaults(handler=run_suite)

    bench = commands.add_parser("bench", help="benchmarks of the harness (figures for the README)")
    bench.add_argument("what", choices=["startup"], help="startup: time to a seeded, ready embedded stack")
    bench.add_argument("--repeat", type=int, default=5)
    bench.set_defaults(handler=lambda a, _: _bench(a))
    return parser


def _bench(args: argparse.Namespace) -> int:
    from staging.bench import report_startup  # noqa: PLC0415 - only this command needs it

    print(report_startup(args.repeat))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    # Everything after "--" goes to pytest untouched.
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


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
