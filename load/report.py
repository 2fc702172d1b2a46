"""The gate's text: thresholds first, as k6 prints them, then the SLO table and the verdict."""

from __future__ import annotations

from collections.abc import Sequence

from load.gate import Check, GateResult, Outcome, Verdict, metric_name
from load.slo import AGGREGATE, SloConfig
from load.stats import EndpointStats

MARKS = {Outcome.PASS: "✓", Outcome.BREACH: "✗", Outcome.AT_LIMIT: "≈", Outcome.NO_DATA: "✗"}
PRECISION_NOTE = (
    "percentiles are Locust's cumulative histogram buckets: exact below 100 ms, ±5 ms to 999 ms, "
    "±50 ms to 9999 ms"
)


def ms(value: float | None) -> str:
    return "n/a" if value is None else f"{value:g}ms"


def percent(value: float | None) -> str:
    return "n/a" if value is None else f"{value * 100:.2f}%"


def _threshold(check: Check) -> tuple[str, str]:
    tag = "" if check.endpoint == AGGREGATE else f"{{{check.endpoint}}}"
    if check.metric == "error_ratio":
        return f"http_req_failed{tag} rate<{check.limit * 100:g}%", f"rate={percent(check.measured)}"
    if check.metric == "requests":
        return f"http_reqs{tag} count>={check.limit:g}", f"count={check.measured:g}"
    fraction = check.fraction or 0
    label = f"p({fraction * 100:g})"
    return f"http_req_duration{tag} {label}<{check.limit:g}ms", f"{label}={ms(check.measured)}"


def threshold_lines(gate: GateResult) -> list[str]:
    """``✓ http_req_duration{GET /api/orders} p(95)<500ms ..... p(95)=120ms``, one line per check."""
    pairs = [(check, *_threshold(check)) for check in gate.checks]
    width = max((len(name) for _, name, _ in pairs), default=0) + 3
    lines = []
    for check, name, value in pairs:
        line = f"  {MARKS[check.outcome]} {name} {'.' * (width - len(name))} {value}"
        if check.outcome is Outcome.AT_LIMIT:
            line += f"  AT THE LIMIT ({check.note})"
        elif check.outcome is Outcome.NO_DATA:
            line += f"  NO DATA ({check.note})"
        lines.append(line)
    return lines


def _limits_text(checks: Sequence[Check]) -> str:
    parts = []
    for check in checks:
        if check.metric == "error_ratio":
            parts.append(f"err<{check.limit * 100:g}%")
        elif check.metric == "requests":
            parts.append(f"n>={check.limit:g}")
        else:
            parts.append(f"{check.metric}<{check.limit:g}")
    return " ".join(parts)


def _row_verdict(checks: Sequence[Check], at_limit_fails: bool) -> str:
    failing = [c for c in checks if c.fails(at_limit_fails)]
    if not failing:
        at_limit = [c.metric for c in checks if c.outcome is Outcome.AT_LIMIT]
        return f"pass ({', '.join(at_limit)} at limit)" if at_limit else "pass"
    by_outcome: dict[Outcome, list[str]] = {}
    for check in failing:
        by_outcome.setdefault(check.outcome, []).append(check.metric.replace("error_ratio", "errors"))
    return "; ".join(
        f"{outcome.value.upper()} ({', '.join(metrics)})" for outcome, metrics in by_outcome.items()
    )


def slo_table(gate: GateResult) -> str:
    header = ("Endpoint", "Requests", "p50", "p95", "p99", "Errors", "Limit", "Verdict")
    body = []
    for row in gate.rows:
        checks = gate.checks_for(row.key)
        body.append(
            (
                row.key,
                str(row.requests),
                ms(_p(row, 0.50)),
                ms(_p(row, 0.95)),
                ms(_p(row, 0.99)),
                f"{row.failures} ({percent(row.error_ratio)})" if row.requests else "0",
                _limits_text(checks),
                _row_verdict(checks, gate.at_limit_fails),
            )
        )
    return render_table(header, body, right_aligned={1, 2, 3, 4, 5})


def _p(row: EndpointStats, fraction: float) -> float | None:
    value = row.percentile(fraction)
    return None if value is None else float(value)


def render_table(header: Sequence[str], body: Sequence[Sequence[str]], right_aligned: set[int]) -> str:
    widths = [max(len(r[i]) for r in [header, *body]) for i in range(len(header))]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(
            cell.rjust(widths[i]) if i in right_aligned else cell.ljust(widths[i])
            for i, cell in enumerate(cells)
        ).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(header), rule, *(line(r) for r in body)])


def verdict_line(verdict: Verdict, gate: GateResult) -> str:
    if verdict is Verdict.INVALID_RUN:
        if gate.nothing_measured:
            return "Verdict: INVALID RUN: no request was measured, so nothing was judged"
        return (
            "Verdict: INVALID RUN: the load generator was saturated (see Generator above); the figures "
            "measure the generator, not the backend, so they neither pass nor breach the SLO"
        )
    if verdict is Verdict.PASS:
        at_limit = [c for c in gate.checks if c.outcome is Outcome.AT_LIMIT]
        suffix = f' ({len(at_limit)} check(s) at the limit, passed by at_limit = "pass")' if at_limit else ""
        return f"Verdict: PASS: every SLO held{suffix}"
    reasons = [_reason(c) for c in gate.failed]
    return "Verdict: SLO BREACH: " + "; ".join(reasons)


def _reason(check: Check) -> str:
    if check.metric == "error_ratio":
        return f"{check.endpoint} error rate {percent(check.measured)} (limit <{check.limit * 100:g}%)"
    if check.outcome is Outcome.NO_DATA:
        return f"{check.endpoint} has no data ({check.note})"
    wording = "at the limit" if check.outcome is Outcome.AT_LIMIT else "breached"
    return f"{check.endpoint} {check.metric}={ms(check.measured)} {wording} (limit <{check.limit:g}ms)"


def gate_text(gate: GateResult, slo: SloConfig) -> str:
    source = slo.source.name if slo.source else "SLO config"
    return "\n".join(
        [
            f"SLO thresholds ({source}; {PRECISION_NOTE})",
            *threshold_lines(gate),
            "",
            slo_table(gate),
        ]
    )


__all__ = ["gate_text", "metric_name", "slo_table", "threshold_lines", "verdict_line"]
