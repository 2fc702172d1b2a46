"""Request statistics as the gate reads them: Locust's cumulative histograms, dumped at the end of a run.

The Locust process writes ``final_stats.json`` when it quits (``load/listeners.py``), after the last
request; its ``*_stats.csv`` is only rewritten once a second and can miss the final moments. Stress steps
are cumulative snapshots taken during the run; ``since`` turns two of them into one step's requests.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from load.percentiles import merge, percentile, subtract
from load.slo import AGGREGATE


@dataclass(frozen=True)
class EndpointStats:
    method: str
    name: str
    requests: int
    failures: int
    histogram: dict[int, int]  # Locust's bucketed response time (ms) -> requests
    total_ms: float = 0.0

    @property
    def key(self) -> str:
        """``GET /api/orders``, or ``Aggregated`` for all requests together."""
        return AGGREGATE if self.name == AGGREGATE else f"{self.method} {self.name}"

    def percentile(self, fraction: float) -> int | None:
        return percentile(self.histogram, sum(self.histogram.values()), fraction)

    @property
    def error_ratio(self) -> float:
        return self.failures / self.requests if self.requests else 0.0

    @property
    def mean_ms(self) -> float | None:
        return self.total_ms / self.requests if self.requests else None


@dataclass(frozen=True)
class ErrorCount:
    method: str
    name: str
    error: str
    occurrences: int


@dataclass(frozen=True)
class RunStats:
    endpoints: tuple[EndpointStats, ...]
    errors: tuple[ErrorCount, ...] = ()

    @cached_property
    def aggregate(self) -> EndpointStats:
        return EndpointStats(
            method="",
            name=AGGREGATE,
            requests=sum(e.requests for e in self.endpoints),
            failures=sum(e.failures for e in self.endpoints),
            histogram=merge(*(e.histogram for e in self.endpoints)),
            total_ms=sum(e.total_ms for e in self.endpoints),
        )

    def by_key(self) -> dict[str, EndpointStats]:
        return {e.key: e for e in self.endpoints}

    def since(self, earlier: RunStats) -> RunStats:
        """What happened between a cumulative snapshot ``earlier`` and this one."""
        before = earlier.by_key()
        delta = []
        for entry in self.endpoints:
            old = before.get(entry.key)
            if old is None:
                delta.append(entry)
                continue
            delta.append(
                EndpointStats(
                    entry.method,
                    entry.name,
                    entry.requests - old.requests,
                    entry.failures - old.failures,
                    subtract(entry.histogram, old.histogram),
                    entry.total_ms - old.total_ms,
                )
            )
        return RunStats(tuple(e for e in delta if e.requests > 0 or e.failures > 0))


def stats_from_dict(raw: dict[str, Any]) -> RunStats:
    """The dump's JSON form: histogram keys are strings there."""
    entries = tuple(
        EndpointStats(
            method=str(e["method"]),
            name=str(e["name"]),
            requests=int(e["num_requests"]),
            failures=int(e["num_failures"]),
            histogram={int(float(k)): int(v) for k, v in e.get("response_times", {}).items()},
            total_ms=float(e.get("total_response_time", 0.0)),
        )
        for e in raw.get("entries", [])
        if e.get("name") != AGGREGATE
    )
    errors = tuple(
        ErrorCount(str(e["method"]), str(e["name"]), str(e["error"]), int(e["occurrences"]))
        for e in raw.get("errors", [])
    )
    return RunStats(tuple(sorted(entries, key=lambda e: (e.name, e.method))), errors)


def read_stats(path: Path) -> RunStats:
    return stats_from_dict(json.loads(path.read_text()))
