"""Run folders: one per run, holding logs, Allure results, JUnit XML and reports."""

from __future__ import annotations

import secrets
from datetime import datetime
from pathlib import Path

RUNS_ROOT = Path("runs")


def new_run_dir(root: Path = RUNS_ROOT) -> Path:
    """``runs/20261124-101500-1a2b``: sortable by time, unique across parallel runs."""
    path = root / f"{datetime.now().strftime('%Y%m%d-%H%M%S')}-{secrets.token_hex(2)}"
    path.mkdir(parents=True, exist_ok=False)
    return path


def worker_dir(run_dir: Path, worker_id: str) -> Path:
    """Each xdist worker runs its own stack; its logs go under its own folder."""
    return run_dir if worker_id == "master" else run_dir / "workers" / worker_id
