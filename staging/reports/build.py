"""Build a run folder's reports: Allure HTML with history, the verdict, and the sign-off report.

Run folder layout (``runs/<id>/``)::

    allure-results/     raw results from every pytest worker and the load run; + history/ carried over,
                        environment.properties, categories.json, executor.json
    allure-report/      the Allure HTML report (open it through a server: ``almarya-qa report --serve``); its
                        history/ is what the next run carries over
    session.json        pytest's exit status and the known defects in force (written by the controller)
    junit.xml           JUnit XML of the run
    load/               slo.json and latency.png, when a load run wrote here
    screenshots/        browser screenshots kept by the admin-panel tests
    signoff.html        the release sign-off, one self-contained file
    signoff.md          its Markdown summary (PR comment, GitHub job summary)
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from staging.core import StagingError
from staging.reports import allure_cli
from staging.reports.history import (
    HISTORY_DIR,
    REPORT_DIR,
    RESULTS_DIR,
    TrendPoint,
    carry_history,
    history_in,
    next_build_order,
    previous_history,
    read_trend,
    write_executor,
    write_trend,
)
from staging.reports.known_defects import KnownDefect
from staging.reports.results import read_results, set_environment_value
from staging.reports.session import read_session
from staging.reports.signoff import SignoffInputs, render, screenshots_in
from staging.reports.slo import read_load
from staging.reports.verdict import Verdict, decide

HISTORY_ENV = "ALMARYA_HISTORY_FROM"


@dataclass
class Built:
    verdict: Verdict
    signoff_html: Path
    signoff_md: Path
    trend: list[TrendPoint]
    allure_report: Path | None = None
    allure_error: str | None = None
    history_source: Path | None = None
    lines: list[str] = field(default_factory=list)


def build_reports(
    run_dir: Path,
    *,
    exit_status: int | None = None,
    history_from: Path | None = None,
    load_dir: Path | None = None,
    allure: bool = True,
) -> Built:
    """Judge the run and write its reports into ``run_dir``; the verdict never depends on Allure's CLI."""
    if not run_dir.is_dir():
        raise StagingError(f"{run_dir}: no such run folder")
    results_dir = run_dir / RESULTS_DIR
    carried = results_dir / HISTORY_DIR
    source = _history_source(run_dir, carried, history_from)
    if source is not None and source.resolve() != carried.resolve():
        carry_history(source, results_dir)

    error: str | None = None
    if allure:
        try:
            allure_cli.ensure_allure()
            set_environment_value(
                results_dir, "tool.allure-commandline", allure_cli.installed_version() or "?"
            )
        except StagingError as exc:
            error = str(exc)

    session = read_session(run_dir)
    if exit_status is None and session is not None:
        exit_status = session.exit_status
    entries = [KnownDefect(**entry) for entry in session.known_defects] if session else []
    results = read_results(results_dir)
    load = read_load(load_dir or run_dir, results.outcomes)
    verdict = decide(results, exit_status=exit_status, load=load, known_entries=entries)

    point = TrendPoint(
        run=run_dir.name,
        date=datetime.now(UTC).strftime("%Y-%m-%d %H:%M"),
        verdict=verdict.label,
        passed=verdict.counts["passed"],
        failed=verdict.counts["failed"],
        broken=verdict.counts["broken"],
        skipped=verdict.counts["skipped"],
        known=verdict.counts["known"],
        p95_ms=verdict.load.worst_p95_ms if verdict.load is not None else None,
    )
    # Building a run's reports again replaces its own point instead of adding a second one.
    trend = [p for p in read_trend(carried) if p.run != run_dir.name] + [point]

    built_report: Path | None = None
    if allure:
        write_executor(results_dir, build_order=next_build_order(carried), build_name=run_dir.name)
        try:
            built_report = allure_cli.generate(results_dir, run_dir / REPORT_DIR) if not error else None
        except StagingError as exc:
            error = str(exc)
    write_trend(run_dir / REPORT_DIR / HISTORY_DIR, trend)

    html, markdown = render(
        SignoffInputs(
            run_name=run_dir.name,
            verdict=verdict,
            environment=results.environment,
            trend=trend,
            screenshots=screenshots_in(run_dir),
            allure_report=f"{REPORT_DIR}/index.html" if built_report else None,
        ),
        run_dir,
    )
    built = Built(verdict, html, markdown, trend, built_report, error, source)
    built.lines = summary_lines(built)
    return built


def summary_lines(built: Built) -> list[str]:
    """What ``run`` and ``report`` print: the verdict, its reasons, and where the reports are."""
    verdict = built.verdict
    lines = [f"Verdict: {verdict.label}"]
    lines += [f"  - {reason}" for reason in verdict.reasons]
    lines += [f"  · {note}" for note in verdict.notes]
    lines += [f"  known defect {row.outcome}: {row.test} ({row.issue})" for row in verdict.known if row.issue]
    lines.append(f"Sign-off report: {built.signoff_html}  (Markdown: {built.signoff_md})")
    if built.allure_report:
        history = f", history from {built.history_source}" if built.history_source else ", no earlier history"
        lines.append(
            f"Allure report: {built.allure_report / 'index.html'}  (trend of {len(built.trend)}{history})"
        )
    if built.allure_error:
        lines.append(f"Allure report not built: {built.allure_error}")
    return lines


def _history_source(run_dir: Path, carried: Path, history_from: Path | None) -> Path | None:
    """Where this run's history comes from: given explicitly (``--history-from``, else ALMARYA_HISTORY_FROM,
    as CI does with the published report), already carried, or the newest sibling run folder."""
    if history_from is None and os.environ.get(HISTORY_ENV):
        history_from = Path(os.environ[HISTORY_ENV])
    if history_from is not None:
        source = history_in(history_from)
        if source is None:
            raise StagingError(f"--history-from {history_from}: no report history there")
        return source
    if carried.is_dir() and any(carried.glob("*.json")):
        return carried  # fixed at the first build, so building again never pulls in later runs
    return previous_history(run_dir)
