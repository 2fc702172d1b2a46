"""``almarya-qa load``: a Locust load test of the stack against the SLO gate (``load/``)."""

from __future__ import annotations

import argparse
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from staging.cli.target_options import add_target_options, stack_settings
from staging.core import StagingError


def register(commands: Any) -> None:
    load = commands.add_parser(
        "load",
        help="load-test the stack with Locust and gate the result on the SLOs",
        description=(
            "Exit codes: 0 every SLO held, 1 SLO breach, 3 invalid run (saturated load generator or nothing "
            "measured), 2 user error."
        ),
    )
    add_target_options(load)
    load.add_argument(
        "--profile", default="smoke", help="a profile in load/profiles/ or a .toml path (default smoke)"
    )
    load.add_argument("--slo", type=Path, help="the SLO file (default load/slo.toml)")
    load.add_argument(
        "--workers",
        type=int,
        default=0,
        help="distributed mode: a Locust master with N local workers (default 0)",
    )
    load.add_argument("--users", type=int, help="cap on simulated users (required for a non-loopback target)")
    load.add_argument(
        "--duration", type=float, help="cap on the run in seconds (required for a non-loopback target)"
    )
    load.add_argument(
        "--allow-remote-load", action="store_true", help="consent to load a non-loopback target (with caps)"
    )
    load.add_argument(
        "--starve-generator",
        action="store_true",
        help="self-test of the verdict: pin Locust and a CPU hog to one core; the run must come out invalid",
    )
    load.add_argument(
        "--history-dir", type=Path, help="per-profile history for the comparison (default runs/load-history)"
    )
    load.set_defaults(handler=run_load_command)


def run_load_command(args: argparse.Namespace, extra: Sequence[str]) -> int:
    # Imported here: the load package pulls in matplotlib and the client layer, which other commands skip.
    from load import history  # noqa: PLC0415
    from load.safety import Caps  # noqa: PLC0415
    from load.session import LoadOptions, run_load  # noqa: PLC0415
    from load.slo import DEFAULT_SLO  # noqa: PLC0415

    # The SMTP sink (aiosmtpd) logs a deprecation line per mail; under load that buries the SLO table.
    logging.getLogger("mail.log").setLevel(logging.ERROR)
    if extra:
        raise StagingError("almarya-qa load takes no arguments after --; profiles hold the load's settings")
    options = LoadOptions(
        profile=args.profile,
        slo_path=args.slo or DEFAULT_SLO,
        run_dir=args.run_dir,
        stack=stack_settings(args, args.run_dir or Path("runs")),
        workers=args.workers,
        caps=Caps(users=args.users, duration_s=args.duration),
        allow_remote=args.allow_remote_load,
        starve=args.starve_generator,
        history_root=args.history_dir or history.HISTORY_ROOT,
    )
    return run_load(options)
