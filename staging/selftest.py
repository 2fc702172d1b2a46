"""The suite's detection power: run the e2e suite against the clean reference backend (it must be all green)
and once per injected defect (something must turn red), then tell which tests caught which defect.

Every run is a pytest subprocess with a run folder of its own under ``<run>/selftest/<name>``; several run
side by side. A defect run stops at its first failures (``--maxfail``) and starts with the tests that caught
that defect last time (``staging.selftest_order``); the rest of the suite still runs after them, so a hint
only saves time. Latency defects are left out: the load tests' SLO gate is what catches those.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

from staging import policy
from staging.core import StagingError
from staging.reference import defects as catalog
from staging.selftest_order import ENV_VAR as FIRST_ENV_VAR

REPO_ROOT = Path(__file__).resolve().parent.parent
HINTS_FILE = REPO_ROOT / "staging" / "selftest_hints.json"
SUITE = ("e2e",)
MARKERS = "not browser and not load"
# Settings a developer's shell may carry that would change what a run tests (fixtures/options.py).
_SCRUBBED_ENV = (
    "ALMARYA_DEFECTS", "ALMARYA_TARGET", "ALMARYA_BASE_URL", "ALMARYA_MONGO_URI", "ALMARYA_RUN_DIR",
    "PYTEST_ADDOPTS", "PYTEST_XDIST_WORKER", "PYTEST_XDIST_WORKER_COUNT", "PYTEST_CURRENT_TEST",
)  # fmt: skip
# A red test whose message says the stack never came up is the harness failing, not the suite catching.
_INFRASTRUCTURE = ("the staging stack could not start", "ALMARYA_DEFECTS:", "StagingError")
# Defects that ignore the policy file look healthy while the file holds the values they hard-code: their
# runs use a policy with the window doubled, read by the backend and the suite alike.
_MOVED_POLICY_DEFECTS = frozenset({"cancel_window_hardcoded"})


@dataclass(frozen=True)
class Plan:
    run_dir: Path
    defects: tuple[str, ...]
    parallel: int = 2
    maxfail: int = 1
    timeout: float = 900.0
    pytest_args: tuple[str, ...] = ()
    hints: Mapping[str, Sequence[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class Failure:
    nodeid: str
    message: str
    infrastructure: bool


@dataclass
class RunResult:
    name: str
    defect: str | None
    returncode: int
    seconds: float
    passed: int = 0
    failures: list[Failure] = field(default_factory=list)
    timed_out: bool = False

    @property
    def red(self) -> list[Failure]:
        """Tests that failed on their own account (not because the harness broke)."""
        return [f for f in self.failures if not f.infrastructure]

    @property
    def broken(self) -> bool:
        """The run told nothing: it timed out, could not start, or pytest itself failed."""
        infrastructure = any(f.infrastructure for f in self.failures)
        return self.timed_out or self.returncode not in (0, 1) or (infrastructure and not self.red)

    @property
    def verdict(self) -> str:
        if self.broken:
            return "BROKEN"
        if self.defect is None:
            return "GREEN" if self.returncode == 0 and not self.failures else "RED"
        return "CAUGHT" if self.red else "MISSED"


@dataclass
class Report:
    clean: RunResult
    defects: list[RunResult]
    seconds: float

    @property
    def caught(self) -> int:
        return sum(1 for r in self.defects if r.verdict == "CAUGHT")

    @property
    def power(self) -> float:
        return self.caught / len(self.defects) if self.defects else 0.0

    @property
    def ok(self) -> bool:
        return self.clean.verdict == "GREEN" and self.caught == len(self.defects)


# --- planning ---------------------------------------------------------------------------------------------


def detection_defects(selected: str | None = None) -> tuple[str, ...]:
    """The defects to test: all of the catalog's detection defects, or the named ones (checked)."""
    known = catalog.detection_defects()
    if not selected:
        return tuple(known)
    names = tuple(dict.fromkeys(n.strip() for n in selected.split(",") if n.strip()))
    unknown = [n for n in names if n not in known]
    if unknown:
        latency = [n for n in unknown if n in catalog.LATENCY_DEFECTS]
        why = f" ({', '.join(latency)} is a latency defect: the load gate catches it)" if latency else ""
        raise StagingError(
            f"unknown detection defect(s) {', '.join(unknown)}{why}; known: {', '.join(known)}"
        )
    return names


def load_hints(path: Path = HINTS_FILE) -> dict[str, list[str]]:
    """Tests that caught each defect last time; a missing or unreadable file means no hints."""
    try:
        raw = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    if not isinstance(raw, dict):
        return {}
    return {str(k): [str(t) for t in v] for k, v in raw.items() if isinstance(v, list)}


