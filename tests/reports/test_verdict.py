"""The gate's rules, judged on small synthetic run folders."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from staging.reports.known_defects import KnownDefect
from staging.reports.results import read_results
from staging.reports.slo import read_load
from staging.reports.verdict import Verdict, decide
from tests.reports.synthetic import (
    ISSUE,
    FakeResult,
    failed,
    known_failure,
    known_pass,
    passed,
    write_load,
    write_run,
)

KNOWN_ID = "e2e/test_delivery.py::test_a_driver_holds_one_order"


def judge(run_dir: Path, results: list[FakeResult], *, exit_status: int | None = 0, **kwargs) -> Verdict:
    write_run(run_dir, results, exit_status=exit_status, **kwargs)
    loaded = read_results(run_dir / "allure-results")
    entries = [KnownDefect(**entry) for entry in kwargs.get("known_entries", [])]
    return decide(
        loaded, exit_status=exit_status, load=read_load(run_dir, loaded.outcomes), known_entries=entries
    )


def test_a_run_where_everything_passed_is_go(tmp_path: Path):
    """GO, with the count in the reason and every area passing."""
    verdict = judge(tmp_path, [passed("test_a"), passed("test_b", feature="Pickup")])
    assert verdict.go
    assert verdict.reasons == ["All 2 test(s) that ran passed."]
    assert [(a.area, a.status) for a in verdict.areas] == [
        ("Orders / Delivery", "pass"),
        ("Orders / Pickup", "pass"),
    ]
    assert "Load SLOs: not measured in this run." in verdict.notes


def test_one_failing_test_is_no_go_naming_it(tmp_path: Path):
    """The failing test's node id is in the reason and in the blocking list."""
    verdict = judge(tmp_path, [passed("test_a"), failed("test_b")], exit_status=1)
    assert not verdict.go
    assert verdict.reasons == ["1 blocking failure(s): e2e/test_synthetic.py::test_b."]
    assert [o.test_id for o in verdict.blocking] == ["e2e/test_synthetic.py::test_b"]
    assert verdict.areas[0].status == "fail"


def test_a_broken_test_blocks_like_a_failed_one(tmp_path: Path):
    """A harness error is no pass: the run could not test."""
    broken = FakeResult("test_b", "broken", message="Failed: the staging stack could not start")
    verdict = judge(tmp_path, [passed("test_a"), broken], exit_status=1)
    assert not verdict.go
    assert "e2e/test_synthetic.py::test_b" in verdict.reasons[0]


def test_a_run_whose_only_failure_is_a_known_defect_is_go_with_the_defect_listed(tmp_path: Path):
    """The known failure does not block; it is listed with its issue, reason and actual error."""
    entries = [{"test": KNOWN_ID, "issue": ISSUE, "reason": "the driver can hold two orders"}]
    verdict = judge(tmp_path, [passed("test_a"), known_failure("test_k", KNOWN_ID)], known_entries=entries)
    assert verdict.go
    assert verdict.reasons == [
        "All 1 other test(s) passed; 1 known defect(s) failed as expected and do not block."
    ]
    assert verdict.counts["known"] == 1
    assert verdict.counts["skipped"] == 0
    [row] = verdict.known
    assert (row.test, row.issue, row.reason, row.outcome) == (
        KNOWN_ID,
        ISSUE,
        "the driver can hold two orders",
        "failed (known)",
    )
    assert row.detail == "AssertionError: assert 409 == 200"
    assert verdict.areas[0].status == "known defects"


def test_a_known_defect_that_passes_is_flagged_for_removal(tmp_path: Path):
    """GO, and the note and the row both say to remove the entry."""
    verdict = judge(tmp_path, [passed("test_a"), known_pass("test_k", KNOWN_ID)])
    assert verdict.go
    assert (
        f"Known defect now passes: remove its entry from the known-defects file ({KNOWN_ID})."
        in verdict.notes
    )
    assert [(r.test, r.outcome) for r in verdict.known] == [(KNOWN_ID, "passes now: remove the entry")]


def test_a_known_defect_entry_that_matched_no_test_is_listed_as_not_run(tmp_path: Path):
    """A renamed or deselected test shows up, so a stale entry does not hide."""
    entries = [{"test": "e2e/test_gone.py::test_gone", "issue": ISSUE, "reason": "gone"}]
    verdict = judge(tmp_path, [passed("test_a")], known_entries=entries)
    assert verdict.go
    assert [(r.test, r.outcome) for r in verdict.known] == [("e2e/test_gone.py::test_gone", "not run")]


def test_an_error_in_a_known_defect_tests_setup_still_blocks(tmp_path: Path):
    """Only the test's own failure is known; a stack that would not start is not."""
    broken = FakeResult(
        "test_k", "broken", message="Failed: the staging stack could not start", known=KNOWN_ID
    )
    verdict = judge(tmp_path, [passed("test_a"), broken], exit_status=1)
    assert not verdict.go
    assert verdict.counts["known"] == 0


@pytest.mark.parametrize(
    ("results", "exit_status"),
    [
        pytest.param([], 5, id="nothing-collected"),
        pytest.param([], 0, id="no-results-at-all"),
        pytest.param(
            [FakeResult("test_a", "skipped", message="Skipped: no Docker engine")], 0, id="all-skipped"
        ),
        pytest.param([passed("test_a")], 5, id="exit-5-wins"),
    ],
)
def test_a_run_in_which_no_test_ran_is_no_go(tmp_path: Path, results: list[FakeResult], exit_status: int):
    """Nothing tested is never a pass, whatever else the folder holds."""
    verdict = judge(tmp_path, results, exit_status=exit_status)
    assert not verdict.go
    assert "No test ran: a run that tests nothing cannot pass the gate." in verdict.reasons


