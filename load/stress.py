"""Stress: each step judged on its own requests and its own generator CPU; the capacity knee is the highest
load that still held the SLO before the first step that did not."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from load.gate import GateResult, evaluate
from load.generator_cpu import CpuSample, GeneratorReport, assess
from load.report import ms, percent, render_table
from load.slo import SloConfig
from load.stats import RunStats, stats_from_dict


@dataclass(frozen=True)
class StepResult:
    step: int
    users: int
    started_at: float
    ended_at: float
    stats: RunStats
    gate: GateResult
    generator: GeneratorReport

    @property
    def held(self) -> bool:
        return self.gate.passed and not self.gate.nothing_measured and not self.generator.saturated

    @property
    def cause(self) -> str:
        """Why a step did not hold: the generator first, since then the figures say nothing."""
        if self.generator.saturated:
            return "generator saturated"
        if self.gate.nothing_measured:
            return "no requests"
        if not self.gate.passed:
            named = self.gate.failing_endpoints or ["Aggregated"]
            more = f" and {len(named) - 2} more" if len(named) > 2 else ""
            return "SLO breach: " + ", ".join(named[:2]) + more
        return ""


@dataclass(frozen=True)
class Knee:
    steps: tuple[StepResult, ...]
    users: int | None  # the highest step load that held; None when even the first step did not
    broke_at: StepResult | None  # the first step that did not hold; None when every step held

    @property
    def generator_limited(self) -> bool:
        return self.broke_at is not None and self.broke_at.generator.saturated


def read_steps(path: Path) -> list[dict[str, Any]]:
    return json.loads(path.read_text()) if path.is_file() else []


def judge_steps(
    raw: Sequence[dict[str, Any]],
    slo: SloConfig,
    cpu: Sequence[CpuSample],
    lags: Mapping[str, Sequence[tuple[float, float]]] | None = None,
) -> list[StepResult]:
    results = []
    for step in raw:
        start, end = step["start"], step["end"]
        stats = stats_from_dict(end).since(stats_from_dict(start))
        window = (float(start["at"]), float(end["at"]))
        results.append(
            StepResult(
                int(step["step"]),
                int(step["users"]),
                window[0],
                window[1],
                stats,
                evaluate(stats, slo),
                assess(cpu, slo.generator, window, lags),
            )
        )
    return results


def find_knee(steps: Sequence[StepResult]) -> Knee:
    knee: int | None = None
    for result in steps:
        if not result.held:
            return Knee(tuple(steps), knee, result)
        knee = result.users
    return Knee(tuple(steps), knee, None)


def knee_text(knee: Knee, max_users: int) -> str:
    header = ("Step", "Users", "Requests", "req/s", "p95", "p99", "Errors", "Generator demand", "Verdict")
    rows = []
    for s in knee.steps:
        total = s.stats.aggregate
        seconds = max(s.ended_at - s.started_at, 1e-9)
        worst = max(s.generator.processes, key=lambda p: p.mean_demand, default=None)
        demand = "n/a" if worst is None else f"mean {worst.mean_demand:.0f}%, peak {worst.peak_demand:.0f}%"
        p95, p99 = total.percentile(0.95), total.percentile(0.99)
        rows.append(
            (
                str(s.step + 1),
                str(s.users),
                str(total.requests),
                f"{total.requests / seconds:.1f}",
                ms(None if p95 is None else float(p95)),
                ms(None if p99 is None else float(p99)),
                percent(total.error_ratio),
                demand,
                "held" if s.held else s.cause,
            )
        )
    lines = [
        "Stress steps (each judged on its own requests, after its settle time):",
        render_table(header, rows, {2, 3, 4, 5, 6}),
    ]
    lines.append(knee_line(knee, max_users))
    return "\n".join(lines)


def knee_line(knee: Knee, max_users: int) -> str:
    if not knee.steps:
        return "Capacity knee: unknown: no step was measured"
    if knee.broke_at is None:
        return f"Capacity knee: above {knee.users} users: every step held up to max_users ({max_users})"
    if knee.generator_limited:
        held = f"at least {knee.users} users" if knee.users else "unknown"
        return (
            f"Capacity knee: {held}; the generator saturated at {knee.broke_at.users} users before the SLO "
            "broke, so the backend's limit was not reached (add workers)"
        )
    if knee.users is None:
        return (
            f"Capacity knee: below {knee.broke_at.users} users: the first step already broke the SLO "
            f"({knee.broke_at.cause})"
        )
    return (
        f"Capacity knee: {knee.users} users held the SLO; {knee.broke_at.users} users broke it "
        f"({knee.broke_at.cause})"
    )