def _words(name: str) -> set[str]:
    return {word for word in name.lower().replace("-", "_").split("_") if len(word) >= 4 and word != "test"}


def _related(left: str, right: str) -> bool:
    """`cancel` and `cancellation`, `refund` and `refunds`: one word starts the other."""
    shorter, longer = sorted((left, right), key=len)
    return len(shorter) >= 5 and longer.startswith(shorter)


def kindred_modules(defect: str, suite: Path = REPO_ROOT / "e2e", *, root: Path = REPO_ROOT) -> list[str]:
    """Test modules whose names share a word with the defect's: where to look first when there is no hint.

    Only an ordering (see `staging.selftest_order`): every other test still runs after these.
    """
    words = _words(defect)
    found = []
    for module in sorted(suite.rglob("test_*.py")):
        if any(_related(w, m) for w in words for m in _words(module.stem)):
            found.append(module.relative_to(root).as_posix())
    return found


def first_tests(plan: Plan, defect: str) -> list[str]:
    """The tests a defect run starts with: last time's catchers, else the modules named like the defect."""
    return list(plan.hints.get(defect, [])) or kindred_modules(defect)


def _argv(plan: Plan, run_dir: Path, defect: str | None) -> list[str]:
    argv = [
        sys.executable, "-m", "pytest", *SUITE, "-m", MARKERS,
        f"--run-dir={run_dir}", f"--junitxml={run_dir / 'junit.xml'}", "--target=embedded",
        "-n", "0", "-q", "-p", "no:cacheprovider", "-o", "console_output_style=classic",
    ]  # fmt: skip
    if defect is None:
        # The clean run is the real suite in random order, with its Allure results in the run's report.
        argv += ["-p", "randomly", f"--alluredir={plan.run_dir / 'allure-results'}"]
    else:
        # Defect runs keep their Allure results to themselves (the tests' allure marks need the plugin).
        argv += ["-p", "no:randomly", "-p", "staging.selftest_order"]
        argv += [f"--defects={defect}", f"--maxfail={plan.maxfail}"]
    return argv + list(plan.pytest_args)


def _env(plan: Plan, defect: str | None, run_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _SCRUBBED_ENV}
    env["PYTHONUNBUFFERED"] = "1"
    if defect in _MOVED_POLICY_DEFECTS:
        window = policy.load(policy.DEFAULT_FILE).self_cancel_window_minutes * 2
        run_dir.mkdir(parents=True, exist_ok=True)
        moved = policy.write_changed(run_dir / "policy.toml", self_cancel_window_minutes=window)
        env[policy.ENV_VAR] = str(moved)
    first = first_tests(plan, defect) if defect else []
    if first:
        env[FIRST_ENV_VAR] = "\n".join(first)
    return env


# --- running ----------------------------------------------------------------------------------------------


class _Runner:
    """Pytest subprocesses, each in its own process group so that a timeout or Ctrl-C ends all of it."""

    def __init__(self, timeout: float, grace: float = 20.0) -> None:
        self.timeout = timeout
        self.grace = grace
        self._lock = threading.Lock()
        self._running: set[subprocess.Popen[bytes]] = set()
        self._stopping = False

    def run(
        self, name: str, defect: str | None, argv: list[str], env: dict[str, str], run_dir: Path
    ) -> RunResult:
        run_dir.mkdir(parents=True, exist_ok=True)
        started = time.monotonic()
        with (run_dir / "pytest.log").open("wb") as log:
            with self._lock:
                if self._stopping:
                    return RunResult(name, defect, 130, 0.0, timed_out=True)
                process = subprocess.Popen(  # noqa: S603 - our own interpreter and argv
                    argv, cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
                )
                self._running.add(process)
            timed_out = False
            try:
                process.wait(timeout=self.timeout)
            except subprocess.TimeoutExpired:
                timed_out = True
                _kill_group(process, self.grace)
            finally:
                with self._lock:
                    self._running.discard(process)
        result = RunResult(name, defect, process.returncode, time.monotonic() - started, timed_out=timed_out)
        result.passed, result.failures = read_junit(run_dir / "junit.xml")
        return result

    def stop_all(self) -> None:
        """No new run starts; every running one gets SIGINT at once, then SIGKILL if it lingers."""
        with self._lock:
            self._stopping = True
            running = list(self._running)
        _kill_groups(running, self.grace)


