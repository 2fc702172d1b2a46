"""Locust as child processes: one process, or a master with N local workers; optionally starved.

Locust always runs as a subprocess (``python -m locust``): its gevent monkey-patching must never reach the
CLI or pytest. Every process is a ``staging.core.ChildProcess`` (own process group, dies with its parent),
stopped when the run ends, also on failure or Ctrl-C.

Locust's own exit code is not the verdict: ``--exit-code-on-error 0`` keeps a single failed request from
deciding the run; the SLO gate decides afterwards from the dumped statistics.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from load.plan import PLAN_ENV
from staging.core import LOOPBACK, ChildProcess, StagingError, WaitAborted, free_port, log_tail, wait_until

REPO_ROOT = Path(__file__).resolve().parent.parent
LOCUSTFILE = REPO_ROOT / "load" / "locustfile.py"
STARVED_CPU = 0  # the starved generator and its CPU hog share this core
_START_UP_S = 60.0  # Locust's imports, workers connecting, the HTML report: generous, never the verdict


@dataclass(frozen=True)
class LocustRun:
    base_url: str
    plan_path: Path
    out_dir: Path  # Locust's CSV, HTML and logs
    planned_s: float  # how long the shape runs
    workers: int = 0  # 0: one process
    run_time_cap_s: float | None = None  # --run-time, the safety cap
    starve: bool = False  # self-test of the verdict: pin Locust and a CPU hog to one core, Locust niced


class LocustProcesses:
    """``with LocustProcesses(run) as locust: code = locust.wait()``."""

    def __init__(self, run: LocustRun) -> None:
        self.run = run
        self.master_port = free_port() if run.workers else None
        env = dict(os.environ) | {PLAN_ENV: str(run.plan_path)}
        logs = run.out_dir
        self.hog = (
            ChildProcess(
                "cpu hog", self._pinned(["--hog"], nice=0), log_path=logs / "cpu-hog.log", cwd=REPO_ROOT
            )
            if run.starve
            else None
        )
        label = "master" if run.workers else "locust"
        self.master = ChildProcess(
            f"locust {label}",
            self._argv(self._master_args()),
            log_path=logs / f"{label}.log",
            env=env,
            cwd=REPO_ROOT,
        )
        self.workers = [
            ChildProcess(
                f"locust worker {n}",
                self._argv(self._worker_args()),
                log_path=logs / f"worker-{n}.log",
                env=env,
                cwd=REPO_ROOT,
            )
            for n in range(1, run.workers + 1)
        ]

    # --- argv ---------------------------------------------------------------------------------------------

    def _pinned(self, rest: list[str], nice: int) -> list[str]:
        return [sys.executable, "-m", "load.pinned", "--cpus", str(STARVED_CPU), "--nice", str(nice), *rest]

    def _argv(self, locust_args: list[str]) -> list[str]:
        locust = [
            sys.executable,
            "-m",
            "locust",
            "-f",
            str(LOCUSTFILE),
            "--host",
            self.run.base_url,
            *locust_args,
        ]
        return self._pinned(["--", *locust], nice=19) if self.run.starve else locust

    def _master_args(self) -> list[str]:
        prefix = self.run.out_dir / "locust"
        args = [
            "--headless",
            "--csv",
            str(prefix),
            "--csv-full-history",
            "--html",
            str(self.run.out_dir / "report.html"),
            "--exit-code-on-error",
            "0",
            "--only-summary",
        ]
        if self.run.run_time_cap_s is not None:
            args += ["--run-time", f"{int(self.run.run_time_cap_s)}s"]
        if self.run.workers:
            args += [
                "--master",
                "--master-bind-host",
                LOOPBACK,
                "--master-bind-port",
                str(self.master_port),
                "--expect-workers",
                str(self.run.workers),
                "--expect-workers-max-wait",
                "60",
            ]
        return args

    def _worker_args(self) -> list[str]:
        return ["--worker", "--master-host", LOOPBACK, "--master-port", str(self.master_port)]

    # --- life cycle ---------------------------------------------------------------------------------------

    def __enter__(self) -> LocustProcesses:
        try:
            if self.hog is not None:
                self.hog.start()
            self.master.start()
            for worker in self.workers:
                worker.start()
        except BaseException:
            self.stop()
            raise
        return self

    def pids(self) -> dict[str, int | None]:
        """Who to watch for the generator's CPU: Locust's processes (never the hog)."""
        found = {"master" if self.workers else "locust": self.master.pid}
        found |= {f"worker-{n}": worker.pid for n, worker in enumerate(self.workers, start=1)}
        return found

    def wait(self) -> int:
        """Locust's exit code once the shape (or the --run-time cap) has ended the run."""
        budget = min(self.run.planned_s, self.run.run_time_cap_s or self.run.planned_s) + _START_UP_S

        def crashed_worker() -> str | None:
            for worker in self.workers:  # workers leave with status 0 once the master tells them to quit
                if worker.exit_code() not in (None, 0) and self.master.exit_code() is None:
                    return f"{worker.name} exited with status {worker.exit_code()} (see {worker.log_path})"
            return None

        def finished() -> tuple[int] | None:  # a tuple, so that exit code 0 counts as finished
            code = self.master.exit_code()
            return None if code is None else (code,)

        try:
            (code,) = wait_until(
                finished,
                timeout=budget,
                interval=0.25,
                description="Locust to finish",
                give_up=crashed_worker,
            )
        except (TimeoutError, WaitAborted) as exc:
            log = self.master.log_path
            raise StagingError(
                f"the load run did not finish: {exc}\n--- {log} ---\n{log_tail(log)}"
            ) from None
        return code

    def stop(self) -> None:
        for process in [self.master, *self.workers, *([self.hog] if self.hog else [])]:
            process.stop()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
