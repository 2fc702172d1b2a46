"""The load generator's own CPU and timing, measured while it runs: the evidence behind "invalid run".

A Locust process is one gevent loop on one core. It cannot keep its schedule when it needs a whole core,
whether it uses that core itself or waits for it behind other work (a shared CI runner, a CPU hog, the
backend on the same machine). So the figure judged is *demand*: CPU time used plus time spent runnable but
waiting for a CPU (``/proc/<pid>/schedstat``), as a percentage of one core. Where schedstat is missing only
the CPU time used is known, and the report says so.

The second figure is the event loop's lag, measured inside each Locust process (``load/listeners.py``): how
late a greenlet that slept 100 ms was woken. Every response timed by a lagging loop is timed late by about
as much, so a generator whose lag reaches the limit for long enough is saturated too, whatever its CPU says.
"""

from __future__ import annotations

import csv
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import psutil

from load.slo import GeneratorLimits


@dataclass(frozen=True)
class CpuSample:
    at: float  # wall-clock time at the end of the interval
    process: str  # "locust", "master", "worker-1", ...
    used: float  # % of one core spent running
    waited: float | None  # % of one core spent runnable but waiting for a CPU; None where unknown

    @property
    def demand(self) -> float:
        return self.used + (self.waited or 0.0)


@dataclass(frozen=True)
class _Reading:
    wall: float
    run_ns: int
    wait_ns: int | None


def _read(pid: int) -> _Reading | None:
    wall = time.monotonic()
    try:
        with open(f"/proc/{pid}/schedstat") as handle:
            run_ns, wait_ns, _ = (int(x) for x in handle.read().split())
        return _Reading(wall, run_ns, wait_ns)
    except (OSError, ValueError):
        pass
    try:
        times = psutil.Process(pid).cpu_times()
    except psutil.Error:
        return None
    return _Reading(wall, int((times.user + times.system) * 1e9), None)


def sample_between(process: str, before: _Reading, after: _Reading) -> CpuSample | None:
    elapsed_ns = (after.wall - before.wall) * 1e9
    if elapsed_ns <= 0:
        return None
    waited = None
    if before.wait_ns is not None and after.wait_ns is not None:
        waited = 100 * (after.wait_ns - before.wait_ns) / elapsed_ns
    return CpuSample(time.time(), process, 100 * (after.run_ns - before.run_ns) / elapsed_ns, waited)


class CpuMonitor:
    """Samples the generator's processes every ``interval`` seconds in a background thread.

    ``processes`` is asked for ``{label: pid}`` at every sample, so workers that start later are picked up.
    """

    def __init__(self, processes: Callable[[], Mapping[str, int | None]], interval: float = 0.5) -> None:
        self._processes = processes
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="generator-cpu", daemon=True)
        self._last: dict[str, tuple[int, _Reading]] = {}
        self.samples: list[CpuSample] = []

    def __enter__(self) -> CpuMonitor:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            self.sample_once()

    def sample_once(self) -> None:
        for label, pid in self._processes().items():
            if pid is None:
                continue
            reading = _read(pid)
            if reading is None:
                continue
            previous = self._last.get(label)
            self._last[label] = (pid, reading)
            if previous is not None and previous[0] == pid:
                sample = sample_between(label, previous[1], reading)
                if sample is not None:
                    self.samples.append(sample)


@dataclass(frozen=True)
class ProcessLoad:
    process: str
    samples: int
    mean_used: float
    mean_demand: float
    peak_demand: float
    saturated_share: float  # share of CPU samples at or above the demand limit
    lag_samples: int = 0
    lag_p95_ms: float | None = None  # how late the event loop woke a sleeping greenlet, 95th percentile
    lag_share: float = 0.0  # share of lag samples at or above the lag limit