def _kill_groups(processes: Sequence[subprocess.Popen[bytes]], grace: float) -> None:
    """SIGINT to each process group (pytest then tears its stack down), SIGKILL to what is left after the
    grace period."""
    for sig in (signal.SIGINT, signal.SIGKILL):
        for process in processes:
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, sig)
        deadline = time.monotonic() + grace
        for process in processes:
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
        if all(process.poll() is not None for process in processes):
            return


def _kill_group(process: subprocess.Popen[bytes], grace: float) -> None:
    _kill_groups([process], grace)


def read_junit(path: Path) -> tuple[int, list[Failure]]:
    """Passed count and failures (with node ids and first message lines) from a pytest JUnit file."""
    if not path.exists():
        return 0, []
    root = ET.parse(path).getroot()  # noqa: S314 - the file our own pytest run just wrote
    passed, failures = 0, []
    for case in root.iter("testcase"):
        problem = case.find("failure")
        if problem is None:
            problem = case.find("error")
        if problem is None:
            passed += case.find("skipped") is None
            continue
        message = (problem.get("message") or problem.text or "").strip()
        nodeid = node_id(case.get("classname", ""), case.get("name", ""))
        infrastructure = any(
            marker in message or marker in (problem.text or "") for marker in _INFRASTRUCTURE
        )
        failures.append(Failure(nodeid, message.splitlines()[0][:300] if message else "", infrastructure))
    return passed, failures


def node_id(classname: str, name: str) -> str:
    """`e2e.security.test_x` + `test_y[p]` → `e2e/security/test_x.py::test_y[p]` (classes kept after ::)."""
    parts = [part for part in classname.split(".") if part]
    for cut in range(len(parts), 0, -1):
        module = Path(*parts[:cut]).with_suffix(".py")
        if (REPO_ROOT / module).exists():
            return "::".join([module.as_posix(), *parts[cut:], name])
    return f"{classname}::{name}" if classname else name


def run(plan: Plan, progress: Callable[[RunResult, int, int], None] | None = None) -> Report:
    """The clean run and one run per defect, `plan.parallel` at a time; the clean run starts first."""
    started = time.monotonic()
    selftest_dir = plan.run_dir / "selftest"
    jobs: list[tuple[str, str | None]] = [("clean", None), *((d, d) for d in plan.defects)]
    total = len(jobs)
    done: list[RunResult] = []
    runner = _Runner(plan.timeout)
    reporting = threading.Lock()

    def one(job: tuple[str, str | None]) -> RunResult:
        name, defect = job
        run_dir = selftest_dir / name
        result = runner.run(name, defect, _argv(plan, run_dir, defect), _env(plan, defect, run_dir), run_dir)
        with reporting:
            done.append(result)
            if progress is not None:
                progress(result, len(done), total)
        return result

    with ThreadPoolExecutor(max(1, plan.parallel), thread_name_prefix="selftest") as pool:
        futures = [pool.submit(one, job) for job in jobs]
        try:
            results = [future.result() for future in futures]
        except KeyboardInterrupt:
            runner.stop_all()
            for future in futures:
                future.cancel()
            raise
    return Report(results[0], results[1:], time.monotonic() - started)


# --- reporting --------------------------------------------------------------------------------------------


def _describe(name: str) -> tuple[str, str]:
    info = catalog.CLASSIFIED.get(name)
    if info is not None:
        return info.kind, info.endpoint
    section = catalog.CANCELLATION_SECTION.get(name)
    if section is not None:
        return f"CANCELLATION.md {section}", catalog.CATALOG.get(name, "")
    return "—", catalog.CATALOG.get(name, "")


def _short(nodeid: str) -> str:
    module, _, rest = nodeid.partition("::")
    return f"{Path(module).stem}::{rest}" if rest else nodeid


def render(report: Report, *, width: int = 3) -> str:
    """The detection-power table: defect, class, endpoint, the first catching tests, the verdict."""
    clean = report.clean
    lines = [
        f"Detection power of the e2e suite ({len(report.defects)} injected defects, {report.seconds:.0f} s)",
        f"clean reference backend: {clean.verdict} ({clean.passed} passed, {len(clean.failures)} failed,"
        f" {clean.seconds:.0f} s)",
    ]
    lines += [f"  FAILED on the clean backend: {f.nodeid} — {f.message}" for f in clean.failures]
    rows = [("defect", "class or rule broken", "where, or what goes wrong", "caught by", "verdict")]
    for result in sorted(report.defects, key=lambda r: r.name):
        kind, endpoint = _describe(result.name)
        catchers = ", ".join(_short(f.nodeid) for f in result.red[:width]) or (
            "; ".join(f.message for f in result.failures[:1]) if result.broken else "—"
        )
        rows.append((result.name, kind, endpoint, catchers, result.verdict))
    widths = [min(max(len(row[i]) for row in rows), cap) for i, cap in enumerate((40, 34, 44, 90, 7))]
    lines.append("")
    for row in rows:
        cells = [cell if len(cell) <= w else cell[: w - 1] + "…" for cell, w in zip(row, widths, strict=True)]
        lines.append("  ".join(cell.ljust(w) for cell, w in zip(cells, widths, strict=True)).rstrip())
    lines.append("")
    lines.append(f"detection power: {report.caught}/{len(report.defects)} = {report.power:.0%}")
    return "\n".join(lines)


