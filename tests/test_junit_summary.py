"""The run summary's figures from pytest's JUnit file: a known defect is not a skip."""

from __future__ import annotations

from pathlib import Path

from staging.junit_summary import read_junit

JUNIT = """<?xml version="1.0" encoding="utf-8"?><testsuites><testsuite name="pytest">
<testcase classname="e2e.test_a" name="test_ok" />
<testcase classname="e2e.test_a" name="test_broken"><failure message="boom" /></testcase>
<testcase classname="e2e.test_a" name="test_setup"><error message="fixture" /></testcase>
<testcase classname="e2e.test_a" name="test_known"><skipped type="pytest.xfail" message="Known" /></testcase>
<testcase classname="e2e.test_a" name="test_skip"><skipped type="pytest.skip" message="no" /></testcase>
</testsuite></testsuites>"""


def test_each_outcome_is_counted_once_and_failures_are_named(tmp_path: Path):
    path = tmp_path / "junit.xml"
    path.write_text(JUNIT)
    summary = read_junit(path)
    assert (summary.passed, summary.failed, summary.errors, summary.known, summary.skipped) == (1, 1, 1, 1, 1)
    assert summary.total == 5
    assert summary.failures == ["e2e.test_a::test_broken", "e2e.test_a::test_setup"]
    assert summary.line() == "1 passed, 1 failed, 1 errors, 1 known defect(s), 1 skipped"


def test_a_missing_file_is_an_empty_run(tmp_path: Path):
    assert read_junit(tmp_path / "nowhere.xml").total == 0
