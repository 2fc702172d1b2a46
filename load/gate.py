"""The SLO gate: every configured limit checked against the cumulative figures, with their precision.

Checks are strict "below" comparisons, as k6 writes them (``p(95)<500``). A percentile is a Locust bucket
(``load/percentiles.py``): below the limit when the whole bucket is, a breach when the whole bucket is at or
above it, and "at the limit" when the bucket straddles it, which fails the gate unless the SLO file says
``at_limit = "pass"``. The verdict of a run also weighs the load generator: a saturated generator measured
itself, not the backend, so its run is invalid whatever the figures say.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from load.percentiles import Position, bucket_bounds, position
from load.slo import AGGREGATE, SloConfig
from load.stats import EndpointStats, RunStats


class Outcome(StrEnum):
    PASS = "pass"  # noqa: S105 - an outcome, not a password
    BREACH = "breach"
    AT_LIMIT = "at limit"
    NO_DATA = "no data"


class Verdict(StrEnum):
    PASS = "pass"  # noqa: S105 - a verdict, not a password
    SLO_BREACH = "SLO breach"
    INVALID_RUN = "invalid run"


EXIT_CODES = {Verdict.PASS: 0, Verdict.SLO_BREACH: 1, Verdict.INVALID_RUN: 3}


@dataclass(frozen=True)
class Check:
    endpoint: str  # "GET /api/orders" or "Aggregated"
    metric: str  # "p95", "p99", "error_ratio", "requests"
    limit: float
    measured: float | None
    outcome: Outcome
    note: str = ""

    @property
    def fraction(self) -> float | None:
        """0.95 for "p95"; None for other metrics."""
        return float(self.metric[1:]) / 100 if self.metric.startswith("p") else None

    def fails(self, at_limit_fails: bool) -> bool:
        return self.outcome in (Outcome.BREACH, Outcome.NO_DATA) or (
            self.outcome is Outcome.AT_LIMIT and at_limit_fails
        )


@dataclass(frozen=True)
class GateResult:
    checks: tuple[Check, ...]
    rows: tuple[EndpointStats, ...]  # endpoints, then the aggregate
    at_limit_fails: bool

    @property
    def failed(self) -> tuple[Check, ...]:
        return tuple(c for c in self.checks if c.fails(self.at_limit_fails))

    @property
    def passed(self) -> bool:
        return not self.failed

    @property
    def failing_endpoints(self) -> list[str]:
        """Endpoints (not the aggregate) with a failed check, in table order."""
        names = {c.endpoint for c in self.failed}
        return [r.key for r in self.rows if r.key in names and r.key != AGGREGATE]

    def checks_for(self, endpoint: str) -> list[Check]:
        return [c for c in self.checks if c.endpoint == endpoint]

    @property
    def nothing_measured(self) -> bool:
        return not self.rows or self.rows[-1].requests == 0


def metric_name(fraction: float) -> str:
    percent = fraction * 100
    return f"p{int(percent)}" if percent.is_integer() else f"p{percent:g}"


def evaluate(stats: RunStats, slo: SloConfig) -> GateResult:
    """Every limit of the SLO file against every endpoint seen, every endpoint configured, and the total."""
    seen = stats.by_key()
    rows = [seen[key] for key in seen]
    for key in slo.endpoints:
        if key not in seen:  # configured but never requested: a gate over nothing must not pass
            method, _, name = key.partition(" ")
            rows.append(EndpointStats(method, name, 0, 0, {}))
    rows.append(stats.aggregate)
    checks: list[Check] = []
    for row in rows:
        checks.extend(_checks_for_row(row, slo))
    return GateResult(tuple(checks), tuple(rows), slo.at_limit_fails)


def _checks_for_row(row: EndpointStats, slo: SloConfig) -> list[Check]:
    limits = slo.for_endpoint(row.key)
    if row.requests < max(limits.min_requests, 1):
        return [
            Check(
                row.key,
                "requests",
                float(max(limits.min_requests, 1)),
                float(row.requests),
                Outcome.NO_DATA,
                f"{row.requests} request(s), at least {max(limits.min_requests, 1)} needed to judge",
            )
        ]
    checks = [_percentile_check(row, fraction, limit) for fraction, limit in limits.percentiles_ms.items()]
    if limits.error_ratio is not None:
        ratio = row.error_ratio
        checks.append(
            Check(
                row.key,
                "error_ratio",
                limits.error_ratio,
                ratio,
                Outcome.PASS if ratio < limits.error_ratio else Outcome.BREACH,
                f"{row.failures} of {row.requests} failed",
            )
        )
    return checks


def _percentile_check(row: EndpointStats, fraction: float, limit: float) -> Check:
    value = row.percentile(fraction)
    name = metric_name(fraction)
    if value is None:
        return Check(row.key, name, limit, None, Outcome.NO_DATA, "no response times recorded")
    low, high = bucket_bounds(value)
    where = position(value, limit)
    outcome = {Position.BELOW: Outcome.PASS, Position.ABOVE: Outcome.BREACH, Position.AT: Outcome.AT_LIMIT}[
        where
    ]
    note = f"Locust bucket {low:g} to {high:g} ms"
    if where is Position.AT:
        note += f" contains the {limit:g} ms limit: not shown to be below it"
    return Check(row.key, name, limit, float(value), outcome, note)


def verdict(gate: GateResult, generator_saturated: bool) -> Verdict:
    """A saturated generator, or a run that measured nothing, is never read as a backend result."""
    if generator_saturated or gate.nothing_measured:
        return Verdict.INVALID_RUN
    return Verdict.PASS if gate.passed else Verdict.SLO_BREACH