@dataclass(frozen=True)
class GeneratorReport:
    processes: tuple[ProcessLoad, ...]
    limits: GeneratorLimits
    wait_known: bool

    def saturated_process(self, load: ProcessLoad) -> bool:
        share = self.limits.saturated_share
        return bool(load.samples and load.saturated_share >= share) or bool(
            load.lag_samples and load.lag_share >= share
        )

    @property
    def saturated(self) -> bool:
        return any(self.saturated_process(p) for p in self.processes)

    @property
    def measured(self) -> bool:
        return any(p.samples or p.lag_samples for p in self.processes)

    def summary(self) -> str:
        if not self.measured:
            return "generator CPU not measured"
        worst = max(self.processes, key=lambda p: (max(p.saturated_share, p.lag_share), p.mean_demand))
        basis = "CPU used + waiting for a CPU" if self.wait_known else "CPU used (run-queue wait unknown)"
        limits = self.limits
        text = (
            f"{worst.process}: {basis} at or above {limits.demand_percent:g}% of a core during "
            f"{worst.saturated_share * 100:.0f}% of {worst.samples} samples; mean {worst.mean_demand:.0f}%, "
            f"peak {worst.peak_demand:.0f}%"
        )
        if worst.lag_p95_ms is not None:
            text += (
                f"; event-loop lag p95 {worst.lag_p95_ms:.0f} ms, at or above {limits.loop_lag_ms:g} ms "
                f"during {worst.lag_share * 100:.0f}% of {worst.lag_samples} samples"
            )
        verdict = "saturated" if self.saturated else "not saturated"
        return f"{text} (limit {limits.saturated_share * 100:g}% of samples: {verdict})"


def assess(
    samples: Iterable[CpuSample],
    limits: GeneratorLimits,
    window: tuple[float, float] | None = None,
    lags: Mapping[str, Iterable[tuple[float, float]]] | None = None,
) -> GeneratorReport:
    """Judge the samples taken inside ``window`` (the measured phase: Locust's start-up is not load).

    ``lags`` are ``(time, ms)`` event-loop lag samples per process, measured inside Locust.
    """

    def inside(at: float) -> bool:
        return window is None or window[0] <= at <= window[1]

    chosen = [s for s in samples if inside(s.at)]
    by_process: dict[str, list[CpuSample]] = {}
    for sample in chosen:
        by_process.setdefault(sample.process, []).append(sample)
    lag_by_process = {name: sorted(ms for at, ms in own if inside(at)) for name, own in (lags or {}).items()}
    loads = []
    for process in sorted(set(by_process) | set(lag_by_process)):
        own = by_process.get(process, [])
        demands = [s.demand for s in own]
        lag = lag_by_process.get(process, [])
        loads.append(
            ProcessLoad(
                process,
                len(own),
                sum(s.used for s in own) / len(own) if own else 0.0,
                sum(demands) / len(own) if own else 0.0,
                max(demands, default=0.0),
                sum(d >= limits.demand_percent for d in demands) / len(own) if own else 0.0,
                len(lag),
                lag[min(int(len(lag) * 0.95), len(lag) - 1)] if lag else None,
                sum(ms >= limits.loop_lag_ms for ms in lag) / len(lag) if lag else 0.0,
            )
        )
    wait_known = bool(chosen) and all(s.waited is not None for s in chosen)
    return GeneratorReport(tuple(loads), limits, wait_known)


def write_samples(samples: Iterable[CpuSample], path: Path) -> None:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["timestamp", "process", "cpu_used_percent", "cpu_waited_percent", "demand_percent"])
        for s in samples:
            waited = "" if s.waited is None else f"{s.waited:.1f}"
            writer.writerow([f"{s.at:.3f}", s.process, f"{s.used:.1f}", waited, f"{s.demand:.1f}"])


def read_samples(path: Path) -> list[CpuSample]:
    with path.open(newline="") as handle:
        return [
            CpuSample(
                float(row["timestamp"]),
                row["process"],
                float(row["cpu_used_percent"]),
                float(row["cpu_waited_percent"]) if row["cpu_waited_percent"] else None,
            )
            for row in csv.DictReader(handle)
        ]
