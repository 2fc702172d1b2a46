"""End to end: ``almarya-qa run`` leaves Allure results, the HTML report with history, and the sign-off.

The probe tests (probe/test_probe.py) stand in for the suite: small, and able to fail on demand.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from staging.reports.build import build_reports
from tests.reports.synthetic import passed, write_run

REPO = Path(__file__).resolve().parents[2]
FAILING = "tests/reports/probe/test_probe.py::test_the_probe_fails_when_asked"
ISSUE = "https://github.com/al-marya/backend/issues/77"


def almarya_qa_run(run_dir: Path, *pytest_args: str, workers: str = "0", fail: bool = False):
    env = os.environ | {"ALMARYA_PROBE": "1", "ALMARYA_PROBE_FAIL": "1" if fail else "0"}
    env.pop("ALMARYA_HISTORY_FROM", None)
    command = [sys.executable, "-m", "staging.cli", "run", "tests/reports/probe", "--workers", workers]
    command += ["--run-dir", str(run_dir), "--", "-p", "no:randomly", *pytest_args]
    return subprocess.run(
        command, cwd=REPO, env=env, capture_output=True, text=True, timeout=240, check=False
    )


def history_trend(run_dir: Path) -> list[dict[str, object]]:
    return json.loads((run_dir / "allure-report" / "widgets" / "history-trend.json").read_text())


def test_one_failing_test_gives_no_go_naming_it(tmp_path: Path):
    """Under xdist: NO-GO naming the test, exit 1, every report written, the environment filled."""
    run_dir = tmp_path / "runs" / "failing"
    done = almarya_qa_run(run_dir, workers="2", fail=True)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Verdict: NO-GO" in done.stdout
    assert f"1 blocking failure(s): {FAILING}." in done.stdout
    results = run_dir / "allure-results"
    assert len(list(results.glob("*-result.json"))) == 3
    assert (run_dir / "allure-report" / "index.html").is_file()
    assert (run_dir / "signoff.html").is_file()
    markdown = (run_dir / "signoff.md").read_text()
    assert markdown.startswith("## ❌ NO-GO")
    assert FAILING in markdown
    environment = (results / "environment.properties").read_text()
    # An xdist worker opened the stack; its backend's version reached the file the controller wrote.
    assert "backend.version=1.0.0" in environment
    assert "policy.self_cancel_window_minutes=" in environment
    assert "tool.allure-commandline=2." in environment
    assert len(history_trend(run_dir)) == 1
    categories = json.loads((run_dir / "allure-report" / "data" / "categories.json").read_text())
    assert [c["name"] for c in categories["children"]] == ["Product defect"]


def test_a_run_whose_only_failure_is_a_known_defect_is_go_with_it_listed_and_a_trend_of_two(tmp_path: Path):
    """GO and exit 0; the defect listed with its issue; the trend continues from the previous run folder."""
    previous = write_run(tmp_path / "runs" / "1-previous", [passed("test_the_probe_passes")])
    build_reports(previous)
    known = tmp_path / "known_defects.toml"
    known.write_text(
        f'[[defect]]\ntest = "{FAILING}"\nissue = "{ISSUE}"\nreason = "the probe fails on demand"\n'
    )
    run_dir = tmp_path / "runs" / "2-known"
    done = almarya_qa_run(run_dir, "-k", "not stack", "--known-defects", str(known), fail=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Verdict: GO" in done.stdout
    assert f"known defect failed (known): {FAILING} ({ISSUE})" in done.stdout
    markdown = (run_dir / "signoff.md").read_text()
    assert markdown.startswith("## ✅ GO")
    assert f"| `{FAILING}` | {ISSUE} | the probe fails on demand | failed (known) |" in markdown
    trend = history_trend(run_dir)
    assert len(trend) == 2, trend
    assert [(entry["data"]["passed"], entry["data"]["skipped"]) for entry in trend] == [(1, 1), (1, 0)]
    categories = json.loads((run_dir / "allure-report" / "data" / "categories.json").read_text())
    assert [c["name"] for c in categories["children"]] == ["Known defect"]


def test_a_known_defect_that_passes_is_flagged_for_removal(tmp_path: Path):
    """The listed test passes (XPASS): GO, and both the console and the sign-off ask to remove the entry."""
    known = tmp_path / "known_defects.toml"
    known.write_text(
        f'[[defect]]\ntest = "{FAILING}"\nissue = "{ISSUE}"\nreason = "the probe fails on demand"\n'
    )
    run_dir = tmp_path / "runs" / "fixed"
    done = almarya_qa_run(run_dir, "-k", "not stack", "--known-defects", str(known), fail=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Verdict: GO" in done.stdout
    assert (
        f"Known defect now passes: remove its entry from the known-defects file ({FAILING})." in done.stdout
    )
    assert (
        f"| `{FAILING}` | {ISSUE} | the probe fails on demand | passes now: remove the entry |"
        in (run_dir / "signoff.md").read_text()
    )


def test_a_run_in_which_no_test_ran_never_passes(tmp_path: Path):
    """pytest's exit 5 stays the exit status, and the verdict says NO-GO with the reason."""
    run_dir = tmp_path / "empty"
    done = almarya_qa_run(run_dir, "-k", "no_such_test")
    assert done.returncode == 5, done.stdout + done.stderr
    assert "Verdict: NO-GO" in done.stdout
    assert "No test ran" in (run_dir / "signoff.md").read_text()
    assert json.loads((run_dir / "session.json").read_text())["exit_status"] == 5
