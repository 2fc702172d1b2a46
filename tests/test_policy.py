"""The cancellation policy lives in one file read by the suite and the reference backend (CANCELLATION.md 1).

Changing a value there changes both sides, with no test edited: proven by running the window scenarios
against a backend started with a policy whose window is twice as long.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from staging import policy
from staging.backend import Secrets, backend_env
from staging.reference.settings import ConfigError, Settings
from tests.suite_runs import run_suite

WINDOW_SCENARIOS = "e2e/test_cancellation_self.py::test_the_self_cancel_window_ends_where_the_policy_says"


def test_the_repository_policy_loads_and_matches_its_file():
    """Every key of the file is read as written, and the status lists are disjoint."""
    loaded = policy.load(policy.DEFAULT_FILE)
    raw = tomllib.loads(policy.DEFAULT_FILE.read_text())["cancellation"]
    assert loaded.self_cancel_statuses == tuple(raw["self_cancel_statuses"])
    assert loaded.self_cancel_window_minutes == raw["self_cancel_window_minutes"]
    assert loaded.approval_statuses == tuple(raw["approval_statuses"])
    assert loaded.never_cancellable == tuple(raw["never_cancellable"])
    assert {k: float(v) for k, v in loaded.approval_refund_percent.items()} == raw["approval_refund_percent"]
    groups = [loaded.self_cancel_statuses, loaded.approval_statuses, loaded.never_cancellable]
    assert sum(len(g) for g in groups) == len(set().union(*groups))


def test_the_policy_file_is_chosen_by_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """`ALMARYA_POLICY_FILE` points both sides elsewhere; the backend's environment carries it."""
    other = policy.write_changed(tmp_path / "policy.toml", self_cancel_window_minutes=42)
    monkeypatch.setenv(policy.ENV_VAR, str(other))
    assert policy.policy_path() == other.resolve()
    assert policy.load().self_cancel_window_minutes == 42
    env = backend_env(port=5001, mongo_uri="mongodb://127.0.0.1:1/x", keys=Secrets(), fakes=None)
    assert env[policy.ENV_VAR] == str(other.resolve())
    settings = Settings.from_env(env)
    assert settings.policy.self_cancel_window_minutes == 42


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        pytest.param({"self_cancel_window_minutes": 0}, "positive number", id="zero-window"),
        pytest.param({"self_cancel_window_minutes": '"soon"'}, "positive number", id="window-not-a-number"),
        pytest.param(
            {"approval_statuses": '["preparing", "brewing"]'}, "unknown status", id="unknown-status"
        ),
        pytest.param({"never_cancellable": '["pending"]'}, "is in both", id="status-in-two-lists"),
        pytest.param({"ready": 150}, "from 0 to 100", id="percent-over-100"),
        pytest.param(
            {"approval_statuses": '["preparing"]'}, "every approval status", id="percent-without-status"
        ),
    ],
)
def test_an_impossible_policy_is_refused_by_both_sides(tmp_path: Path, changes: dict, problem: str):
    """The suite's loader and the backend's start-up name the file and the problem."""
    bad = policy.write_changed(tmp_path / "policy.toml", **changes)
    with pytest.raises(policy.PolicyError, match=problem):
        policy.load(bad)
    env = backend_env(port=5001, mongo_uri="mongodb://127.0.0.1:1/x", keys=Secrets(), fakes=None)
    with pytest.raises(ConfigError, match=problem):
        Settings.from_env(env | {policy.ENV_VAR: str(bad)})


def test_a_missing_or_unreadable_policy_file_is_one_clear_error(tmp_path: Path):
    with pytest.raises(policy.PolicyError, match="does not exist"):
        policy.load(tmp_path / "nowhere.toml")
    garbled = tmp_path / "garbled.toml"
    garbled.write_text("[cancellation\n")
    with pytest.raises(policy.PolicyError, match="cannot be read"):
        policy.load(garbled)


def window_parameters(results: list[dict]) -> set[str]:
    return {
        str(parameter["value"])
        for result in results
        for parameter in result.get("parameters", [])
        if parameter["name"] == "self_cancel_window_minutes"
    }


def test_changing_the_window_moves_the_backend_and_the_suite_together(tmp_path: Path):
    """Window doubled in another policy file: the unchanged edge scenarios pass on both new edges, because the
    backend refuses and accepts at the new edge and the suite ages orders to it; a backend that ignores the
    file (hard-coded window) fails them."""
    window = policy.load(policy.DEFAULT_FILE).self_cancel_window_minutes * 2
    doubled = policy.write_changed(tmp_path / "policy.toml", self_cancel_window_minutes=window)
    env = {policy.ENV_VAR: str(doubled)}
    status = policy.load(doubled).self_cancel_statuses[0]  # one status is enough to see the edge move
    inside, outside = (f"{WINDOW_SCENARIOS}[{status}-just-{side}]" for side in ("inside", "outside"))

    moved = run_suite(tmp_path / "moved", inside, outside, env=env)

    assert moved.returncode == 0, moved.output
    assert [r["status"] for r in moved.results()] == ["passed", "passed"], moved.output
    assert window_parameters(moved.results()) == {str(window)}, "the suite used the doubled window"

    stuck = run_suite(tmp_path / "stuck", inside, env=env, defects="cancel_window_hardcoded")
    assert stuck.returncode != 0, "a backend that ignores the policy file must fail the edge scenario"
    [refused] = stuck.results()
    assert refused["status"] in ("failed", "broken"), "the backend refused inside the doubled window"
