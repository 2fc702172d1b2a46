"""The load run's SLO results, as the sign-off report reads them from a run folder.

Two layouts are read, in this order (without either, the report says "not measured"):

1. The documented hand-over, ``<run_dir>/load/slo.json`` (or ``slo.json`` in a ``--load-dir``)::

    {
      "status": "pass" | "breach" | "invalid",      # the load run's verdict ("SLO breach" and
                                                     # "invalid run" are read as breach and invalid)
      "reason": "why the run is invalid",            # optional; shown for "invalid"
      "profile": "nightly", "target": "http://...", "users": 50, "duration_s": 600,   # optional
      "slos": [                                      # one row per checked objective
        {"name": "POST /api/orders p95", "threshold": 500, "actual": 312.4, "unit": "ms",
         "status": "pass",                           # shown as it is: "pass", "breach", "at limit", ...
         "fails": false,                             # optional; default: status == "breach"
         "requests": 1200, "note": "Locust bucket 300-320 ms"}      # both optional
      ],
      "endpoints": [                                 # optional; drawn as a chart when no chart is given
        {"name": "POST /api/orders", "requests": 1200, "failures": 0,
         "p50_ms": 120, "p95_ms": 312, "p99_ms": 480}
      ]
    }

   with the chart as ``latency.png`` beside it.

2. What ``almarya-qa load`` leaves in its run folder: ``summary.json`` (``profile``, ``verdict``,
   ``p95_ms``, ``generator``), one Allure result per SLO check (epic "Performance": "Held: ..." passed,
   "SLO breach: ..." failed, "Invalid run: ..." broken) and ``charts/load.png``.

A breach blocks the gate; an invalid run (nothing measured, the load generator saturated, ...) is reported
but is not a breach.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from staging.reports.results import Outcome, Status

LOAD_DIR = "load"
SLO_FILE = "slo.json"
CHART_FILE = "latency.png"
LOAD_SUMMARY = "summary.json"
LOAD_CHART = Path("charts") / "load.png"
LOAD_EPIC = "Performance"
INVALID_PREFIXES = ("Invalid run", "Invalid step")
STATUSES = ("pass", "breach", "invalid")
_ALIASES = {"slo breach": "breach", "invalid run": "invalid"}
_BELOW = re.compile(r"below (?P<limit>[\d.]+) ?(?P<unit>ms|%)$")


@dataclass(frozen=True)
class SloRow:
    name: str
    threshold: float | None
    actual: float | None
    unit: str
    status: str
    fails: bool = False
    requests: int | None = None
    note: str = ""
    measured_text: str = ""  # for rows read from Allure results, which carry text rather than numbers
    objective_text: str = ""

    def objective(self) -> str:
        if self.threshold is None:
            return self.objective_text or "—"
        return f"≤ {_number(self.threshold)} {self.unit}".strip()

    def measured(self) -> str:
        if self.actual is None:
            return self.measured_text or "—"
        return f"{_number(self.actual)} {self.unit}".strip()


@dataclass(frozen=True)
class EndpointLatency:
    name: str
    p50_ms: float
    p95_ms: float
    p99_ms: float
    requests: int = 0
    failures: int = 0


@dataclass
class LoadResults:
    status: str
    rows: list[SloRow] = field(default_factory=list)
    endpoints: list[EndpointLatency] = field(default_factory=list)
    reason: str = ""
    profile: str = ""
    target: str = ""
    users: int | None = None
    duration_s: float | None = None
    worst_p95_ms: float | None = None
    chart_png: bytes | None = None
    problem: str = ""  # set when the results exist but cannot be read: the gate then cannot pass

    @property
    def breaches(self) -> list[SloRow]:
        return [row for row in self.rows if row.fails]

    @property
    def breached(self) -> bool:
        return self.status == "breach" or (self.status != "invalid" and bool(self.breaches))


def is_invalid_load(outcome: Outcome) -> bool:
    """A load check from an invalid run: reported, but it says nothing about the backend."""
    return outcome.status is Status.BROKEN and outcome.message.lstrip().startswith(INVALID_PREFIXES)


def read_load(folder: Path, outcomes: list[Outcome] | None = None) -> LoadResults | None:
    """The load results in ``folder`` (a run folder, or a folder holding ``slo.json``), or None."""
    for candidate in (folder / LOAD_DIR / SLO_FILE, folder / SLO_FILE):
        if candidate.is_file():
            return _documented(candidate)
    summary = folder / LOAD_SUMMARY
    if summary.is_file():
        return _from_load_run(folder, summary, outcomes or [])
    return None


def _documented(path: Path) -> LoadResults:
    try:
        results = _parse(json.loads(path.read_text()))
    except (OSError, ValueError, TypeError, KeyError) as exc:
        return LoadResults(status="invalid", problem=f"{path} could not be read: {exc}")
    chart = path.parent / CHART_FILE
    results.chart_png = chart.read_bytes() if chart.is_file() else None
    return results


def _from_load_run(folder: Path, summary_path: Path, outcomes: list[Outcome]) -> LoadResults | None:
    try:
        summary: dict[str, Any] = json.loads(summary_path.read_text())
    except (OSError, ValueError) as exc:
        return LoadResults(status="invalid", problem=f"{summary_path} could not be read: {exc}")
    if not isinstance(summary, dict) or "verdict" not in summary or "profile" not in summary:
        return None  # some other summary.json, not a load run's
    status = _ALIASES.get(str(summary["verdict"]).lower(), str(summary["verdict"]).lower())
    checks = [o for o in outcomes if o.epic == LOAD_EPIC]
    rows = [
        SloRow(
            name=o.name,
            threshold=None,
            actual=None,
            unit="",
            status={Status.PASSED: "pass", Status.FAILED: "breach"}.get(o.status, "invalid"),
            fails=o.status is Status.FAILED,
            measured_text=_measured_text(o.headline),
            objective_text=_objective_text(o.name),
        )
        for o in checks
    ]
    p95 = [float(v) for v in (summary.get("p95_ms") or {}).values() if isinstance(v, int | float)]
    chart = folder / LOAD_CHART
    return LoadResults(
        status=status if status in STATUSES else "invalid",
        rows=rows,
        reason=str(summary.get("generator") or "") if status == "invalid" else "",
        profile=str(summary["profile"]),
        worst_p95_ms=max(p95) if p95 else None,
        chart_png=chart.read_bytes() if chart.is_file() else None,
    )


def _objective_text(name: str) -> str:
    """``GET /api/orders: p95 below 500 ms`` → ``< 500 ms`` (the load gate's checks are strict)."""
    match = _BELOW.search(name)
    return f"< {match['limit']} {match['unit']}".replace(" %", "%") if match else ""


def _measured_text(headline: str) -> str:
    """``Held: p95=120ms (...)`` or ``SLO breach: ... breached: p95=612ms (...)`` → ``p95=612ms (...)``."""
    for prefix in ("Held: ", "Invalid run: "):
        if headline.startswith(prefix):
            return headline.removeprefix(prefix)
    return headline.rsplit(": ", 1)[-1] if ": " in headline else headline


def _parse(raw: dict[str, Any]) -> LoadResults:
    status = str(raw["status"])
    status = _ALIASES.get(status.lower(), status.lower())
    if status not in STATUSES:
        raise ValueError(f"status must be one of {', '.join(STATUSES)}, not {status!r}")
    rows = [
        SloRow(
            name=str(row["name"]),
            threshold=_float(row.get("threshold")),
            actual=_float(row.get("actual")),
            unit=str(row.get("unit") or ""),
            status=str(row.get("status") or "unknown"),
            fails=bool(row["fails"]) if "fails" in row else str(row.get("status")).lower() == "breach",
            requests=int(row["requests"]) if row.get("requests") is not None else None,
            note=str(row.get("note") or ""),
        )
        for row in raw.get("slos") or []
    ]
    endpoints = [
        EndpointLatency(
            name=str(row["name"]),
            p50_ms=float(row["p50_ms"]),
            p95_ms=float(row["p95_ms"]),
            p99_ms=float(row["p99_ms"]),
            requests=int(row.get("requests") or 0),
            failures=int(row.get("failures") or 0),
        )
        for row in raw.get("endpoints") or []
    ]
    latencies = [e.p95_ms for e in endpoints] + [
        r.actual for r in rows if r.unit == "ms" and r.actual is not None
    ]
    return LoadResults(
        status=status,
        rows=rows,
        endpoints=endpoints,
        reason=str(raw.get("reason") or ""),
        profile=str(raw.get("profile") or ""),
        target=str(raw.get("target") or ""),
        users=int(raw["users"]) if raw.get("users") is not None else None,
        duration_s=_float(raw.get("duration_s")),
        worst_p95_ms=max(latencies) if latencies else None,
    )


def _float(value: object) -> float | None:
    return None if value is None else float(value)  # type: ignore[arg-type]


def _number(value: float) -> str:
    return f"{value:.0f}" if abs(value) >= 100 or value == int(value) else f"{value:.1f}"
