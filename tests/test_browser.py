"""Browser plumbing: which browser is found, ``--browser-path``, and what a failing browser test leaves."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from staging import browser
from staging.core import StagingError

REPO = Path(__file__).resolve().parent.parent

CHOICE_PROBE = '''
import os


def test_reports_the_browser(browser_choice):
    """Only looks at the choice; nothing is launched."""
    assert browser_choice.source == "--browser-path"
    assert browser_choice.executable == os.environ["PROBE_EXPECTED_BROWSER"]
'''

LAUNCH_PROBE = '''
def test_launches(browser):
    """Needs a running browser."""
    assert browser.is_connected()
'''

FAILING_BROWSER_PROBE = '''
import pytest
from playwright.sync_api import expect


@pytest.mark.browser
def test_fails_on_purpose(signed_in_panel):
    """Opens the orders page, then looks for a heading the panel never has."""
    signed_in_panel.show("Orders")
    expect(signed_in_panel.page.get_by_role("heading", name="No such section")).to_be_visible(timeout=300)
'''


@pytest.fixture
def no_browsers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No Playwright download and no system Chromium; returns the (empty) Playwright cache."""
    cache = tmp_path / "ms-playwright"
    cache.mkdir()
    monkeypatch.setenv("PLAYWRIGHT_BROWSERS_PATH", str(cache))
    monkeypatch.setattr(browser, "SYSTEM_CANDIDATES", (str(tmp_path / "no-chromium"),))
    return cache


def fake_executable(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\n")
    path.chmod(0o755)
    return path


def test_without_any_browser_the_error_names_both_ways_to_get_one(no_browsers: Path):
    with pytest.raises(StagingError) as error:
        browser.find_browser()
    message = str(error.value)
    assert "apt-get install chromium" in message
    assert "playwright install chromium" in message
    assert "--browser-path" in message
    assert "\n" not in message, "one line, not a report"


def test_a_playwright_installed_chromium_is_preferred_over_the_systems(
    no_browsers: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    system = fake_executable(tmp_path / "usr-bin" / "chromium")
    managed = fake_executable(no_browsers / "chromium-1200" / "chrome-linux" / "chrome")
    monkeypatch.setattr(browser, "SYSTEM_CANDIDATES", (str(system),))

    choice = browser.find_browser()

    assert (choice.source, choice.executable) == ("Playwright-installed Chromium", str(managed))


def test_the_system_chromium_is_used_when_playwright_has_none(
    no_browsers: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    system = fake_executable(tmp_path / "usr-bin" / "chromium")
    monkeypatch.setattr(browser, "SYSTEM_CANDIDATES", (str(system),))

    choice = browser.find_browser()

    assert (choice.source, choice.executable) == ("system Chromium", str(system))
    assert choice.launch_options()["executable_path"] == str(system)
    assert choice.launch_options()["headless"] is True


def test_an_explicit_path_wins_over_everything(no_browsers: Path, tmp_path: Path):
    fake_executable(no_browsers / "chromium-1200" / "chrome-linux" / "chrome")
    explicit = fake_executable(tmp_path / "my" / "chrome")

    assert browser.find_browser(str(explicit)).executable == str(explicit)
    with pytest.raises(StagingError, match="--browser-path /nowhere/chrome: no such executable"):
        browser.find_browser("/nowhere/chrome")


def run_probe(tmp_path: Path, source: str, *args: str, env: dict[str, str] | None = None):
    """A pytest run of one probe file, outside the repository, with the suite's config and plugins."""
    probe = tmp_path / "test_probe.py"
    probe.write_text(source)
    command = [
        sys.executable,
        "-m",
        "pytest",
        str(probe),
        "-c",
        str(REPO / "pyproject.toml"),
        "--rootdir",
        str(REPO),
        "-p",
        "fixtures.plugin",
        "-p",
        "fixtures.roles",
        "-p",
        "fixtures.browser",
        f"--run-dir={tmp_path / 'run'}",
        "-p",
        "no:randomly",
        "-p",
        "no:cacheprovider",
        "-q",
        *args,
    ]
    return subprocess.run(
        command, cwd=REPO, capture_output=True, text=True, timeout=120, env=env, check=False
    )


def test_browser_path_option_overrides_the_discovery(tmp_path: Path):
    """``--browser-path`` reaches the ``browser_choice`` fixture, whatever else is installed."""
    explicit = fake_executable(tmp_path / "bin" / "my-chromium")
    env = {**_base_env(), "PROBE_EXPECTED_BROWSER": str(explicit)}

    run = run_probe(tmp_path, CHOICE_PROBE, f"--browser-path={explicit}", env=env)

    assert run.returncode == 0, run.stdout + run.stderr
    assert "1 passed" in run.stdout


def test_a_missing_browser_is_one_clear_line_not_a_traceback(tmp_path: Path):
    run = run_probe(tmp_path, CHOICE_PROBE, "--browser-path=/nowhere/chrome", env=_base_env())

    assert run.returncode != 0
    output = run.stdout + run.stderr
    assert "--browser-path /nowhere/chrome: no such executable" in output
    assert "Traceback" not in output
    assert "During handling" not in output
    assert "find_browser" not in output, "the error should not show the harness's code"


def test_a_browser_that_does_not_start_is_one_clear_line(tmp_path: Path):
    """An executable that is no browser: Playwright's launch error, as one line naming the browser."""
    broken = fake_executable(tmp_path / "bin" / "not-a-browser")

    run = run_probe(tmp_path, LAUNCH_PROBE, f"--browser-path={broken}", env=_base_env())

    assert run.returncode != 0
    output = run.stdout + run.stderr
    assert f"--browser-path ({broken}) did not start:" in output, output
    assert "Traceback" not in output
    assert "During handling" not in output


@pytest.mark.browser
def test_a_failing_browser_test_attaches_its_screenshot_and_trace(tmp_path: Path):
    """The Allure result of a failing browser test holds a PNG and a Playwright trace zip."""
    run = run_probe(tmp_path, FAILING_BROWSER_PROBE, env=_base_env())
    assert run.returncode == 1, run.stdout + run.stderr
    assert "1 failed" in run.stdout, run.stdout

    results_dir = tmp_path / "run" / "allure-results"
    result = _result_of(results_dir, "test_fails_on_purpose")
    assert result["status"] == "failed"
    attachments = {a["type"]: results_dir / a["source"] for a in result.get("attachments", [])}
    assert "image/png" in attachments, result.get("attachments")
    assert "application/zip" in attachments, result.get("attachments")
    assert attachments["image/png"].read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    with zipfile.ZipFile(attachments["application/zip"]) as trace:
        assert any(name.endswith(".trace") for name in trace.namelist()), trace.namelist()
    kept = {path.name for path in (tmp_path / "run" / "screenshots").iterdir()}
    assert {"test_fails_on_purpose-login.png", "test_fails_on_purpose-Orders.png"} <= kept
    assert (tmp_path / "run" / "traces" / "test_fails_on_purpose.zip").is_file()


def _result_of(results_dir: Path, test_name: str) -> dict:
    for path in results_dir.glob("*-result.json"):
        result = json.loads(path.read_text())
        if result.get("name") == test_name:
            return result
    raise AssertionError(f"no Allure result for {test_name} in {results_dir}")


def _base_env() -> dict[str, str]:
    """The environment without the parent run's folder, so the probe makes its own."""
    return {key: value for key, value in os.environ.items() if key != "ALMARYA_RUN_DIR"}
