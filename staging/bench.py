"""Benchmarks of the harness itself; figures go to the README, never into assertions."""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from staging.stack import StackSettings, open_stack


def stack_startup(repeat: int) -> list[float]:
    """Seconds from nothing to a seeded embedded stack whose backend answers ``/ready``."""
    timings = []
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as run_dir:
            started = time.perf_counter()
            with open_stack(StackSettings(run_dir=Path(run_dir))):
                timings.append(time.perf_counter() - started)
    return timings


def report_startup(repeat: int) -> str:
    timings = stack_startup(repeat)
    return (
        f"embedded stack start-up over {repeat} runs: median {statistics.median(timings):.2f} s, "
        f"min {min(timings):.2f} s, max {max(timings):.2f} s"
    )
