"""The self-test's parts: defect selection, JUnit reading, verdicts, the table, hints, the Allure result,
and the ordering plugin."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from staging import policy, selftest
from staging.core import StagingError, wait_until
from staging.reference import defects

REPO = Path(__file__).resolve().parents[2]


def test_every_catalog_defect_but_latency_ones_is_tested():
    """The self-test covers the whole catalog except defects whose symptom is speed."""
    names = selftest.detection_defects()
    assert set(names) == set(defects.CATALOG) - defects.LATENCY_DEFECTS
    assert len(defects.CLASSIFIED) >= 20
    assert len({info.kind for info in defects.CLASSIFIED.values()}) >= 20, "defect classes must differ"


def test_every_detection_defect_says_what_it_breaks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Each row of the table names a class of bug or the CANCELLATION.md section whose rule it breaks, and
    a defect that ignores the policy file runs with a policy that differs from what it hard-codes."""
    for name in selftest.detection_defects():
        kind, _ = selftest._describe(name)
        assert kind != "—", f"{name} has neither a class nor a CANCELLATION.md section"
    monkeypatch.delenv(policy.ENV_VAR, raising=False)
    plan = selftest.Plan(run_dir=tmp_path, defects=("cancel_window_hardcoded",))
    env = selftest._env(plan, "cancel_window_hardcoded", tmp_path / "run")
    moved = policy.load(Path(env[policy.ENV_VAR]))
    assert moved.self_cancel_window_minutes == 2 * policy.load(policy.DEFAULT_FILE).self_cancel_window_minutes
    assert policy.ENV_VAR not in selftest._env(plan, "revenue_gross", tmp_path / "other")


def test_selecting_an_unknown_or_latency_defect_is_a_clear_error():
    with pytest.raises(StagingError, match="unknown detection defect"):
        selftest.detection_defects("order_read_skips_ownership,no_such_defect")
    with pytest.raises(StagingError, match="latency defect"):
        selftest.detection_defects("slow_order_list")
    assert selftest.detection_defects(" malformed_id_500 ,malformed_id_500") == ("malformed_id_500",)


JUNIT = """<?xml version="1.0" encoding="utf-8"?><testsuites><testsuite name="pytest">
<testcase classname="e2e.security.test_authz_matrix" name="test_each[GET /api/orders/{order}]"/>
<testcase classname="e2e.test_smoke" name="test_skipped"><skipped message="no"/></testcase>
<testcase classname="e2e.security.test_state_rules" name="test_moves[pending]">
  <failure message="AssertionError: staff moves from pending">details</failure></testcase>
<testcase classname="e2e.test_delivery" name="test_x"><error message="failed on setup">
  the staging stack could not start: port in use</error></testcase>
</testsuite></testsuites>"""


def test_junit_failures_become_node_ids_and_stack_failures_are_infrastructure(tmp_path: Path):
    path = tmp_path / "junit.xml"
    path.write_text(JUNIT)
    passed, failures = selftest.read_junit(path)
    assert passed == 1
    assert [f.nodeid for f in failures] == [
        "e2e/security/test_state_rules.py::test_moves[pending]",
        "e2e/test_delivery.py::test_x",
    ]
    assert [f.infrastructure for f in failures] == [False, True]
    assert failures[0].message == "AssertionError: staff moves from pending"


def _result(name: str, defect: str | None, code: int, *failures: selftest.Failure) -> selftest.RunResult:
    return selftest.RunResult(name, defect, code, 1.0, passed=3, failures=list(failures))


RED = selftest.Failure("e2e/security/test_x.py::test_y", "boom", infrastructure=False)
BROKEN = selftest.Failure("e2e/test_z.py::test_w", "the staging stack could not start", infrastructure=True)


@pytest.mark.parametrize(
    ("result", "verdict"),
    [
        pytest.param(_result("clean", None, 0), "GREEN", id="clean-green"),
        pytest.param(_result("clean", None, 1, RED), "RED", id="clean-red"),
        pytest.param(_result("d", "d", 1, RED), "CAUGHT", id="caught"),
        pytest.param(_result("d", "d", 0), "MISSED", id="missed"),
        pytest.param(_result("d", "d", 1, BROKEN), "BROKEN", id="stack-never-started"),
        pytest.param(_result("d", "d", 4), "BROKEN", id="pytest-usage-error"),
    ],
)
def test_verdicts(result: selftest.RunResult, verdict: str):
    assert result.verdict == verdict


