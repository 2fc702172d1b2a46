"""One load run, start to verdict: safety checks, the stack, actors, Locust, then the gate and the outputs.

Exit codes: 0 every SLO held; 1 SLO breach (or a stress knee below the profile's minimum); 3 invalid run
(the generator was saturated, or nothing was measured); 2 a user error (from the CLI).
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from load import allure_results, charts, history
from load.actors import Cast, create_cast
from load.gate import EXIT_CODES, GateResult, Verdict, evaluate, verdict
from load.generator_cpu import CpuMonitor, CpuSample, GeneratorReport, assess, write_samples
from load.plan import FINAL_STATS, STEPS, plan_for
from load.profile import Profile, load_profile
from load.report import gate_text, verdict_line
from load.runner import LocustProcesses, LocustRun
from load.safety import Caps, check_target
from load.slo import SloConfig, load_slo
from load.stages import StepShape, capped, duration_of
from load.stats import RunStats, read_stats
from load.stress import Knee, find_knee, judge_steps, knee_text, read_steps
from staging.core import StagingError, log_tail
from staging.run_folder import new_run_dir
from staging.stack import StackSettings, Target, open_stack

# The starved-generator self-test: on top of sharing one core with a CPU hog at a lower priority, Locust
# burns this much CPU after every request, as an expensive locustfile would. The run must come out invalid.
STARVE_BURN_MS = 100.0


@dataclass(frozen=True)
class LoadOptions:
    profile: str
    slo_path: Path
    run_dir: Path | None  # None: a new folder in runs/, made once the checks have passed
    stack: StackSettings
    workers: int = 0
    caps: Caps = field(default_factory=Caps)
    allow_remote: bool = False
    starve: bool = False
    history_root: Path = history.HISTORY_ROOT


@dataclass(frozen=True)
class Run:
    """What every step of a run needs: the checked settings and where the outputs go."""

    profile: Profile
    slo: SloConfig
    options: LoadOptions
    folder: Path

    @property
    def locust_dir(self) -> Path:
        return self.folder / "locust"


@dataclass(frozen=True)
class Measured:
    """What the Locust run left behind, read back."""

    target: str
    stats: RunStats
    window: tuple[float, float]  # the measured phase, wall-clock seconds
    cpu: list[CpuSample]
    lags: dict[str, list[tuple[float, float]]]  # event-loop lag samples per Locust process
    steps: list[dict[str, Any]]
    locust_exit: int


@dataclass(frozen=True)
class Judged:
    gate: GateResult
    generator: GeneratorReport
    knee: Knee | None
    outcome: Verdict


def run_load(options: LoadOptions) -> int:
    """Everything is checked before anything starts: a refused run leaves no folder and sends nothing."""
    profile = load_profile(options.profile)
    slo = load_slo(options.slo_path)
    base_url = options.stack.base_url if options.stack.target is Target.REMOTE else None
    check_target(base_url, allow_remote=options.allow_remote, caps=options.caps)
    if options.workers < 0:
        raise StagingError("--workers must be 0 (one Locust process) or more")
    folder = options.run_dir or new_run_dir()
    folder.mkdir(parents=True, exist_ok=True)
    run = Run(profile, slo, options, folder)
    return _report(run, _measure(run))


def _measure(run: Run) -> Measured:
    options, profile = run.options, run.profile
    planned = duration_of(profile.shape)
    with open_stack(replace(options.stack, run_dir=run.folder)) as stack:
        print(f"Load profile {profile.name}: {profile.description}", flush=True)
        print(f"Target {stack.base_url}; run folder {run.folder}", flush=True)
        cast = create_cast(stack.base_url, stack.admin, profile, options.workers)
        print(
            f"Actors made before the measured phase: {len(cast.customers)} customers, "
            f"{len(cast.staff)} staff, {len(cast.drivers)} drivers",
            flush=True,
        )
        mode = f"a master and {options.workers} worker(s)" if options.workers else "one process"
        starved = "; STARVED on purpose (one core shared with a CPU hog, niced)" if options.starve else ""
        print(f"Locust: {mode}, about {planned:.0f} s{starved}", flush=True)
        # The plan holds the actors' tokens: it lives in a private temporary folder, gone after the run.
        with tempfile.TemporaryDirectory(prefix="almarya-load-") as private:
            plan_path = Path(private) / "plan.json"
            _write_plan(run, cast, plan_path)
            locust_run = LocustRun(
                base_url=stack.base_url,
                plan_path=plan_path,
                out_dir=run.locust_dir,
                planned_s=planned,
                workers=options.workers,
                run_time_cap_s=options.caps.duration_s,
                starve=options.starve,
            )
            with (
                LocustProcesses(locust_run) as locust,
                CpuMonitor(locust.pids, run.slo.generator.sample_interval_s) as monitor,
            ):
                labels = {pid: label for label, pid in locust.pids().items() if pid is not None}
                code = locust.wait()
    final = run.locust_dir / FINAL_STATS
    if not final.is_file():
        log = locust.master.log_path
        raise StagingError(f"Locust wrote no statistics (exit status {code})\n--- {log} ---\n{log_tail(log)}")
    raw = json.loads(final.read_text())
    write_samples(monitor.samples, run.folder / "generator_cpu.csv")
    return Measured(
        target=stack.base_url,
        stats=read_stats(final),
        window=(float(raw.get("test_start", 0.0)), float(raw.get("test_stop", raw.get("at", 0.0)))),
        cpu=list(monitor.samples),
        lags=_read_lags(run.locust_dir, labels),
        steps=read_steps(run.locust_dir / STEPS),
        locust_exit=code,
    )


def _write_plan(run: Run, cast: Cast, path: Path) -> None:
    plan_for(
        run.profile,
        capped(run.profile.shape.stages(), run.options.caps.users),
        workers=run.options.workers,
        output_dir=str(run.locust_dir),
        slo_path=str(run.slo.source or run.options.slo_path),
        customers=cast.customers,
        staff=cast.staff,
        drivers=cast.drivers,
        order_bodies=cast.order_bodies,
        coffee_ids=cast.coffee_ids,
        register_during_load=run.profile.actors.register_during_load,
        burn_ms=STARVE_BURN_MS if run.options.starve else 0.0,
    ).write(path)


def _read_lags(folder: Path, labels: dict[int, str]) -> dict[str, list[tuple[float, float]]]:
    """``loop_lag-<pid>.json`` from every Locust process, named as the CPU monitor names them."""
    lags = {}
    for path in folder.glob("loop_lag-*.json"):
        pid = int(path.stem.rpartition("-")[2])
        lags[labels.get(pid, f"pid {pid}")] = [
            (float(at), float(ms)) for at, ms in json.loads(path.read_text())
        ]
    return lags


# --- after the run -----------------------------------------------------------------------------------------


def _judge(run: Run, measured: Measured) -> tuple[Judged, list[str]]:
    gate = evaluate(measured.stats, run.slo)
    generator = assess(measured.cpu, run.slo.generator, measured.window, measured.lags)
    lines = [gate_text(gate, run.slo), "", f"Generator: {generator.summary()}"]
    knee = None
    if isinstance(run.profile.shape, StepShape):
        knee = find_knee(judge_steps(measured.steps, run.slo, measured.cpu, measured.lags))
        outcome = _stress_verdict(knee, run.profile)
        lines += [
            "",
            knee_text(knee, run.profile.shape.max_users),
            _stress_verdict_line(outcome, knee, run.profile),
        ]
    else:
        outcome = verdict(gate, generator.saturated)
        lines.append(verdict_line(outcome, gate))
    if outcome is Verdict.INVALID_RUN:
        lines.insert(0, "INVALID RUN: the figures below are kept for the record and are not judged.\n")
    return Judged(gate, generator, knee, outcome), lines


def _report(run: Run, measured: Measured) -> int:
    judged, lines = _judge(run, measured)
    p95 = {row.key: _as_float(row.percentile(0.95)) for row in judged.gate.rows}
    earlier = history.read_history(run.options.history_root, run.profile.name)
    comparison = history.compare(earlier, p95, run.slo.comparison)
    lines += ["", history.comparison_text(comparison, run.slo.comparison)]
    text = "\n".join(lines)
    print("\n" + text, flush=True)
    slo_text = run.folder / "slo.txt"
    slo_text.write_text(text + "\n")
    chart = _chart(run, measured, judged.knee)
    _allure(run, measured, judged, [chart, slo_text])
    summary = {
        "profile": run.profile.name,
        "verdict": judged.outcome.value,
        "exit_code": EXIT_CODES[judged.outcome],
        "failing_endpoints": judged.gate.failing_endpoints,
        "generator": judged.generator.summary(),
        "generator_saturated": judged.generator.saturated,
        "knee_users": judged.knee.users if judged.knee else None,
        "p95_ms": p95,
        "flagged_changes": [c.endpoint for c in comparison.flagged],
        "locust_exit_code": measured.locust_exit,
    }
    (run.folder / "summary.json").write_text(json.dumps(summary, indent=2))
    notes = {
        "defects": list(run.options.stack.defects),
        "target": measured.target,
        "starved": run.options.starve,
    }
    entry = history.entry(run.folder, judged.outcome.value, p95, notes)
    history.record(run.options.history_root, run.profile.name, entry)
    print(
        f"\nOutputs in {run.folder}: locust/report.html, locust/locust_*.csv, charts/load.png, "
        "allure-results/, slo.txt, summary.json",
        flush=True,
    )
    return EXIT_CODES[judged.outcome]


def _stress_verdict(knee: Knee, profile: Profile) -> Verdict:
    if not knee.steps or knee.generator_limited:
        return Verdict.INVALID_RUN
    if profile.min_knee_users and (knee.users or 0) < profile.min_knee_users:
        return Verdict.SLO_BREACH
    return Verdict.PASS


def _stress_verdict_line(outcome: Verdict, knee: Knee, profile: Profile) -> str:
    if outcome is Verdict.INVALID_RUN:
        return "Verdict: INVALID RUN: the generator, not the backend, limited the stress run"
    if outcome is Verdict.SLO_BREACH:
        return (
            f"Verdict: SLO BREACH: capacity knee {knee.users or 0} users is below the required "
            f"{profile.min_knee_users}"
        )
    if knee.broke_at is None:
        return "Verdict: PASS: every step held; the knee lies above the profile's max_users"
    return "Verdict: PASS: the capacity knee was found (a breaking step is what a stress run looks for)"


def _chart(run: Run, measured: Measured, knee: Knee | None) -> Path:
    history_csv = run.locust_dir / "locust_stats_history.csv"
    path = run.folder / "charts" / "load.png"
    if not history_csv.is_file():
        return path
    marks = [(s.started_at, f"step {s.step + 1}: {s.users} users") for s in (knee.steps if knee else ())]
    return charts.draw(
        charts.read_history(history_csv),
        measured.cpu,
        path,
        title=f"Load profile {run.profile.name}: latency, throughput, generator CPU",
        limit_ms=run.slo.aggregate.percentiles_ms.get(0.95),
        marks=marks,
    )


def _allure(run: Run, measured: Measured, judged: Judged, attachments: list[Path]) -> None:
    invalid = None
    if judged.outcome is Verdict.INVALID_RUN:
        saturated = judged.generator.saturated
        invalid = (
            f"load generator saturated ({judged.generator.summary()})" if saturated else "nothing measured"
        )
    context = allure_results.AllureContext(
        profile=run.profile.name,
        results_dir=run.folder / "allure-results",
        start_ms=int(measured.window[0] * 1000),
        stop_ms=int(measured.window[1] * 1000),
        parameters={
            "target": measured.target,
            "peak_users": str(run.profile.shape.peak_users),
            "workers": str(run.options.workers),
            "defects": ",".join(run.options.stack.defects) or "none",
        },
        invalid_reason=invalid,
        attachments=attachments,
    )
    if judged.knee is not None:
        allure_results.write_step_results(judged.knee, context)
    else:
        allure_results.write_results(judged.gate.checks, context, at_limit_fails=judged.gate.at_limit_fails)


def _as_float(value: int | None) -> float | None:
    return None if value is None else float(value)
