"""The generator's CPU: the evidence behind "invalid run", measured for real on a starved process."""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path

import pytest

from load.generator_cpu import CpuMonitor, CpuSample, assess, read_samples, write_samples
from load.slo import GeneratorLimits
from staging.core import ChildProcess, wait_until

LIMITS = GeneratorLimits(demand_percent=90, saturated_share=0.2)


def samples(process: str, demands: list[float], waited: float | None = 0.0) -> list[CpuSample]:
    return [CpuSample(float(i), process, d - (waited or 0.0), waited) for i, d in enumerate(demands)]


def test_a_generator_with_cpu_to_spare_is_not_saturated():
    """Demand well below a core all along: the run stands."""
    report = assess(samples("locust", [20, 35, 50, 40, 30]), LIMITS)
    assert not report.saturated
    assert report.processes[0].peak_demand == 50


def test_a_generator_needing_a_whole_core_for_long_enough_is_saturated():
    """Two in five samples at or above 90% is 40%, past the 20% share: saturated."""
    report = assess(samples("locust", [95, 99, 40, 30, 20]), LIMITS)
    assert report.saturated
    assert "40% of 5 samples" in report.summary()


def test_one_spike_does_not_saturate_a_generator():
    """One sample in ten at 100% (a garbage collection, the HTML report) stays under the share."""
    assert not assess(samples("locust", [100] + [30] * 9), LIMITS).saturated


def test_waiting_for_a_cpu_counts_as_demand():
    """A process using 40% of a core while waiting 55% for one is starved: its demand is 95%."""
    report = assess(samples("worker-1", [95] * 5, waited=55.0), LIMITS)
    assert report.saturated
    assert report.wait_known
    assert report.processes[0].mean_used == 40


def test_any_saturated_worker_saturates_the_generator():
    """In distributed mode one saturated worker is enough to distort the figures."""
    report = assess(samples("master", [5] * 5) + samples("worker-2", [97] * 5), LIMITS)
    assert report.saturated
    assert report.summary().startswith("worker-2")


def test_only_samples_inside_the_measured_window_count():
    """Locust's start-up and report writing are outside the window and are not load."""
    report = assess(samples("locust", [100, 100, 10, 10, 10, 100]), LIMITS, window=(2, 4))
    assert not report.saturated
    assert report.processes[0].samples == 3


def test_samples_round_trip_through_csv(tmp_path: Path):
    """The run folder keeps every sample; reading it back gives the same figures."""
    written = samples("locust", [10, 20], waited=5.0)
    write_samples(written, tmp_path / "cpu.csv")
    assert read_samples(tmp_path / "cpu.csv") == written


@pytest.mark.skipif(not hasattr(os, "sched_setaffinity"), reason="CPU affinity is Linux-only")
def rank_its_session(pid: int | None, nice: int) -> None:
    """With autogroups (Linux's default) nice ranks only the processes of one session, and ChildProcess gives
    each child a session of its own: the session's nice is what ranks it against the hog. The busy process is
    alone in its session, so this changes nothing else."""
    with contextlib.suppress(OSError):
        Path(f"/proc/{pid}/autogroup").write_text(str(nice))


def test_the_monitor_sees_a_starved_busy_process_as_saturated(tmp_path: Path):
    """A busy process niced and pinned to the core of a CPU hog waits for the CPU: its demand is ~100%.

    Nice 10 (about a tenth of the core) rather than 19: a process starved outright is never scheduled during
    the sampling, and the kernel books its waiting only when it next runs.
    """
    nice = 10
    busy = ChildProcess(
        "busy",
        [sys.executable, "-m", "load.pinned", "--cpus", "0", "--nice", str(nice), "--hog"],
        log_path=tmp_path / "busy.log",
    )
    hog = ChildProcess(
        "hog", [sys.executable, "-m", "load.pinned", "--cpus", "0", "--hog"], log_path=tmp_path / "hog.log"
    )
    hog.start()
    busy.start()
    try:
        rank_its_session(busy.pid, nice)
        with CpuMonitor(lambda: {"busy": busy.pid}, interval=0.2) as monitor:
            wait_until(lambda: len(monitor.samples) >= 6, timeout=10, description="six CPU samples")
        report = assess(monitor.samples, LIMITS)
    finally:
        busy.stop()
        hog.stop()
    assert report.measured
    assert report.saturated, report.summary()
    assert report.processes[0].mean_used < 50, "niced behind the hog, it gets little of the core"
