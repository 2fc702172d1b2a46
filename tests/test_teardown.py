"""Teardown leaves nothing behind: no process, no bound port, no temp dir, also after a failure or Ctrl-C."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psutil
import pytest

from staging.core import wait_until

REPO = Path(__file__).resolve().parent.parent

FAILING_SCENARIO = '''
def test_fails_on_purpose(customer):
    """Uses the stack, then fails."""
    assert customer.me().email == "someone-else@example.com"
'''


class Family:
    """Every descendant a command spawned, and every port they listened on, seen while it ran."""

    def __init__(self, root: psutil.Process) -> None:
        self.root = root
        self.processes: dict[int, psutil.Process] = {}
        self.ports: set[tuple[str, int]] = set()

    def look(self) -> None:
        try:
            descendants = self.root.children(recursive=True)
        except psutil.NoSuchProcess:
            return
        for process in [self.root, *descendants]:
            self.processes.setdefault(process.pid, process)
            try:
                listening = [c for c in process.net_connections("tcp") if c.status == psutil.CONN_LISTEN]
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                continue
            self.ports |= {(c.laddr.ip, c.laddr.port) for c in listening}

    def survivors(self) -> list[psutil.Process]:
        return [p for p in self.processes.values() if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]

    def bound_ports(self) -> list[tuple[str, int, int | None]]:
        """Ports the run listened on that are still held by one of its processes.

        Ownership matters: with parallel tests, another test's sink may take 127.0.0.x:2525 right after.
        """
        listeners = [c for c in psutil.net_connections("tcp") if c.status == psutil.CONN_LISTEN]
        return [
            (c.laddr.ip, c.laddr.port, c.pid)
            for c in listeners
            if (c.laddr.ip, c.laddr.port) in self.ports and (c.pid is None or c.pid in self.processes)
        ]


def isolated_env(temp: Path) -> dict[str, str]:
    """The command's own TMPDIR, so any temp folder it leaves behind is visible."""
    temp.mkdir()
    return os.environ | {"TMPDIR": str(temp)}


def assert_nothing_left(family: Family, temp: Path, temp_seen: list[str]) -> None:
    assert family.processes, "no process was observed: the check itself did not work"
    assert temp_seen, "no temp folder was made while running: the temp check itself did not work"
    wait_until(lambda: not family.survivors(), timeout=10, description="the suite's processes to end")
    assert not family.bound_ports(), f"ports still bound: {family.bound_ports()}"
    assert not list(temp.iterdir()), f"temp folders left behind: {list(temp.iterdir())}"


@dataclass
class StageUp:
    """A running ``almarya-qa stage up``: what it printed up to "Ready.", and its process tree."""

    text: str
    family: Family
    temp_seen: list[str]


@contextmanager
def stage_up(options: list[str], tmp_path: Path) -> Iterator[StageUp]:
    """Start ``stage up`` with its own TMPDIR, yield once it is ready, then Ctrl-C it and check that it said
    "Stopped.", exited 0 and left no process, port or temp folder."""
    temp = tmp_path / "tmp"
    process = subprocess.Popen(
        [sys.executable, "-m", "staging.cli", "stage", "up", *options, "--run-dir", str(tmp_path / "run")],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=isolated_env(temp),
    )
    family = Family(psutil.Process(process.pid))
    try:
        assert process.stdout is not None
        lines = []
        for line in process.stdout:
            lines.append(line)
            if line.startswith("Ready."):
                break
        family.look()
        running = StageUp("".join(lines), family, [p.name for p in temp.iterdir()])
        yield running
        process.send_signal(signal.SIGINT)
        output = process.communicate(timeout=30)[0]
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, output
    assert "Stopped." in output
    assert_nothing_left(family, temp, running.temp_seen)


def test_stage_up_stops_everything_on_ctrl_c(tmp_path: Path):
    """Ctrl-C of ``almarya-qa stage up`` stops the database, the backend and the fakes."""
    with stage_up([], tmp_path) as running:
        assert any(line.startswith("Backend") for line in running.text.splitlines()), running.text
        assert len(running.family.processes) >= 3, "the database and the backend run as child processes"
        assert len(running.family.ports) >= 5, "backend, database and three fakes listen"


@pytest.mark.parametrize(
    "interrupt", [pytest.param(False, id="after-a-failing-test"), pytest.param(True, id="after-ctrl-c")]
)
def test_a_pytest_run_leaves_nothing_behind(tmp_path: Path, interrupt: bool):
    """A run whose test fails, or which is interrupted, still stops the stack it started."""
    temp = tmp_path / "tmp"
    scenario = tmp_path / "test_probe.py"
    scenario.write_text(FAILING_SCENARIO)
    # The probe lives outside the repository, so the suite's config and plugins are named explicitly.
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pytest",
            str(scenario),
            "-c",
            str(REPO / "pyproject.toml"),
            "--rootdir",
            str(REPO),
            "-p",
            "fixtures.plugin",
            "-p",
            "fixtures.roles",
            f"--run-dir={tmp_path / 'run'}",
            "-p",
            "no:randomly",
            "-p",
            "no:cacheprovider",
            "-q",
        ],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=isolated_env(temp),
    )
    family = Family(psutil.Process(process.pid))
    try:

        def stack_running() -> bool:
            family.look()
            return len(family.processes) >= 3 and len(family.ports) >= 5

        wait_until(stack_running, timeout=60, interval=0.02, description="the run's stack")
        temp_seen = [p.name for p in temp.iterdir()]
        if interrupt:
            process.send_signal(signal.SIGINT)
        output = process.communicate(timeout=60)[0]
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode != 0, output
    if not interrupt:
        assert "1 failed" in output, output
    assert_nothing_left(family, temp, temp_seen)
