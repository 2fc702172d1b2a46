"""Benchmark, not a test: the load generator's efficiency next to wrk's, on the same endpoint, same run.

Requests per CPU-second of the generator ("requests per second per core") is what decides how many cores
a load test needs; the backend's own throughput (requests per second) is printed too but is the same
ceiling for every client. The figures go to the README; nothing asserts them.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from staging.core import StagingError
from staging.stack import StackSettings, open_stack

REPO_ROOT = Path(__file__).resolve().parent.parent
BENCH_LOCUSTFILE = REPO_ROOT / "load" / "bench_locustfile.py"
ENDPOINT = "/alive"  # the reference backend's cheapest endpoint: no database, no auth


@dataclass(frozen=True)
class Efficiency:
    client: str
    requests: int
    failures: int
    wall_s: float
    cpu_s: float

    @property
    def throughput(self) -> float:
        return self.requests / self.wall_s if self.wall_s else 0.0

    @property
    def per_core(self) -> float:
        """Requests per CPU-second of the generator: requests/s it would make on one full core."""
        return self.requests / self.cpu_s if self.cpu_s else 0.0

    def line(self) -> str:
        return (
            f"  {self.client:<24} {self.throughput:8.0f} req/s  "
            f"generator CPU {self.cpu_s / self.wall_s:4.2f} core  -> {self.per_core:8.0f} req/s per core  "
            f"({self.requests} requests, {self.failures} failed)"
        )


_WRK_TOTAL = re.compile(r"(\d+) requests in ([\d.]+)(us|ms|s|m)")
_WRK_ERRORS = re.compile(
    r"Non-2xx or 3xx responses: (\d+)|Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)"
)
_UNIT_S = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0}


def parse_wrk(output: str) -> tuple[int, float, int]:
    """(requests, seconds, failed) from wrk's summary."""
    match = _WRK_TOTAL.search(output)
    if not match:
        raise StagingError(f"could not read wrk's summary:\n{output}")
    failed = 0
    for found in _WRK_ERRORS.finditer(output):
        failed += sum(int(g) for g in found.groups() if g)
    return int(match.group(1)), float(match.group(2)) * _UNIT_S[match.group(3)], failed


def run_wrk(url: str, connections: int, seconds: int) -> Efficiency:
    wrk = shutil.which("wrk")
    if wrk is None:
        raise StagingError("wrk is not installed (Debian: apt-get install wrk)")
    with tempfile.TemporaryFile() as out:
        process = subprocess.Popen(  # noqa: S603 - argv built here, loopback URL of our own stack
            [wrk, "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", url],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        text = out.read().decode(errors="replace")
    if process.returncode != 0:
        raise StagingError(f"wrk failed (status {process.returncode}):\n{text}")
    requests, wall, failed = parse_wrk(text)
    return Efficiency("wrk (1 thread)", requests, failed, wall, usage.ru_utime + usage.ru_stime)


def run_locust(url: str, users: int, seconds: int, client: str) -> Efficiency:
    with tempfile.TemporaryDirectory(prefix="almarya-bench-") as scratch:
        out = Path(scratch) / "result.json"
        env = dict(os.environ) | {
            "ALMARYA_BENCH_USER": client,
            "ALMARYA_BENCH_OUT": str(out),
            "ALMARYA_BENCH_PATH": ENDPOINT,
        }
        argv = [
            sys.executable, "-m", "locust", "-f", str(BENCH_LOCUSTFILE), "--headless", "--host", url,
            "-u", str(users), "-r", str(users), "-t", f"{seconds}s", "--only-summary",
            "--exit-code-on-error", "0", "--loglevel", "WARNING",
        ]  # fmt: skip
        result = subprocess.run(  # noqa: S603 - our own interpreter and argv
            argv, env=env, cwd=REPO_ROOT, capture_output=True, text=True, timeout=seconds + 60, check=False
        )
        if not out.is_file():
            raise StagingError(
                f"Locust ({client}) left no result (status {result.returncode}):\n{result.stderr[-2000:]}"
            )
        raw = json.loads(out.read_text())
    name = {"fast": "Locust FastHttpUser", "http": "Locust HttpUser"}[client]
    return Efficiency(
        name, int(raw["requests"]), int(raw["failures"]), float(raw["wall_s"]), float(raw["cpu_s"])
    )


def locust_vs_wrk(seconds: int = 10, connections: int = 16) -> str:
    """wrk, then Locust's two clients, one after another against one reference backend."""
    with (
        tempfile.TemporaryDirectory(prefix="almarya-bench-") as run_dir,
        open_stack(StackSettings(run_dir=Path(run_dir))) as stack,
    ):
        url = stack.base_url + ENDPOINT
        wrk = run_wrk(url, connections, seconds)
        fast = run_locust(stack.base_url, connections, seconds, "fast")
        plain = run_locust(stack.base_url, connections, seconds, "http")
    lines = [
        f"Generator efficiency on GET {ENDPOINT} of the embedded reference backend "
        f"({connections} connections/users, {seconds} s each, one process each, {os.cpu_count()} CPUs):",
        wrk.line(),
        fast.line(),
        plain.line(),
        f"  wrk / Locust FastHttpUser: {wrk.per_core / fast.per_core:.1f}x requests per core; "
        f"wrk / Locust HttpUser: {wrk.per_core / plain.per_core:.1f}x",
    ]
    return "\n".join(lines)
