"""Latency over time, throughput and the generator's CPU, as one PNG (matplotlib, Agg backend).

The latency lines are Locust's "current" percentiles from ``*_stats_history.csv``: a trailing window of
recent requests, fine for seeing *when* latency moved, never used by the gate (which reads cumulative
histograms). The chart says so in its title.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from load.generator_cpu import CpuSample

_AGGREGATED = "Aggregated"
_MAX_ENDPOINT_LINES = 6  # the slowest endpoints; more lines are unreadable


@dataclass
class Series:
    times: list[datetime] = field(default_factory=list)
    values: list[float] = field(default_factory=list)

    def add(self, at: datetime, value: float | None) -> None:
        if value is not None:
            self.times.append(at)
            self.values.append(value)


@dataclass
class History:
    p50: Series = field(default_factory=Series)
    p95: Series = field(default_factory=Series)
    rps: Series = field(default_factory=Series)
    failures: Series = field(default_factory=Series)
    users: Series = field(default_factory=Series)
    endpoint_p95: dict[str, Series] = field(default_factory=dict)


def _number(raw: str | None) -> float | None:
    try:
        return float(raw) if raw not in (None, "", "N/A") else None
    except ValueError:
        return None


def read_history(path: Path) -> History:
    history = History()
    with path.open(newline="") as handle:
        for row in csv.DictReader(handle):
            at = datetime.fromtimestamp(int(row["Timestamp"]))
            if row["Name"] == _AGGREGATED:
                history.p50.add(at, _number(row["50%"]))
                history.p95.add(at, _number(row["95%"]))
                history.rps.add(at, _number(row["Requests/s"]))
                history.failures.add(at, _number(row["Failures/s"]))
                history.users.add(at, _number(row["User Count"]))
            else:
                key = f"{row['Type']} {row['Name']}"
                history.endpoint_p95.setdefault(key, Series()).add(at, _number(row["95%"]))
    return history


def draw(
    history: History,
    cpu: Sequence[CpuSample],
    path: Path,
    *,
    title: str,
    limit_ms: float | None,
    marks: Iterable[tuple[float, str]] = (),
) -> Path:
    """Three panels: latency (with the p95 limit), throughput and users, the generator's CPU demand."""
    import matplotlib  # noqa: PLC0415 - only this module draws; importing it elsewhere would slow the CLI

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415

    figure, (latency, throughput, generator) = plt.subplots(3, 1, figsize=(11, 10), sharex=True)
    figure.suptitle(title)

    slowest = sorted(history.endpoint_p95.items(), key=lambda kv: max(kv[1].values, default=0), reverse=True)
    for name, series in slowest[:_MAX_ENDPOINT_LINES]:
        latency.plot(series.times, series.values, linewidth=0.8, alpha=0.7, label=f"p95 {name}")
    latency.plot(history.p95.times, history.p95.values, color="black", linewidth=2, label="p95 all requests")
    latency.plot(history.p50.times, history.p50.values, color="grey", linewidth=1.5, label="p50 all requests")
    if limit_ms is not None:
        latency.axhline(limit_ms, color="red", linestyle="--", label=f"p95 limit {limit_ms:g} ms")
    latency.set_ylabel("ms (trailing window)")
    latency.set_title(
        "Response time: Locust's current percentiles (the gate uses cumulative ones)", fontsize=9
    )
    latency.legend(fontsize=7, loc="upper left")

    throughput.plot(history.rps.times, history.rps.values, color="tab:blue", label="requests/s")
    throughput.plot(history.failures.times, history.failures.values, color="tab:red", label="failures/s")
    throughput.set_ylabel("per second")
    users_axis = throughput.twinx()
    users_axis.plot(
        history.users.times, history.users.values, color="tab:green", linestyle=":", label="users"
    )
    users_axis.set_ylabel("users")
    throughput.legend(fontsize=7, loc="upper left")
    users_axis.legend(fontsize=7, loc="upper right")

    by_process: dict[str, Series] = {}
    for sample in cpu:
        by_process.setdefault(sample.process, Series()).add(datetime.fromtimestamp(sample.at), sample.demand)
    for process, series in sorted(by_process.items()):
        generator.plot(series.times, series.values, label=f"{process} demand")
    generator.set_ylabel("% of one core")
    generator.set_title("Load generator: CPU used + waiting for a CPU", fontsize=9)
    if by_process:
        generator.legend(fontsize=7, loc="upper left")

    for at, label in marks:
        for axis in (latency, throughput, generator):
            axis.axvline(datetime.fromtimestamp(at), color="grey", linewidth=0.6, linestyle="--")
        latency.annotate(label, (datetime.fromtimestamp(at), 0), fontsize=7, rotation=90, va="bottom")
    figure.autofmt_xdate()
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path
