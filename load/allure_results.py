"""Each SLO check as an Allure test result, next to the e2e results in the run folder's ``allure-results/``.

Failed checks carry "SLO breach" in their message (the suite's Allure category of that name matches it);
a run with a saturated generator is "broken", not failed: it says nothing about the backend.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fixtures.allure_files import write_categories, write_environment
from load.gate import Check, Outcome
from load.report import ms, percent
from load.slo import AGGREGATE
from load.stress import Knee


@dataclass(frozen=True)
class AllureContext:
    profile: str
    results_dir: Path
    start_ms: int
    stop_ms: int
    parameters: Mapping[str, str]
    invalid_reason: str | None = None  # set when the generator was saturated
    attachments: Sequence[Path] = ()  # attached to the aggregate results


def _title(check: Check) -> str:
    if check.metric == "error_ratio":
        return f"{check.endpoint}: error rate below {check.limit * 100:g}%"
    if check.metric == "requests":
        return f"{check.endpoint}: at least {check.limit:g} requests measured"
    return f"{check.endpoint}: {check.metric} below {check.limit:g} ms"


def _measured(check: Check) -> str:
    if check.metric == "error_ratio":
        return f"error rate {percent(check.measured)} ({check.note})"
    if check.metric == "requests":
        return check.note
    return f"{check.metric}={ms(check.measured)} ({check.note})"


def _status(check: Check, context: AllureContext, at_limit_fails: bool) -> tuple[str, str]:
    if context.invalid_reason is not None:
        return "broken", f"Invalid run: {context.invalid_reason}. Measured {_measured(check)}; not judged."
    if not check.fails(at_limit_fails):
        return "passed", f"Held: {_measured(check)}"
    wording = {Outcome.AT_LIMIT: "at the limit", Outcome.NO_DATA: "no data"}.get(check.outcome, "breached")
    return "failed", f"SLO breach: {_title(check)} {wording}: {_measured(check)}"


@dataclass(frozen=True)
class _Result:
    name: str
    full_name: str
    status: str  # passed, failed, broken
    message: str
    story: str
    attach: bool = False  # the chart and the SLO text go on the aggregate results only


def write_results(checks: Sequence[Check], context: AllureContext, *, at_limit_fails: bool) -> list[Path]:
    """One ``*-result.json`` per check; categories and environment so the folder stands on its own."""
    results = []
    for check in checks:
        status, message = _status(check, context, at_limit_fails)
        results.append(
            _Result(
                _title(check),
                f"load.{context.profile}.{check.endpoint}.{check.metric}",
                status,
                message,
                story=check.endpoint,
                attach=check.endpoint == AGGREGATE,
            )
        )
    return _write_all(results, context)


def write_step_results(knee: Knee, context: AllureContext) -> list[Path]:
    """Stress: one result per step ("N users hold the SLO"); the step that broke the SLO fails, which is
    what a stress run looks for, and its message names the cause."""
    results = []
    for step in knee.steps:
        total = step.stats.aggregate
        p95 = total.percentile(0.95)
        measured = f"{total.requests} requests, p95={ms(None if p95 is None else float(p95))}"
        if step.generator.saturated:
            status, message = "broken", f"Invalid step: load generator saturated ({step.generator.summary()})"
        elif step.held:
            status, message = "passed", f"Held: {measured}"
        else:
            status, message = "failed", f"{step.cause} at {step.users} users; {measured}"
        results.append(
            _Result(
                f"Step {step.step + 1}: {step.users} users hold the SLO",
                f"load.{context.profile}.step{step.step + 1}",
                status,
                message,
                story=f"{step.users} users",
                attach=step is knee.steps[-1],
            )
        )
    return _write_all(results, context)


def _write_all(results: Sequence[_Result], context: AllureContext) -> list[Path]:
    out = context.results_dir
    out.mkdir(parents=True, exist_ok=True)
    attachments = [_copy_attachment(path, out) for path in context.attachments if path.is_file()]
    written = []
    for result in results:
        digest = hashlib.md5(result.full_name.encode()).hexdigest()  # noqa: S324 - an id, not security
        body: dict[str, Any] = {
            "uuid": str(uuid.uuid4()),
            "historyId": digest,
            "testCaseId": digest,
            "name": result.name,
            "fullName": result.full_name,
            "status": result.status,
            "statusDetails": {"message": result.message, "trace": ""},
            "stage": "finished",
            "start": context.start_ms,
            "stop": context.stop_ms,
            "labels": [
                {"name": "epic", "value": "Performance"},
                {"name": "feature", "value": context.profile},
                {"name": "story", "value": result.story},
                {"name": "suite", "value": f"Load: {context.profile}"},
                {"name": "tag", "value": "load"},
                {"name": "framework", "value": "locust"},
            ],
            "parameters": [{"name": k, "value": v} for k, v in context.parameters.items()],
            "attachments": attachments if result.attach else [],
        }
        path = out / f"{body['uuid']}-result.json"
        path.write_text(json.dumps(body, indent=2))
        written.append(path)
    write_categories(out)
    write_environment(out, {"load_profile": context.profile, **context.parameters})
    return written


def _copy_attachment(source: Path, out: Path) -> dict[str, str]:
    kind = {".png": "image/png", ".txt": "text/plain", ".html": "text/html"}.get(source.suffix, "text/plain")
    target = out / f"{uuid.uuid4()}-attachment{source.suffix}"
    shutil.copyfile(source, target)
    return {"name": source.name, "source": target.name, "type": kind}
