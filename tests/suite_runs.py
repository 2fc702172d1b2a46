"""Running part of the suite in a child pytest (its own stack and run folder), to test the suite itself."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
CHILD_TIMEOUT = 300


@dataclass(frozen=True)
class SuiteRun:
    returncode: int
    output: str
    run_dir: Path

    @property
    def allure_dir(self) -> Path:
        return self.run_dir / "allure-results"

    def results(self) -> list[dict[str, Any]]:
        """Every Allure test result the run wrote."""
        return [json.loads(path.read_text()) for path in sorted(self.allure_dir.glob("*-result.json"))]

    def categories(self) -> list[dict[str, Any]]:
        return list(json.loads((self.allure_dir / "categories.json").read_text()))


def run_suite(
    run_dir: Path, *args: str, env: Mapping[str, str] | None = None, defects: str | None = None
) -> SuiteRun:
    """`pytest <args>` from the repository root, one process (no xdist), no random order."""
    command = [sys.executable, "-m", "pytest", *args, f"--run-dir={run_dir}", "-p", "no:randomly"]
    command += ["-p", "no:cacheprovider", "-q", "-n", "0"]
    if defects:
        command.append(f"--defects={defects}")
    # The child is a session of its own, not one of our xdist workers.
    inherited = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_XDIST", "ALMARYA_"))}
    result = subprocess.run(
        command,
        cwd=REPO,
        env=inherited | dict(env or {}),
        capture_output=True,
        text=True,
        timeout=CHILD_TIMEOUT,
        check=False,
    )
    return SuiteRun(result.returncode, result.stdout + result.stderr, run_dir)
