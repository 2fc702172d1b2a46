"""The SLO gate: cumulative figures, their precision, the endpoint named, and a verdict that weighs the
generator."""

from __future__ import annotations

from load.gate import EXIT_CODES, Outcome, Verdict, evaluate, verdict
from load.report import slo_table, threshold_lines, verdict_line
from load.slo import parse_slo
from tests.load.builders import endpoint, run_stats


def test_a_healthy_run_passes_every_check(slo):
    """Fast endpoints without errors: every check passes and the verdict is pass."""
    stats = run_stats(endpoint("GET /api/coffees", {12: 90, 40: 10}), endpoint("GET /api/orders", {20: 100}))
    gate = evaluate(stats, slo)
    assert gate.passed
    assert {c.outcome for c in gate.checks} == {Outcome.PASS}
    assert verdict(gate, generator_saturated=False) is Verdict.PASS
    assert EXIT_CODES[Verdict.PASS] == 0


def test_a_slow_endpoint_breaches_and_is_named(slo):
    """One endpoint at ~700 ms fails its p95; the gate names it and no other endpoint."""
    stats = run_stats(
        endpoint("GET /api/coffees", {12: 100}), endpoint("GET /api/orders", {700: 30, 710: 10})
    )
    gate = evaluate(stats, slo)
    assert not gate.passed
    assert gate.failing_endpoints == ["GET /api/orders"]
    failed = {(c.endpoint, c.metric) for c in gate.failed}
    assert ("GET /api/orders", "p95") in failed
    assert verdict(gate, generator_saturated=False) is Verdict.SLO_BREACH
    line = verdict_line(Verdict.SLO_BREACH, gate)
    assert "GET /api/orders p95=710ms breached (limit <500ms)" in line
    assert EXIT_CODES[Verdict.SLO_BREACH] != 0


def test_a_p95_in_the_bucket_holding_the_limit_is_at_the_limit(slo):
    """p95 = 500 ms is the 495 to 505 ms bucket: reported as at the limit, and it fails by default."""
    stats = run_stats(endpoint("GET /api/orders", {500: 100}))
    gate = evaluate(stats, slo)
    p95 = next(c for c in gate.checks if c.endpoint == "GET /api/orders" and c.metric == "p95")
    assert p95.outcome is Outcome.AT_LIMIT
    assert "495 to 505 ms contains the 500 ms limit" in p95.note
    assert not gate.passed
    assert any("AT THE LIMIT" in line and "GET /api/orders" in line for line in threshold_lines(gate))


def test_at_limit_passes_when_the_slo_file_says_so():
    """``at_limit = "pass"`` accepts a straddling bucket, and the verdict says it did."""
    lenient = parse_slo({"at_limit": "pass", "defaults": {"p95_ms": 500}})
    gate = evaluate(run_stats(endpoint("GET /api/orders", {500: 100})), lenient)
    assert gate.passed
    assert "at the limit" in verdict_line(verdict(gate, False), gate)


def test_the_error_ratio_is_checked_exactly(slo):
    """1 failure in 100 requests is 1%, which is not below 1%: a breach."""
    stats = run_stats(endpoint("POST /api/orders", {20: 100}, failures=1))
    gate = evaluate(stats, slo)
    errors = next(c for c in gate.checks if c.endpoint == "POST /api/orders" and c.metric == "error_ratio")
    assert errors.outcome is Outcome.BREACH
    assert errors.measured == 0.01


def test_a_configured_endpoint_never_requested_has_no_data_and_fails():
    """An endpoint named in the SLO file but never requested cannot pass by having nothing to judge."""
    config = parse_slo({"defaults": {"p95_ms": 500}, "endpoints": {"GET /api/orders": {"p95_ms": 300}}})
    gate = evaluate(run_stats(endpoint("GET /api/coffees", {10: 5})), config)
    missing = gate.checks_for("GET /api/orders")
    assert [c.outcome for c in missing] == [Outcome.NO_DATA]
    assert not gate.passed


def test_a_saturated_generator_makes_the_run_invalid_whatever_the_figures(slo):
    """Breach or pass, a saturated generator's run is an invalid run, never an SLO breach."""
    breach = evaluate(run_stats(endpoint("GET /api/orders", {900: 100})), slo)
    healthy = evaluate(run_stats(endpoint("GET /api/orders", {9: 100})), slo)
    assert verdict(breach, generator_saturated=True) is Verdict.INVALID_RUN
    assert verdict(healthy, generator_saturated=True) is Verdict.INVALID_RUN
    assert EXIT_CODES[Verdict.INVALID_RUN] not in (0, EXIT_CODES[Verdict.SLO_BREACH])
    assert "INVALID RUN" in verdict_line(Verdict.INVALID_RUN, breach)


def test_a_run_that_measured_nothing_is_invalid(slo):
    """No requests at all: nothing was judged, so the run cannot pass."""
    gate = evaluate(run_stats(), slo)
    assert verdict(gate, generator_saturated=False) is Verdict.INVALID_RUN


def test_thresholds_print_k6_style_before_the_table(slo):
    """``✓ http_req_duration{GET /api/coffees} p(95)<500ms ... p(95)=12ms``, then the SLO table."""
    gate = evaluate(
        run_stats(endpoint("GET /api/coffees", {12: 100}), endpoint("GET /api/orders", {700: 100})), slo
    )
    lines = threshold_lines(gate)
    assert any(
        line.lstrip().startswith("✓ http_req_duration{GET /api/coffees} p(95)<500ms") for line in lines
    )
    assert any(line.lstrip().startswith("✗ http_req_duration{GET /api/orders} p(95)<500ms") for line in lines)
    assert any(line.lstrip().startswith("✓ http_req_failed{GET /api/orders} rate<1%") for line in lines)
    assert lines[-1].lstrip().startswith("✓ http_req_failed rate<1%")  # the aggregate comes last
    table = slo_table(gate).splitlines()
    assert table[0].split() == ["Endpoint", "Requests", "p50", "p95", "p99", "Errors", "Limit", "Verdict"]
    orders = next(row for row in table if row.startswith("GET /api/orders"))
    assert "700ms" in orders
    assert "BREACH (p95)" in orders
    assert table[-1].startswith("Aggregated")
