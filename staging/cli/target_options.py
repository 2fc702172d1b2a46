"""The target flags every command that talks to a backend shares."""

from __future__ import annotations

import argparse
from pathlib import Path

from staging.stack import StackSettings, Target, implied_target


def add_target_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--target",
        choices=[t.value for t in Target],
        default=None,
        help=(
            "what to test (default: embedded; remote with --base-url, docker with --backend-image, "
            "local with --backend-dir)"
        ),
    )
    parser.add_argument("--base-url", help="the backend's URL, for the remote target")
    parser.add_argument(
        "--backend-dir",
        type=Path,
        help="local: the Node backend checkout (npm install, npm start); docker: a folder with a Dockerfile",
    )
    parser.add_argument("--backend-image", help="docker: the backend image to run instead of building one")
    parser.add_argument("--mongo-uri", help="the target's MongoDB, for seeding and database checks")
    parser.add_argument(
        "--defects", default="", help="comma-separated injected defects for the reference backend"
    )
    parser.add_argument(
        "--run-dir", type=Path, help="where logs and reports go (default: a new folder in runs/)"
    )


def add_safety_options(parser: argparse.ArgumentParser) -> None:
    """The remote target's consent flags (README "Targets")."""
    parser.add_argument(
        "--allow-destructive",
        action="store_true",
        help="remote: also run tests that write (by default only read-only smoke checks run there)",
    )
    parser.add_argument(
        "--production",
        action="store_true",
        help="remote: the target is production; read-only smoke checks only",
    )


def target_of(args: argparse.Namespace) -> Target:
    if args.target:
        return Target(args.target)
    return implied_target(
        base_url=args.base_url, backend_dir=args.backend_dir, backend_image=args.backend_image
    )


def defects_of(args: argparse.Namespace) -> tuple[str, ...]:
    return tuple(d.strip() for d in args.defects.split(",") if d.strip())


def stack_settings(args: argparse.Namespace, run_dir: Path, **overrides: object) -> StackSettings:
    return StackSettings(
        target=target_of(args),
        run_dir=run_dir,
        base_url=args.base_url,
        mongo_uri=args.mongo_uri,
        defects=defects_of(args),
        backend_dir=args.backend_dir.resolve() if args.backend_dir else None,
        backend_image=args.backend_image,
        allow_destructive=getattr(args, "allow_destructive", False),
        production=getattr(args, "production", False),
        **overrides,  # type: ignore[arg-type]
    )
