"""The Allure 2 command line from npm (``allure-commandline``), installed on first use, and what we ask of it.

The version is pinned with its integrity hash in ``npm/package-lock.json``; ``npm ci`` installs it into
``staging/reports/npm/node_modules/`` (gitignored). It runs on Java (17 here) and needs no network once
installed.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

from staging.core import StagingError

NPM_DIR = Path(__file__).resolve().parent / "npm"
EXECUTABLE = NPM_DIR / "node_modules" / ".bin" / "allure"
# A report is generated in a few seconds by a fresh JVM: the quick C1 compiler and the serial collector halve
# its CPU time (measured: 2.2 s → 1.2 s of CPU for a small run). JAVA_OPTS set by the user wins.
_JAVA_OPTS = "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xshare:auto"
_INSTALL_TIMEOUT = 600.0
_GENERATE_TIMEOUT = 600.0


def pinned_version() -> str:
    return str(json.loads((NPM_DIR / "package.json").read_text())["dependencies"]["allure-commandline"])


def installed_version() -> str | None:
    try:
        package = NPM_DIR / "node_modules" / "allure-commandline" / "package.json"
        return str(json.loads(package.read_text())["version"])
    except (OSError, ValueError, KeyError):
        return None


def ensure_allure() -> Path:
    """The ``allure`` executable, installing the pinned version with npm first if it is not there yet."""
    _require(
        "java", "the Allure command line runs on Java: install a JRE 17 (apt-get install openjdk-17-jre)"
    )
    if installed_version() == pinned_version() and EXECUTABLE.exists():
        return EXECUTABLE
    _require("npm", "installing the Allure command line needs Node.js and npm (apt-get install nodejs npm)")
    with _install_lock():
        if installed_version() == pinned_version() and EXECUTABLE.exists():
            return EXECUTABLE  # another process installed it while we waited
        print(
            f"Installing the Allure command line (npm allure-commandline {pinned_version()}) into "
            f"{NPM_DIR / 'node_modules'} — once.",
            file=sys.stderr,
            flush=True,
        )
        command = ["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error", "--prefix", str(NPM_DIR)]
        try:
            done = subprocess.run(  # noqa: S603 - fixed argv, no shell
                command, capture_output=True, text=True, timeout=_INSTALL_TIMEOUT, check=False
            )
        except subprocess.TimeoutExpired:
            raise StagingError(
                f"npm ci for the Allure command line took over {_INSTALL_TIMEOUT:.0f}s"
            ) from None
        if done.returncode != 0 or not EXECUTABLE.exists():
            tail = " ".join((done.stderr or done.stdout).split())[-300:]
            raise StagingError(
                f"installing the Allure command line failed (npm ci exit {done.returncode}): {tail}"
            )
    return EXECUTABLE


def generate(results_dir: Path, report_dir: Path) -> Path:
    """``allure generate``: the HTML report of ``results_dir`` (history included) into ``report_dir``."""
    allure = ensure_allure()
    command = [str(allure), "generate", "--clean", "-o", str(report_dir), str(results_dir)]
    try:
        done = subprocess.run(  # noqa: S603 - fixed argv, no shell
            command,
            capture_output=True,
            text=True,
            timeout=_GENERATE_TIMEOUT,
            check=False,
            env={"JAVA_OPTS": _JAVA_OPTS} | os.environ,
        )
    except subprocess.TimeoutExpired:
        raise StagingError(f"allure generate took over {_GENERATE_TIMEOUT:.0f}s") from None
    if done.returncode != 0 or not (report_dir / "index.html").exists():
        tail = " ".join((done.stderr or done.stdout).split())[-300:]
        raise StagingError(f"allure generate failed (exit {done.returncode}): {tail}")
    return report_dir


def _require(tool: str, hint: str) -> None:
    if shutil.which(tool) is None:
        raise StagingError(f"{tool} not found: {hint}")


@contextlib.contextmanager
def _install_lock() -> Iterator[None]:
    """Parallel test workers may all want Allure at once; one installs, the others wait for it.

    The lock is taken on the committed package.json, so it leaves no file behind.
    """
    with (NPM_DIR / "package.json").open("rb") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
