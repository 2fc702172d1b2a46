"""The staging engine: polling, ports and child processes."""

from __future__ import annotations

import socket
import sys
from pathlib import Path

import psutil
import pytest

from staging.core import (
    ChildProcess,
    ServiceStartError,
    StagingError,
    WaitAborted,
    ensure_port_free,
    free_port,
    wait_until,
)


def test_wait_until_returns_the_first_truthy_result():
    """The poller hands back what the check found."""
    answers = iter([None, 0, "found"])
    assert wait_until(lambda: next(answers), timeout=5, interval=0.001) == "found"


def test_wait_until_names_what_it_waited_for_at_the_deadline():
    """A timeout says what was awaited and the probe's last error."""

    def failing() -> None:
        raise ConnectionError("refused")

    with pytest.raises(TimeoutError, match=r"waiting for the thing.*refused"):
        wait_until(failing, timeout=0.05, interval=0.01, description="the thing")


def test_wait_until_gives_up_early_when_told_to():
    """``give_up`` ends the wait before the deadline."""
    with pytest.raises(WaitAborted, match="server exited"):
        wait_until(lambda: None, timeout=30, give_up=lambda: "server exited")


def test_ensure_port_free_reports_a_taken_port():
    """A port in use is a clear StagingError, not an OSError traceback."""
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        with pytest.raises(StagingError, match=f"port {port} on 127.0.0.1 is already in use"):
            ensure_port_free("127.0.0.1", port)


def test_free_port_is_bindable():
    """free_port hands out a port nobody listens on."""
    ensure_port_free("127.0.0.1", free_port())


def test_child_process_stop_kills_the_whole_group(tmp_path: Path):
    """Stopping a child also stops what it spawned (npm → node)."""
    script = (
        "import subprocess, sys, time; "
        "subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)']); time.sleep(60)"
    )
    child = ChildProcess("sleeper", [sys.executable, "-c", script], log_path=tmp_path / "sleeper.log")
    child.start()
    assert child.pid is not None
    parent = psutil.Process(child.pid)
    wait_until(parent.children, timeout=10, description="the grandchild")
    family = [parent, *parent.children(recursive=True)]
    child.stop(grace=2)
    _, alive = psutil.wait_procs(family, timeout=5)
    assert not alive, f"left running: {alive}"


def test_child_process_that_exits_fails_readiness_with_its_log(tmp_path: Path):
    """A service that dies at start-up fails at once, showing its log."""
    child = ChildProcess(
        "broken",
        [sys.executable, "-c", "print('bad config'); raise SystemExit(3)"],
        log_path=tmp_path / "broken.log",
    )
    child.start()
    with pytest.raises(ServiceStartError, match=r"(?s)exited with status 3.*bad config"):
        child.wait_ready(lambda: False, timeout=30)
    child.stop()


def test_child_process_with_a_missing_program_is_a_clear_error(tmp_path: Path):
    """A missing executable is a StagingError naming it."""
    child = ChildProcess("ghost", ["/nonexistent/program"], log_path=tmp_path / "ghost.log")
    with pytest.raises(StagingError, match="cannot run '/nonexistent/program'"):
        child.start()
