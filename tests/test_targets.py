"""Every target end to end: the suite against a stack addressed only by URL (remote, with its safety rules),
against the Node test app (local), and the one-line refusals of a misconfigured target."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest

from staging import dbtools
from staging.cli import main as cli_main
from staging.stack import Stack, StackSettings, open_stack
from tests.test_teardown import stage_up

REPO = Path(__file__).resolve().parent.parent
NODE_APP = REPO / "tests" / "node_app"
PICKUP = "e2e/test_pickup.py"
SMOKE = "e2e/test_smoke.py"
ONE_DESTRUCTIVE = "e2e/test_pickup.py::test_a_completed_pickup_order_stays_completed"


@pytest.fixture(scope="module")
def embedded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """An embedded stack, started here and then addressed only by its URL as a remote target.

    Module scope is safe: the runs below either only read, or write their own faker-made actors and orders.
    """
    with open_stack(StackSettings(run_dir=tmp_path_factory.mktemp("remote") / "stack")) as stack:
        yield stack


def credentials(stack: Stack) -> dict[str, str]:
    return {"ALMARYA_ADMIN_EMAIL": stack.admin.email, "ALMARYA_ADMIN_PASSWORD": stack.admin.password}


def run(
    command: list[str], *, env: dict[str, str] | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("ALMARYA_")}
    return subprocess.run(
        command,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=clean | (env or {}),
        check=False,
    )


def pytest_run(
    *args: str, run_dir: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """The suite in its own process, without xdist or random order (this file's tests time it)."""
    command = [sys.executable, "-m", "pytest", *args, f"--run-dir={run_dir}", "-p", "no:randomly"]
    return run([*command, "-p", "no:cacheprovider", "-n", "0", "-q"], env=env)


def outcomes(junit: Path) -> dict[str, str]:
    """Test name → passed / failed / skipped, from a JUnit file."""
    results = {}
    for case in ET.parse(junit).iter("testcase"):  # noqa: S314 - the file our own pytest run just wrote
        kinds = {child.tag for child in case}
        results[case.get("name", "")] = (
            "failed" if kinds & {"failure", "error"} else "skipped" if "skipped" in kinds else "passed"
        )
    return results


def test_the_smoke_set_passes_against_a_stack_addressed_only_by_url(embedded: Stack, tmp_path: Path):
    """``almarya-qa run --target remote``: the capability report first, smoke checks pass, and the
    destructive tests are refused and reported, not run."""
    run_dir = tmp_path / "run"
    cli = [sys.executable, "-m", "staging.cli", "run", "--target", "remote", "--base-url", embedded.base_url]
    result = run(
        [*cli, "--run-dir", str(run_dir), "--workers", "2", SMOKE, PICKUP], env=credentials(embedded)
    )
    output = result.stdout
    assert result.returncode == 0, output + result.stderr
    report_line = f"Capability report: {embedded.base_url} (backend version "
    assert report_line in output
    assert output.index(report_line) < output.index("passed"), "the report comes before the results"
    assert "Refused 3 test(s): writes to the remote target: pass --allow-destructive to run it" in output
    seen = outcomes(run_dir / "junit.xml")
    assert set(seen.values()) == {"passed"}
    assert len(seen) == 4, seen
    assert not [name for name in seen if "pickup" in name], "no destructive test may have run"
    assert (run_dir / "capabilities.txt").read_text().startswith(report_line)


def test_a_destructive_test_runs_against_a_remote_target_only_with_consent(embedded: Stack, tmp_path: Path):
    """With ``--allow-destructive`` the same test runs, and its order is in the target's database."""
    assert embedded.db is not None
    orders_before = embedded.db.orders.count_documents({"status": "completed"})
    result = pytest_run(
        ONE_DESTRUCTIVE, "--target=remote", f"--base-url={embedded.base_url}", "--allow-destructive",
        run_dir=tmp_path / "run",
        env=credentials(embedded),
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout
    assert "refused" not in result.stdout
    assert embedded.db.orders.count_documents({"status": "completed"}) == orders_before + 1


def test_production_runs_only_read_only_smoke_checks_and_writes_nothing(embedded: Stack, tmp_path: Path):
    """``--production``: no credentials needed, smoke passes, everything else is refused (even a test named
    explicitly), and the target's database is exactly as it was (the capability probe only reads too)."""
    assert embedded.db is not None
    before = dbtools.snapshot(embedded.db)
    result = pytest_run(
        SMOKE, ONE_DESTRUCTIVE, "--target=remote", f"--base-url={embedded.base_url}", "--production",
        run_dir=tmp_path / "run",
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "4 passed, 1 deselected" in result.stdout
    assert "1 refused: production: only read-only smoke checks run" in result.stdout
    assert f"  {ONE_DESTRUCTIVE}" in result.stdout, "a test named explicitly is refused all the same"
    assert "production: only read-only smoke checks run; every other test is refused" in result.stdout
    assert not dbtools.snapshot(embedded.db).changed_since(before)


def test_a_remote_target_without_credentials_or_database_is_refused_up_front(
    embedded: Stack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    """Not one failing test per worker: one line before pytest starts."""
    for name in [k for k in os.environ if k.startswith("ALMARYA_")]:
        monkeypatch.delenv(name)
    assert cli_main(["run", "--base-url", embedded.base_url, "--run-dir", str(tmp_path / "run")]) == 2
    assert "the remote target needs admin credentials: set ALMARYA_ADMIN_EMAIL" in capsys.readouterr().err
    assert not (tmp_path / "run").exists(), "pytest never started"


def test_the_core_scenarios_pass_against_the_node_app_on_the_local_target(tmp_path: Path):
    """``--target local --backend-dir``: npm install once, npm start per worker, and the scenarios the app
    covers pass against it, database checks included."""
    app = tmp_path / "app"
    shutil.copytree(NODE_APP, app, ignore=shutil.ignore_patterns("node_modules"))
    run_dir = tmp_path / "run"
    result = pytest_run(
        SMOKE, PICKUP, "e2e/test_delivery.py::test_a_cash_delivery_order_goes_from_placement_to_delivered",
        "--target=local", f"--backend-dir={app}", f"--junitxml={run_dir / 'junit.xml'}",
        run_dir=run_dir,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    seen = outcomes(run_dir / "junit.xml")
    assert len(seen) == 8, seen
    assert set(seen.values()) == {"passed"}, seen
    assert "(backend version 0.9.0-test)" in result.stdout, "the capability report names the app"
    assert "added 1 package" in (run_dir / "logs" / "npm-install.log").read_text()
    assert "> node server.js" in (run_dir / "logs" / "backend.log").read_text()


def dead_docker() -> dict[str, str]:
    return {"DOCKER_HOST": "unix:///nonexistent/almarya-test-docker.sock"}


MISCONFIGURED = [
    pytest.param(
        ["run", "--target", "local"], {}, "the local target needs --backend-dir DIR", id="local-no-dir"
    ),
    pytest.param(
        ["run", "--backend-dir", "/nowhere/x"], {}, "/nowhere/x: no such directory", id="local-no-such-dir"
    ),
    pytest.param(
        ["run", "--target", "docker"],
        {},
        "needs --backend-image NAME or --backend-dir",
        id="docker-no-source",
    ),
    pytest.param(
        ["run", "--backend-image", "almarya/backend:candidate"],
        dead_docker(),
        "the docker target needs a running Docker engine: no Docker engine answers",
        id="docker-no-engine",
    ),
    pytest.param(
        ["run", "--production"], {}, "--production applies to the remote target only", id="prod-embedded"
    ),
    pytest.param(
        ["run", "--base-url", "http://127.0.0.1:9", "--defects", "cancel_route_missing"],
        {},
        "--defects switches defects on in the reference backend: the embedded target only",
        id="defects-on-remote",
    ),
    pytest.param(
        ["run", "--base-url", "http://127.0.0.1:9"],
        {},
        "is unreachable",
        id="remote-unreachable",
    ),
    pytest.param(
        ["run", "--base-url", "http://127.0.0.1:9", "--production", "--allow-destructive"],
        {},
        "--allow-destructive is refused",
        id="production-destructive",
    ),
    pytest.param(
        ["stage", "up", "--target", "local", "--backend-dir", str(REPO / "e2e")],
        {},
        "no package.json",
        id="stage-up-not-a-checkout",
    ),
]


@pytest.mark.parametrize(("args", "env", "message"), MISCONFIGURED)
def test_a_misconfigured_target_is_one_clear_line(
    args: list[str],
    env: dict[str, str],
    message: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
):
    """Each target's own preconditions fail before anything starts: one line, exit 2 (in-process, so an
    exception instead of that line would fail the test as surely as a traceback would)."""
    for name in [k for k in os.environ if k.startswith("ALMARYA_")]:
        monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert cli_main([*args, "--run-dir", str(tmp_path / "run")]) == 2
    stderr = capsys.readouterr().err
    assert message in stderr
    assert stderr.count("\n") == 1, stderr
    assert not (tmp_path / "run").exists(), "nothing may have started before the refusal"


def test_stage_up_runs_the_local_target_and_stops_it_all_on_ctrl_c(tmp_path: Path):
    """``stage up --target local``: the app with demo actors and its capability report; Ctrl-C stops npm,
    node, the database and the fakes, and leaves no port or temp folder."""
    app = tmp_path / "app"
    shutil.copytree(NODE_APP, app, ignore=shutil.ignore_patterns("node_modules"))
    with stage_up(["--target", "local", "--backend-dir", str(app)], tmp_path) as running:
        assert "(backend version 0.9.0-test)" in running.text, running.text
        for heading in ("Backend", "MongoDB", "Staff", "Driver", "Customer"):
            assert f"\n{heading} " in f"\n{running.text}", running.text
        assert any("server.js" in " ".join(p.cmdline()) for p in running.family.processes.values())