def to_json(report: Report) -> dict[str, object]:
    def one(result: RunResult) -> dict[str, object]:
        kind, endpoint = _describe(result.name) if result.defect else ("", "")
        return {
            **asdict(result),
            "verdict": result.verdict,
            "class": kind,
            "endpoint": endpoint,
            "caught_by": [f.nodeid for f in result.red],
        }

    return {
        "clean": one(report.clean),
        "defects": [one(r) for r in report.defects],
        "caught": report.caught,
        "total": len(report.defects),
        "power": report.power,
        "seconds": round(report.seconds, 1),
    }


def hints_from(report: Report, previous: Mapping[str, Sequence[str]]) -> dict[str, list[str]]:
    """The tests to start each defect's next run with: this run's catchers, else the previous hint."""
    hints = {name: list(tests) for name, tests in previous.items()}
    for result in report.defects:
        if result.red:
            hints[result.name] = [f.nodeid for f in result.red]
    return dict(sorted(hints.items()))


def write_outputs(report: Report, run_dir: Path, previous_hints: Mapping[str, Sequence[str]]) -> str:
    """The table as text and JSON, fresh hints, and an Allure result with the table attached."""
    table = render(report)
    out = run_dir / "selftest"
    out.mkdir(parents=True, exist_ok=True)
    (out / "detection-power.txt").write_text(table + "\n")
    (out / "detection-power.json").write_text(json.dumps(to_json(report), indent=2, default=str) + "\n")
    (out / "hints.json").write_text(json.dumps(hints_from(report, previous_hints), indent=2) + "\n")
    write_allure_result(run_dir / "allure-results", report, table)
    return table


def write_allure_result(results_dir: Path, report: Report, table: str) -> Path:
    """One Allure test result, "Detection power", with a step per defect and the table attached."""
    results_dir.mkdir(parents=True, exist_ok=True)
    now = int(time.time() * 1000)
    start = now - int(report.seconds * 1000)
    attachment = f"{uuid.uuid4()}-attachment.txt"
    (results_dir / attachment).write_text(table + "\n")
    data_attachment = f"{uuid.uuid4()}-attachment.json"
    (results_dir / data_attachment).write_text(json.dumps(to_json(report), indent=2, default=str))
    steps = [
        {
            "name": f"{r.name}: {r.verdict}" + (f" by {_short(r.red[0].nodeid)}" if r.red else ""),
            "status": "passed" if r.verdict == "CAUGHT" else "failed",
            "stage": "finished",
            "start": start,
            "stop": now,
        }
        for r in sorted(report.defects, key=lambda r: r.name)
    ]
    summary = f"detection power {report.caught}/{len(report.defects)} = {report.power:.0%}"
    result = {
        "uuid": str(uuid.uuid4()),
        "historyId": "almarya-selftest-detection-power",
        "testCaseId": "almarya-selftest-detection-power",
        "name": "Detection power of the e2e suite",
        "fullName": "staging.selftest.detection_power",
        "status": "passed" if report.ok else "failed",
        "statusDetails": {"message": f"{summary}; clean run {report.clean.verdict}"},
        "stage": "finished",
        "description": "The e2e suite against the clean reference backend and against each injected defect.",
        "start": start,
        "stop": now,
        "labels": [
            {"name": "epic", "value": "Quality gate"},
            {"name": "feature", "value": "Detection power"},
            {"name": "suite", "value": "selftest"},
            {"name": "framework", "value": "almarya-qa selftest"},
        ],
        "steps": steps,
        "attachments": [
            {"name": "detection power table", "source": attachment, "type": "text/plain"},
            {"name": "detection power (JSON)", "source": data_attachment, "type": "application/json"},
        ],
    }
    path = results_dir / f"{result['uuid']}-result.json"
    path.write_text(json.dumps(result, indent=2))
    return path
