"""Small synthetic run folders: Allure result files, a session record and load results, written directly.

The verdict and report tests judge these instead of running the e2e suite; one end-to-end test
(test_run_reports.py) runs the real thing.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from staging.reports.known_defects import LABEL, MARKER, TAG
from staging.reports.session import SessionRecord

ISSUE = "https://github.com/al-marya/backend/issues/101"


@dataclass
class FakeResult:
    name: str
    status: str = "passed"
    epic: str = "Orders"
    feature: str = "Delivery"
    message: str = ""
    trace: str = ""
    known: str = ""  # the known-defects entry's node id
    issue: str = ""
    extra_labels: list[tuple[str, str]] = field(default_factory=list)

    @property
    def node_id(self) -> str:
        return self.known or f"e2e/test_synthetic.py::{self.name}"

    def as_json(self, start: int) -> dict[str, object]:
        labels = [{"name": "epic", "value": self.epic}, {"name": "feature", "value": self.feature}]
        labels += [{"name": "suite", "value": "synthetic"}, {"name": "nodeid", "value": self.node_id}]
        labels += [{"name": k, "value": v} for k, v in self.extra_labels]
        links = []
        if self.known:
            labels += [{"name": "tag", "value": TAG}, {"name": LABEL, "value": self.known}]
            links.append({"type": "issue", "url": self.issue or ISSUE, "name": "Known defect"})
        details = {"message": self.message, "trace": self.trace} if self.message else {}
        return {
            "uuid": str(uuid.uuid4()),
            "historyId": uuid.uuid5(uuid.NAMESPACE_URL, self.name).hex,
            "fullName": f"e2e.synthetic#{self.name}",
            "name": self.name,
            "status": self.status,
            "statusDetails": details,
            "start": start,
            "stop": start + 120,
            "labels": labels,
            "links": links,
        }


def passed(name: str, **kwargs: object) -> FakeResult:
    return FakeResult(name, "passed", **kwargs)  # type: ignore[arg-type]


def failed(name: str, message: str = "AssertionError: assert 'pending' == 'confirmed'", **kwargs: object):
    return FakeResult(name, "failed", message=message, **kwargs)  # type: ignore[arg-type]


def known_failure(name: str, node_id: str, reason: str = "the driver can hold two orders") -> FakeResult:
    message = f"XFAIL {MARKER} {ISSUE}: {reason}\n\nAssertionError: assert 409 == 200"
    return FakeResult(name, "skipped", message=message, known=node_id)


def known_pass(name: str, node_id: str, reason: str = "the driver can hold two orders") -> FakeResult:
    return FakeResult(name, "passed", message=f"XPASS {MARKER} {ISSUE}: {reason}", known=node_id)


def write_run(
    run_dir: Path,
    results: list[FakeResult],
    *,
    exit_status: int | None = 0,
    known_entries: list[dict[str, str]] | None = None,
    environment: dict[str, str] | None = None,
) -> Path:
    """A run folder as ``almarya-qa run`` leaves it before the report step."""
    results_dir = run_dir / "allure-results"
    results_dir.mkdir(parents=True, exist_ok=True)
    for index, result in enumerate(results):
        data = result.as_json(1_764_000_000_000 + index * 1000)
        (results_dir / f"{data['uuid']}-result.json").write_text(json.dumps(data))
    env = {"target": "embedded", "backend.version": "1.0.0", "tool.python": "3.11"} | (environment or {})
    (results_dir / "environment.properties").write_text("".join(f"{k}={v}\n" for k, v in env.items()))
    SessionRecord(exit_status=exit_status, collected=len(results), known_defects=known_entries or []).write(
        run_dir
    )
    return run_dir


def write_load(
    run_dir: Path, *, status: str = "pass", p95: float = 312.0, chart: bytes | None = None
) -> Path:
    """``load/slo.json`` (and ``latency.png`` when given) in the format staging/reports/slo.py documents."""
    load_dir = run_dir / "load"
    load_dir.mkdir(parents=True, exist_ok=True)
    row_status = "breach" if status == "breach" else "pass"
    data = {
        "status": status,
        "profile": "nightly",
        "target": "http://127.0.0.1:8000",
        "users": 50,
        "duration_s": 600,
        "reason": "the load generator was saturated (CPU 97%)" if status == "invalid" else "",
        "slos": [
            {
                "name": "POST /api/orders p95",
                "threshold": 500,
                "actual": p95,
                "unit": "ms",
                "status": row_status,
                "requests": 1200,
            },
            {
                "name": "GET /api/coffees p95",
                "threshold": 500,
                "actual": 88,
                "unit": "ms",
                "status": "pass",
                "requests": 5400,
            },
            {"name": "error rate", "threshold": 1, "actual": 0.2, "unit": "%", "status": "pass"},
        ],
        "endpoints": [
            {"name": "POST /api/orders", "requests": 1200, "p50_ms": 140, "p95_ms": p95, "p99_ms": p95 * 1.3},
            {"name": "GET /api/coffees", "requests": 5400, "p50_ms": 31, "p95_ms": 88, "p99_ms": 120},
            {"name": "GET /api/orders/:id", "requests": 3100, "p50_ms": 45, "p95_ms": 130, "p99_ms": 190},
        ],
    }
    (load_dir / "slo.json").write_text(json.dumps(data, indent=2))
    if chart is not None:
        (load_dir / "latency.png").write_bytes(chart)
    return load_dir
