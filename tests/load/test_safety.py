"""Load only where it was meant to go: non-loopback targets need consent and bounds, refused up front."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from load.safety import Caps, check_target, is_loopback
from staging.core import StagingError

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("url", "loopback"),
    [
        pytest.param("http://127.0.0.1:5001", True, id="ipv4-loopback"),
        pytest.param("http://127.8.9.10", True, id="loopback-range"),
        pytest.param("http://localhost:8000", True, id="localhost"),
        pytest.param("http://[::1]:5001", True, id="ipv6-loopback"),
        pytest.param("https://staging.almarya.example", False, id="host-name"),
        pytest.param("http://10.0.0.5", False, id="private-address"),
        pytest.param("http://127.0.0.1.evil.example", False, id="loopback-lookalike"),
    ],
)
def test_loopback_is_recognised_and_lookalikes_are_not(url: str, loopback: bool):
    """Only addresses that are loopback pass without consent."""
    assert is_loopback(url) is loopback


def test_embedded_and_loopback_targets_need_nothing():
    """The embedded stack and a local backend are ours to load."""
    check_target(None, allow_remote=False, caps=Caps())
    check_target("http://127.0.0.1:5001", allow_remote=False, caps=Caps())


@pytest.mark.parametrize(
    ("allow", "caps", "message"),
    [
        pytest.param(False, Caps(10, 60), "needs --allow-remote-load", id="no-consent"),
        pytest.param(True, Caps(None, 60), "give --users and --duration", id="no-user-cap"),
        pytest.param(True, Caps(10, None), "give --users and --duration", id="no-duration-cap"),
        pytest.param(True, Caps(100_000, 60), "capped at 500 users", id="cap-too-high"),
    ],
)
def test_a_remote_target_needs_consent_and_bounds(allow: bool, caps: Caps, message: str):
    """Without the flag, or without both caps, or past the ceilings: refused."""
    with pytest.raises(StagingError) as error:
        check_target("https://staging.almarya.example", allow_remote=allow, caps=caps)
    assert message in str(error.value)


def test_a_consented_and_bounded_remote_target_is_allowed():
    """Consent plus both caps is enough (the caps then bound the run)."""
    check_target("https://staging.almarya.example", allow_remote=True, caps=Caps(20, 120))


def test_the_cli_refuses_a_remote_target_before_sending_anything(tmp_path: Path):
    """One line, exit 2, no traceback, no run folder: nothing was started or contacted."""
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "staging.cli",
            "load",
            "--base-url",
            "http://10.255.255.1:9",
            "--run-dir",
            str(tmp_path / "run"),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "is not a loopback address: load against it needs --allow-remote-load" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert not (tmp_path / "run").exists()


def test_a_negative_worker_count_is_refused_before_anything_starts(tmp_path: Path):
    """``--workers -1`` is a user error: one line, exit 2, no run folder."""
    result = subprocess.run(
        [sys.executable, "-m", "staging.cli", "load", "--workers", "-1", "--run-dir", str(tmp_path / "run")],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "--workers must be 0 (one Locust process) or more" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert not (tmp_path / "run").exists()
