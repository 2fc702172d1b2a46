"""The small engine every staging service is built on: errors, ports, polling and child processes."""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")

LOOPBACK = "127.0.0.1"


class StagingError(Exception):
    """A failure the user can act on (port in use, target unreachable, service would not start).

    The CLI prints its message as one line and exits non-zero; it never shows a traceback.
    """


class ServiceStartError(StagingError):
    """A service did not become ready; the message carries the tail of its log."""


class WaitAborted(Exception):  # noqa: N818 - reads as what happened, like TimeoutError
    """``wait_until`` stopped early because waiting longer could not help."""


def free_port(host: str = LOOPBACK) -> int:
    """A port the OS considers free right now on ``host``."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def ensure_port_free(host: str, port: int) -> None:
    """Raise a clear error when an explicitly requested port is taken."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((host, port))
        except OSError as exc:
            raise StagingError(f"port {port} on {host} is already in use ({exc.strerror})") from None


def wait_until(
    check: Callable[[], T | None],
    *,
    timeout: float,
    interval: float = 0.05,
    description: str = "condition",
    give_up: Callable[[], str | None] | None = None,
) -> T:
    """Call ``check`` until it returns something truthy, or raise ``TimeoutError`` at the deadline.

    Exceptions raised by ``check`` count as "not yet"; the last one is chained to the timeout so a
    failing readiness probe explains itself. ``give_up`` returns a reason to stop early (a server
    that already exited will never become ready), raised as ``WaitAborted``.
    """
    deadline = time.monotonic() + timeout
    last_error: BaseException | None = None
    while True:
        if give_up is not None and (reason := give_up()):
            raise WaitAborted(reason)
        try:
            result = check()
        except Exception as exc:  # any probe failure means "not ready yet"
            last_error = exc
        else:
            if result:
                return result
        if time.monotonic() >= deadline:
            detail = f" (last error: {last_error!r})" if last_error else ""
            raise TimeoutError(
                f"timed out after {timeout:.1f}s waiting for {description}{detail}"
            ) from last_error
        time.sleep(interval)


def log_tail(path: Path, lines: int = 30) -> str:
    """The last lines of a service log, for error messages."""
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return "(no log)"
    return "\n".join(text.splitlines()[-lines:]) or "(empty log)"


def _die_with_parent() -> None:
    """Runs in the child before exec: the kernel sends SIGTERM if the suite's process dies.

    This is what keeps a SIGKILLed or crashed run from leaving servers behind.
    """
    pr_set_pdeathsig = 1
    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    libc.prctl(pr_set_pdeathsig, signal.SIGTERM)


class ChildProcess:
    """A child process in its own process group, its output in a log file, stopped with its children."""

    def __init__(
        self,
        name: str,
        argv: Sequence[str],
        *,
        log_path: Path,
        env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
    ) -> None:
        self.name = name
        self.argv = list(argv)
        self.log_path = log_path
        self.env = dict(env) if env is not None else None
        self.cwd = cwd
        self._proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            try:
                self._proc = subprocess.Popen(  # noqa: S603 - argv is built by the harness, never by a shell
                    self.argv,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL,
                    env=self.env,
                    cwd=self.cwd,
                    start_new_session=True,
                    preexec_fn=_die_with_parent,  # noqa: PLW1509 - only async-signal-safe prctl runs there
                )
            except FileNotFoundError as exc:
                raise StagingError(f"{self.name}: cannot run {self.argv[0]!r}: {exc.strerror}") from None

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    def exit_code(self) -> int | None:
        """None while running."""
        return self._proc.poll() if self._proc else None

    def stop(self, grace: float = 5.0) -> None:
        """SIGTERM the whole group, SIGKILL what is left after ``grace`` seconds."""
        proc, self._proc = self._proc, None
        if proc is None:
            return
        for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, grace)):
            if proc.poll() is not None:
                break
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, sig)
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=wait)
        # Grandchildren (npm → node) may outlive the leader; the group id still names them.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)

    def wait_ready(self, probe: Callable[[], object], *, timeout: float) -> None:
        """Poll ``probe`` until it is truthy; fail fast, with the log, when the process exits first."""

        def exited() -> str | None:
            code = self.exit_code()
            return None if code is None else f"exited with status {code}"

        try:
            wait_until(probe, timeout=timeout, description=f"{self.name} to become ready", give_up=exited)
        except (TimeoutError, WaitAborted) as exc:
            raise ServiceStartError(
                f"{self.name} did not start: {exc}\n--- {self.log_path} ---\n{log_tail(self.log_path)}"
            ) from None


@contextlib.contextmanager
def started(process: ChildProcess, probe: Callable[[], object], *, timeout: float) -> Iterator[ChildProcess]:
    """Start, wait for readiness, yield, and always stop — also when readiness fails."""
    process.start()
    try:
        process.wait_ready(probe, timeout=timeout)
        yield process
    finally:
        process.stop()
