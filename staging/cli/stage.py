"""``almarya-qa stage up``: the stack in the foreground, with demo actors, until Ctrl-C."""

from __future__ import annotations

import argparse
import signal
import threading
from typing import Any

from staging.cli.target_options import add_safety_options, add_target_options, stack_settings
from staging.core import ensure_port_free
from staging.run_folder import new_run_dir
from staging.stack import Stack, Target, check_preconditions, open_stack


def register(commands: Any) -> None:
    stage = commands.add_parser("stage", help="the staging stack")
    stage_commands = stage.add_subparsers(dest="stage_command", required=True)
    up = stage_commands.add_parser("up", help="run the stack in the foreground until Ctrl-C")
    add_target_options(up)
    add_safety_options(up)
    up.add_argument("--port", type=int, help="the backend's port (default: a free one)")
    up.set_defaults(handler=lambda a, _: stage_up(a))


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
    settings = stack_settings(args, run_dir, backend_port=args.port)
    check_preconditions(settings)
    stop = threading.Event()
    # Explicit handlers: a shell may start us with SIGINT ignored, and SIGTERM should stop us as cleanly.
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    with open_stack(settings) as stack:
        # On a remote target the demo actors would be writes: only with the user's consent.
        writable = stack.target is not Target.REMOTE or settings.allow_destructive
        demo = (
            demo_actors(stack)
            if writable
            else ["(no demo actors: the remote target is not ours to write to)"]
        )
        panel = stack.base_url.replace("127.0.0.1", "localhost") + "/admin"
        print(f"Backend     {stack.base_url}   (admin panel: {panel})")
        if stack.mongo_uri:
            print(f"MongoDB     {stack.mongo_uri}")
        if stack.stripe and stack.firebase and stack.mail:
            print(
                f"Stripe fake {stack.stripe.url}   Firebase stub {stack.firebase.host}   "
                f"SMTP sink {stack.mail.host}:{stack.mail.port}"
            )
        if stack.admin.email:
            print(f"Admin       {stack.admin.email} / {stack.admin.password}")
        for line in demo:
            print(line)
        print(f"Logs        {run_dir / 'logs'}")
        print_capabilities(stack, read_only=settings.production)
        print("Ready. Press Ctrl-C to stop.", flush=True)
        stop.wait()
        print("Stopping…", flush=True)
    print("Stopped.", flush=True)
    return 0


def print_capabilities(stack: Stack, *, read_only: bool) -> None:
    from staging.capabilities import probe  # noqa: PLC0415 - only when a stack is up

    report = probe(stack.base_url, admin=stack.admin if stack.admin.email else None, read_only=read_only)
    report.write(stack.run_dir)
    for line in report.headline():
        print(line)
    print(f"            full table: {stack.run_dir / 'capabilities.txt'}")