def test_the_table_names_defect_class_endpoint_catchers_and_power(tmp_path: Path):
    report = selftest.Report(
        _result("clean", None, 0),
        [
            _result("malformed_id_500", "malformed_id_500", 1, RED),
            _result("cors_any_origin", "cors_any_origin", 0),
        ],
        12.0,
    )
    table = selftest.render(report)
    assert "clean reference backend: GREEN" in table
    assert "malformed_id_500" in table
    assert "500 on bad input" in table
    assert "GET /api/orders/:id" in table
    assert "test_x::test_y" in table
    assert "MISSED" in table
    assert table.endswith("detection power: 1/2 = 50%")
    assert not report.ok

    written = selftest.write_outputs(report, tmp_path, {"cors_any_origin": ["e2e/a.py::test_b"]})
    assert written == table
    hints = json.loads((tmp_path / "selftest" / "hints.json").read_text())
    assert hints == {"cors_any_origin": ["e2e/a.py::test_b"], "malformed_id_500": [RED.nodeid]}
    results = list((tmp_path / "allure-results").glob("*-result.json"))
    assert len(results) == 1
    allure = json.loads(results[0].read_text())
    assert allure["status"] == "failed"
    assert [step["status"] for step in allure["steps"]] == ["failed", "passed"]
    attachment = tmp_path / "allure-results" / allure["attachments"][0]["source"]
    assert attachment.read_text().strip() == table


FIRST = "test_order.py::test_c\ntest_order.py::test_a[2]"


def test_the_ordering_plugin_runs_hinted_tests_first_and_keeps_the_rest(tmp_path: Path):
    """`staging.selftest_order` moves the hinted tests to the front; every other test still runs, in order."""
    (tmp_path / "test_order.py").write_text(
        textwrap.dedent(
            """
            import pytest

            @pytest.mark.parametrize("n", [1, 2, 3])
            def test_a(n):
                pass

            def test_b():
                pass

            def test_c():
                pass
            """
        )
    )
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "staging.selftest_order", "-p", "no:randomly", "-v",
         "-p", "no:cacheprovider", "--rootdir", str(tmp_path), "-c", "/dev/null", str(tmp_path)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={"PATH": "", "PYTHONPATH": str(REPO), "ALMARYA_SELFTEST_FIRST": FIRST},
    )  # fmt: skip
    ran = [line.split("::")[1].split(" ")[0] for line in result.stdout.splitlines() if " PASSED" in line]
    assert ran == ["test_c", "test_a[2]", "test_a[1]", "test_a[3]", "test_b"], result.stdout


def test_without_a_hint_a_defect_run_starts_with_the_modules_named_like_it(tmp_path: Path):
    """`cancel_refund_twice` starts with the cancellation and refund modules; a hint, when there is one,
    comes instead."""
    suite = tmp_path / "e2e"
    (suite / "security").mkdir(parents=True)
    for name in ("test_refunds.py", "test_delivery.py", "security/test_cancellation.py", "test_orders.py"):
        (suite / name).write_text("")
    assert selftest.kindred_modules("cancel_refund_twice", suite, root=tmp_path) == [
        "e2e/security/test_cancellation.py",
        "e2e/test_refunds.py",
    ]
    assert selftest.kindred_modules("cors_any_origin", suite, root=tmp_path) == []
    plan = selftest.Plan(
        run_dir=tmp_path, defects=("malformed_id_500",), hints={"malformed_id_500": ["e2e/x.py"]}
    )
    assert selftest.first_tests(plan, "malformed_id_500") == ["e2e/x.py"]


def test_stopping_ends_every_running_group_and_starts_no_new_one(tmp_path: Path):
    """Ctrl-C or a timeout: SIGINT to every run's process group, SIGKILL to one that ignores it."""
    runner = selftest._Runner(timeout=60, grace=2)
    ignoring = "import signal, time; signal.signal(signal.SIGINT, signal.SIG_IGN); time.sleep(120)"
    argvs = [[sys.executable, "-c", "import time; time.sleep(120)"], [sys.executable, "-c", ignoring]]
    with ThreadPoolExecutor(2) as pool:
        futures = [
            pool.submit(runner.run, f"r{i}", "d", argv, {}, tmp_path / f"r{i}")
            for i, argv in enumerate(argvs)
        ]
        wait_until(lambda: len(runner._running) == 2, timeout=10, description="both runs started")
        started = time.monotonic()
        runner.stop_all()
        results = [future.result(timeout=60) for future in futures]
    assert time.monotonic() - started < 15, "the runs outlived the stop"
    assert all(result.returncode != 0 for result in results)
    late = runner.run("late", "d", argvs[0], {}, tmp_path / "late")
    assert late.verdict == "BROKEN", "a run asked for after the stop must not start"
