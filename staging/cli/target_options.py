"""The target flags every command that talks to a backend shares."""

from __future__ import annotations

import argparse
from pathlib import Path

from staging.stack import StackSettings, Target


def add_target_options(parser: argparse.ArgumentParser) -> None:
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


def target_of(args: argparse.Namespace) -> Target:
    if args.target:
        return Target(args.target)
    return Target.REMOTE if args.base_url else Target.EMBEDDED


def defects_of(args: argparse.Namespace) -> tuple[str, ...]:
    return tuple(d.strip() for d in args.defects.split(",") if d.strip())


def stack_settings(args: argparse.Namespace, run_dir: Path, **overrides: object) -> StackSettings:
    return StackSettings(
        target=target_of(args),
        run_dir=run_dir,
        base_url=args.base_url,
        mongo_uri=args.mongo_uri,
        defects=defects_of(args),
        **overrides,  # type: ignore[arg-type]
    )
