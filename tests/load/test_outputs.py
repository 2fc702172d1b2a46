"""What a run leaves behind: Allure results per SLO, the chart, and stress steps judged one by one."""

from __future__ import annotations

import json
from pathlib import Path

from load.allure_results import AllureContext, write_results, write_step_results
from load.charts import draw, read_history
from load.gate import evaluate
from load.generator_cpu import CpuSample
from load.stats import stats_from_dict
from load.stress import find_knee, judge_steps, knee_line
from tests.load.builders import endpoint, run_stats

HISTORY_HEADER = (
    "Timestamp,User Count,Type,Name,Requests/s,Failures/s,50%,66%,75%,80%,90%,95%,98%,99%,99.9%,99.99%,100%,"
    "Total Request Count,Total Failure Count,Total Median Response Time,Total Average Response Time,"
    "Total Min Response Time,Total Max Response Time,Total Average Content Size"
)


def context(tmp_path: Path, **overrides) -> AllureContext:
    values = {
        "profile": "smoke",
        "results_dir": tmp_path / "allure-results",
        "start_ms": 1_000,
        "stop_ms": 2_000,
        "parameters": {"target": "http://127.0.0.1:5001"},
    } | overrides
    return AllureContext(**values)


def results(folder: Path) -> list[dict]:
    return [json.loads(p.read_text()) for p in sorted(folder.glob("*-result.json"))]


def test_each_slo_check_is_an_allure_result(slo, tmp_path: Path):
    """One result per check, epic Performance, feature = profile; a breach says "SLO breach"."""
    gate = evaluate(
        run_stats(endpoint("GET /api/coffees", {10: 50}), endpoint("GET /api/orders", {700: 50})), slo
    )
    write_results(gate.checks, context(tmp_path), at_limit_fails=True)
    written = results(tmp_path / "allure-results")
    assert len(written) == len(gate.checks)
    for result in written:
        labels = {(label["name"], label["value"]) for label in result["labels"]}
        assert ("epic", "Performance") in labels
        assert ("feature", "smoke") in labels
    failed = [r for r in written if r["status"] == "failed"]
    assert {r["name"] for r in failed} >= {"GET /api/orders: p95 below 500 ms"}
    assert all(r["statusDetails"]["message"].startswith("SLO breach:") for r in failed)
    categories = json.loads((tmp_path / "allure-results" / "categories.json").read_text())
    assert any(c["name"] == "SLO breach" for c in categories)


def test_an_invalid_run_is_broken_not_failed(slo, tmp_path: Path):
    """A saturated generator's checks are "broken" with the reason: neither passed nor an SLO breach."""
    gate = evaluate(run_stats(endpoint("GET /api/orders", {900: 50})), slo)
    write_results(
        gate.checks, context(tmp_path, invalid_reason="load generator saturated"), at_limit_fails=True
    )
    written = results(tmp_path / "allure-results")
    assert {r["status"] for r in written} == {"broken"}
    assert all("SLO breach" not in r["statusDetails"]["message"] for r in written)
    assert all(
        r["statusDetails"]["message"].startswith("Invalid run: load generator saturated") for r in written
    )


def test_the_chart_is_drawn_from_locusts_history(tmp_path: Path):
    """Latency over time, throughput and generator CPU land in one PNG."""
    csv = tmp_path / "locust_stats_history.csv"
    rows = [HISTORY_HEADER]
    for second in range(5):
        at = 1_800_000_000 + second
        percentiles = f"10,11,12,13,14,{20 + second},30,40,50,50,50"
        rows.append(f"{at},10,,Aggregated,{5 + second},0,{percentiles},{second * 5},0,10,11,1,50,100")
        rows.append(
            f"{at},10,GET,/api/orders,2,0,9,9,9,9,9,{700 + second},9,9,9,9,9,{second * 2},0,9,9,1,9,100"
        )
    csv.write_text("\n".join(rows) + "\n")
    cpu = [CpuSample(1_800_000_000 + s, "locust", 20.0, 5.0) for s in range(5)]
    history = read_history(csv)
    assert history.p95.values == [20, 21, 22, 23, 24]
    assert history.endpoint_p95["GET /api/orders"].values[0] == 700
    png = draw(history, cpu, tmp_path / "charts" / "load.png", title="t", limit_ms=500)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def snapshot(at: float, histogram: dict[int, int]) -> dict:
    total = sum(histogram.values())
    return {
        "at": at,
        "entries": [
            {
                "method": "GET",
                "name": "/api/orders",
                "num_requests": total,
                "num_failures": 0,
                "response_times": {str(k): v for k, v in histogram.items()},
                "total_response_time": 0,
            }
        ],
    }


def test_the_knee_is_the_last_step_before_the_slo_broke(slo):
    """Steps at 10, 20, 30 users; the third step's own requests breach: the knee is 20 users."""
    steps = [
        {"step": 0, "users": 10, "start": snapshot(0, {}), "end": snapshot(10, {20: 100})},
        {"step": 1, "users": 20, "start": snapshot(15, {20: 110}), "end": snapshot(25, {20: 300})},
        {"step": 2, "users": 30, "start": snapshot(30, {20: 310}), "end": snapshot(40, {20: 320, 800: 100})},
    ]
    knee = find_knee(judge_steps(steps, slo, cpu=[]))
    assert knee.users == 20
    assert knee.broke_at is not None
    assert knee.broke_at.users == 30
    assert "GET /api/orders" in knee.broke_at.cause
    assert "20 users held the SLO; 30 users broke it" in knee_line(knee, max_users=100)
    whole_run = stats_from_dict(steps[2]["end"])
    assert whole_run.aggregate.requests == 420, "the snapshots are cumulative; each step is a difference"


def test_a_generator_saturating_first_makes_the_knee_a_lower_bound(slo):
    """If the generator saturates before the SLO breaks, the backend's limit was not reached."""
    steps = [
        {"step": 0, "users": 10, "start": snapshot(0, {}), "end": snapshot(10, {20: 100})},
        {"step": 1, "users": 20, "start": snapshot(15, {20: 110}), "end": snapshot(25, {20: 300})},
    ]
    cpu = [CpuSample(float(t), "locust", 99.0, 0.0) for t in range(15, 26)]
    knee = find_knee(judge_steps(steps, slo, cpu))
    assert knee.generator_limited
    assert knee.users == 10
    assert "generator saturated at 20 users" in knee_line(knee, max_users=100)


def test_stress_steps_are_allure_results(slo, tmp_path: Path):
    """Each step is a result; the breaking step fails with "SLO breach" and names the endpoint."""
    steps = [
        {"step": 0, "users": 10, "start": snapshot(0, {}), "end": snapshot(10, {20: 100})},
        {"step": 1, "users": 20, "start": snapshot(15, {20: 100}), "end": snapshot(25, {20: 100, 800: 100})},
    ]
    write_step_results(find_knee(judge_steps(steps, slo, cpu=[])), context(tmp_path, profile="stress"))
    written = {r["name"]: r for r in results(tmp_path / "allure-results")}
    assert written["Step 1: 10 users hold the SLO"]["status"] == "passed"
    breaking = written["Step 2: 20 users hold the SLO"]
    assert breaking["status"] == "failed"
    assert breaking["statusDetails"]["message"].startswith("SLO breach: GET /api/orders at 20 users")
