"""End to end: ``almarya-qa load`` against the embedded stack, a few seconds each (marker ``load``)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
TINY = Path(__file__).resolve().parent / "profiles" / "tiny.toml"

pytestmark = pytest.mark.load


# These runs check the mechanics, not this machine's speed (speed is never asserted): limits far above any
# latency a busy CI runner produces, except where a test names one, and a generator judged saturated only
# if it was saturated all along. The figures the gate judges for real come from `almarya-qa load`.
LENIENT_SLO = """
[defaults]
p95_ms = 60000
p99_ms = 60000
error_ratio = 0.01

[aggregate]
p95_ms = 60000

[generator]
saturated_share = 1.0
"""


def load(tmp_path: Path, *args: str, slo: str = LENIENT_SLO) -> subprocess.CompletedProcess[str]:
    slo_file = tmp_path / "slo.toml"
    slo_file.write_text(slo)
    return subprocess.run(
        [
            sys.executable, "-m", "staging.cli", "load", "--profile", str(TINY), "--slo", str(slo_file),
            "--run-dir", str(tmp_path / "run"), "--history-dir", str(tmp_path / "history"), *args,
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )  # fmt: skip


def test_a_healthy_stack_passes_the_gate_and_every_output_is_written(tmp_path: Path):
    """Master and one worker, every role: exit 0, the SLO table, Locust's HTML and CSV, the chart, one Allure
    result per check, the summary and the history entry."""
    result = load(tmp_path, "--workers", "1")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Verdict: PASS" in result.stdout
    assert "http_req_duration{GET /api/orders} p(95)<60000ms" in result.stdout
    lines = result.stdout.splitlines()
    first_threshold = next(i for i, line in enumerate(lines) if "http_req_duration{" in line)
    table = next(i for i, line in enumerate(lines) if line.startswith("Endpoint "))
    assert first_threshold < table, "thresholds come first, as k6 prints them"
    run = tmp_path / "run"
    for produced in (
        "locust/report.html",
        "locust/locust_stats.csv",
        "locust/locust_stats_history.csv",
        "charts/load.png",
        "slo.txt",
        "generator_cpu.csv",
    ):
        assert (run / produced).is_file(), produced
    summary = json.loads((run / "summary.json").read_text())
    assert summary["verdict"] == "pass"
    assert summary["generator_saturated"] is False
    for endpoint in ("POST /api/orders", "GET /api/orders", "GET /api/staff/orders?status=pending"):
        assert endpoint in summary["p95_ms"], f"{endpoint} was not exercised"
    allure = [json.loads(p.read_text()) for p in (run / "allure-results").glob("*-result.json")]
    assert allure
    assert {r["status"] for r in allure} == {"passed"}
    history = json.loads((tmp_path / "history" / "tiny.json").read_text())
    assert [entry["verdict"] for entry in history] == ["pass"]


def test_a_slowed_endpoint_fails_the_gate_naming_it(tmp_path: Path):
    """With ``slow_order_list`` (+700 ms on GET /api/orders, at least) a 500 ms p95 limit on that endpoint
    fails the gate, which names it."""
    slo = LENIENT_SLO + '\n[endpoints."GET /api/orders"]\np95_ms = 500\n'
    result = load(tmp_path, "--defects", "slow_order_list", slo=slo)
    assert result.returncode == 1, result.stdout + result.stderr
    verdict = next(line for line in result.stdout.splitlines() if line.startswith("Verdict:"))
    assert verdict.startswith("Verdict: SLO BREACH: GET /api/orders p95=")
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert summary["failing_endpoints"] == ["GET /api/orders"]
    failed = [
        r
        for r in (
            json.loads(p.read_text()) for p in (tmp_path / "run" / "allure-results").glob("*-result.json")
        )
        if r["status"] == "failed"
    ]
    assert any(r["name"] == "GET /api/orders: p95 below 500 ms" for r in failed)
    assert all("SLO breach" in r["statusDetails"]["message"] for r in failed)
