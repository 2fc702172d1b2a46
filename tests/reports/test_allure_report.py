"""The Allure HTML report from the npm command line: categories, environment, issue links and the trend."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fixtures.allure_files import write_categories, write_environment
from staging.core import StagingError
from staging.reports import allure_cli
from staging.reports.build import build_reports
from tests.reports.synthetic import ISSUE, FakeResult, failed, known_failure, known_pass, passed, write_run


def categories_of(report: Path) -> dict[str, list[str]]:
    """Category name → names of the tests Allure filed under it."""
    tree = json.loads((report / "data" / "categories.json").read_text())
    return {
        category["name"]: sorted(
            test["name"] for message in category["children"] for test in message["children"]
        )
        for category in tree["children"]
    }


def test_every_result_lands_in_the_category_the_issue_names(tmp_path: Path):
    """Product defect, known defect (and fixed), SLO breach, feature not deployed, harness error: one each."""
    run_dir = write_run(
        tmp_path / "run",
        [
            passed("test_ok"),
            failed("test_product"),
            FakeResult(
                "test_status", "broken", message="fixtures.errors.UnexpectedStatus: POST answered 500"
            ),
            known_failure("test_known", "e2e/test_delivery.py::test_known"),
            known_pass("test_fixed", "e2e/test_delivery.py::test_fixed"),
            FakeResult("test_slo", "failed", message="SLO breach: POST /api/orders p95 612 ms"),
            FakeResult("test_absent", "skipped", message="Skipped: Feature not deployed: /api/loyalty 404"),
            FakeResult(
                "test_stack", "failed", message="Failed: the staging stack could not start: port in use"
            ),
            FakeResult("test_transport", "broken", message="fixtures.errors.TransportError: GET / no answer"),
        ],
        exit_status=1,
    )
    write_categories(run_dir / "allure-results")
    built = build_reports(run_dir)
    assert built.allure_error is None
    assert built.allure_report is not None
    assert categories_of(built.allure_report) == {
        "Product defect": ["test_product", "test_status"],
        "Known defect": ["test_known"],
        "Known defect fixed — remove the entry": ["test_fixed"],
        "SLO breach": ["test_slo"],
        "Feature not deployed": ["test_absent"],
        "Harness or infrastructure error": ["test_stack", "test_transport"],
    }
    cases = [json.loads(p.read_text()) for p in (built.allure_report / "data" / "test-cases").glob("*.json")]
    [known] = [case for case in cases if case["name"] == "test_known"]
    assert {"type": "issue", "url": ISSUE, "name": "Known defect"} in known["links"]


def test_the_environment_and_a_trend_of_two_reach_the_html_report(tmp_path: Path):
    """environment.properties feeds the Environment widget; the second run's trend has both runs, in order."""
    first = write_run(
        tmp_path / "runs" / "20261124-100000-aaaa", [passed("test_a"), failed("test_b")], exit_status=1
    )
    write_environment(first / "allure-results", {"policy.self_cancel_window_minutes": "15"})
    build_reports(first)
    second = write_run(tmp_path / "runs" / "20261124-110000-bbbb", [passed("test_a"), passed("test_b")])
    built = build_reports(second)
    assert built.allure_report is not None
    assert built.history_source == first / "allure-report" / "history"
    trend = json.loads((built.allure_report / "widgets" / "history-trend.json").read_text())
    assert [(t["buildOrder"], t["data"]["passed"], t["data"]["failed"]) for t in trend] == [
        (2, 2, 0),
        (1, 1, 1),
    ]
    environment = json.loads((built.allure_report / "widgets" / "environment.json").read_text())
    values = {item["name"]: item["values"] for item in environment}
    assert values["backend.version"] == ["1.0.0"]
    assert values["tool.allure-commandline"] == [allure_cli.pinned_version()]
    first_env = json.loads((first / "allure-report" / "widgets" / "environment.json").read_text())
    assert {"name": "policy.self_cancel_window_minutes", "values": ["15"]} in first_env


def test_without_java_the_report_step_says_what_is_missing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """One clear line; the verdict and the sign-off report are still written."""
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    with pytest.raises(StagingError, match="java not found: the Allure command line runs on Java"):
        allure_cli.ensure_allure()
    run_dir = write_run(tmp_path / "run", [passed("test_a")])
    built = build_reports(run_dir)
    assert built.allure_error is not None
    assert "java not found" in built.allure_error
    assert built.verdict.go
    assert built.signoff_html.is_file()