@pytest.mark.parametrize(
    ("exit_status", "what"), [(2, "interrupted"), (3, "internal error"), (4, "usage error")]
)
def test_an_abnormal_pytest_exit_is_no_go_even_with_passing_results(
    tmp_path: Path, exit_status: int, what: str
):
    """An interrupted run is incomplete: what did not run was not checked."""
    verdict = judge(tmp_path, [passed("test_a")], exit_status=exit_status)
    assert not verdict.go
    assert f"pytest ended with exit status {exit_status} ({what}): the run is incomplete." in verdict.reasons


def test_a_pytest_failure_without_a_failing_result_is_no_go(tmp_path: Path):
    """Exit 1 with nothing failing in the results (a session teardown error) still blocks."""
    verdict = judge(tmp_path, [passed("test_a")], exit_status=1)
    assert not verdict.go
    assert "left no test result" in verdict.reasons[0]


def test_the_last_attempt_of_a_test_decides(tmp_path: Path):
    """A rerun that passed replaces the earlier failure of the same test."""
    verdict = judge(tmp_path, [failed("test_a"), passed("test_a")])
    assert verdict.go
    assert verdict.counts["passed"] == 1
    assert verdict.counts["failed"] == 0


def test_an_slo_breach_is_no_go_with_the_measured_figure(tmp_path: Path):
    """The documented load input: a breached row names its figure and objective."""
    write_load(tmp_path, status="breach", p95=612)
    verdict = judge(tmp_path, [passed("test_a")])
    assert not verdict.go
    assert verdict.reasons == ["SLO breach: POST /api/orders p95 612 ms (objective ≤ 500 ms)."]


def test_slos_met_and_an_invalid_load_run_do_not_block(tmp_path: Path):
    """A held SLO is noted; an invalid run is reported with its reason but is no breach."""
    write_load(tmp_path / "held", status="pass")
    held = judge(tmp_path / "held", [passed("test_a")])
    assert held.go
    assert "Load SLOs met." in held.notes
    write_load(tmp_path / "invalid", status="invalid")
    invalid = judge(tmp_path / "invalid", [passed("test_a")])
    assert invalid.go
    assert (
        "Load run invalid, not counted as a breach: the load generator was saturated (CPU 97%)."
        in invalid.notes
    )


def test_unreadable_load_results_are_no_go(tmp_path: Path):
    """Load results that exist but cannot be read leave the SLOs unknown: the gate cannot pass."""
    (tmp_path / "load").mkdir()
    (tmp_path / "load" / "slo.json").write_text("{not json")
    verdict = judge(tmp_path, [passed("test_a")])
    assert not verdict.go
    assert verdict.reasons[0].startswith("Load results unreadable:")


def perf(name: str, status: str, message: str) -> FakeResult:
    return FakeResult(name, status, epic="Performance", feature="nightly", message=message)


def write_load_run_summary(run_dir: Path, verdict: str) -> None:
    """What ``almarya-qa load`` leaves at the top of its run folder."""
    run_dir.mkdir(parents=True, exist_ok=True)
    summary = {
        "profile": "nightly",
        "verdict": verdict,
        "p95_ms": {"GET /api/coffees": 120.0},
        "generator": "cpu 97%",
    }
    (run_dir / "summary.json").write_text(json.dumps(summary))


def test_the_load_commands_own_results_are_read_too(tmp_path: Path):
    """summary.json and the SLO checks as Allure results: a breach blocks, rows come from the checks."""
    write_load_run_summary(tmp_path, "SLO breach")
    verdict = judge(
        tmp_path,
        [
            passed("test_a"),
            perf(
                "GET /api/coffees: p95 below 500 ms", "passed", "Held: p95=120ms (Locust bucket 120-130 ms)"
            ),
            perf(
                "POST /api/orders: p95 below 500 ms",
                "failed",
                "SLO breach: POST /api/orders breached: p95=640ms",
            ),
        ],
        exit_status=0,
    )
    assert not verdict.go
    assert verdict.load is not None
    assert verdict.load.profile == "nightly"
    assert verdict.reasons == [
        "SLO breach: POST /api/orders: p95 below 500 ms p95=640ms (objective < 500 ms)."
    ]
    assert [(r.status, r.measured()) for r in verdict.load.rows] == [
        ("pass", "p95=120ms (Locust bucket 120-130 ms)"),
        ("breach", "p95=640ms"),
    ]


def test_checks_of_an_invalid_load_run_are_reported_but_do_not_block(tmp_path: Path):
    """The load command marks them broken ("Invalid run: ..."); the gate does not read them as failures."""
    write_load_run_summary(tmp_path, "invalid run")
    invalid = perf(
        "GET /api/coffees: p95 below 500 ms", "broken", "Invalid run: generator saturated. Measured ..."
    )
    verdict = judge(tmp_path, [passed("test_a"), invalid])
    assert verdict.go
    assert verdict.load is not None
    assert verdict.load.status == "invalid"
    assert any(note.startswith("Load run invalid") for note in verdict.notes)
    assert (verdict.counts["broken"], verdict.counts["skipped"]) == (0, 1), "not judged, so not a failure"
    assert [(a.area, a.status) for a in verdict.areas] == [
        ("Orders / Delivery", "pass"),
        ("Performance / nightly", "not run"),
    ]
