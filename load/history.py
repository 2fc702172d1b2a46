"""Each profile's past runs (``runs/load-history/<profile>.json``) and the change in p95 since the last one.

Only valid runs are baselines: an invalid run measured its generator. A change is flagged when it passes
both thresholds of ``[comparison]`` in the SLO file; with Locust's 10 ms buckets a percentage alone would
flag noise on fast endpoints.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from load.report import render_table
from load.slo import ComparisonSettings

HISTORY_ROOT = Path("runs") / "load-history"
_KEPT = 100


@dataclass(frozen=True)
class Change:
    endpoint: str
    before_ms: float | None
    after_ms: float | None
    flag: str  # "", "slower", "faster", "new", "gone"

    @property
    def delta_ms(self) -> float | None:
        if self.before_ms is None or self.after_ms is None:
            return None
        return self.after_ms - self.before_ms

    @property
    def delta_percent(self) -> float | None:
        if self.delta_ms is None or not self.before_ms:
            return None
        return 100 * self.delta_ms / self.before_ms


@dataclass(frozen=True)
class P95Comparison:
    baseline: dict[str, Any] | None  # the previous valid run's entry
    changes: list[Change]

    @property
    def flagged(self) -> list[Change]:
        return [c for c in self.changes if c.flag in ("slower", "faster")]


def history_file(root: Path, profile: str) -> Path:
    return root / f"{profile}.json"


def read_history(root: Path, profile: str) -> list[dict[str, Any]]:
    path = history_file(root, profile)
    if not path.is_file():
        return []
    try:
        entries = json.loads(path.read_text())
    except ValueError:
        return []  # a damaged history file loses the comparison, never the run
    return entries if isinstance(entries, list) else []


def entry(run_dir: Path, verdict: str, p95: dict[str, float | None], notes: dict[str, Any]) -> dict[str, Any]:
    return {
        "at": datetime.now().isoformat(timespec="seconds"),
        "run_dir": str(run_dir),
        "verdict": verdict,
        "p95_ms": p95,
        **notes,
    }


def compare(
    history: list[dict[str, Any]], p95: dict[str, float | None], settings: ComparisonSettings
) -> P95Comparison:
    baseline = next((e for e in reversed(history) if e.get("verdict") != "invalid run"), None)
    if baseline is None:
        return P95Comparison(None, [])
    before: dict[str, float | None] = baseline.get("p95_ms", {})
    changes = []
    for endpoint in sorted(set(before) | set(p95), key=lambda k: (k == "Aggregated", k)):
        old, new = before.get(endpoint), p95.get(endpoint)
        changes.append(
            Change(endpoint, old, new, _flag(old, new, settings, endpoint in before, endpoint in p95))
        )
    return P95Comparison(baseline, changes)


def _flag(old: float | None, new: float | None, settings: ComparisonSettings, was: bool, now: bool) -> str:
    if not was:
        return "new"
    if not now:
        return "gone"
    if old is None or new is None:
        return ""
    delta = new - old
    big_enough = abs(delta) >= settings.p95_change_min_ms
    relative = abs(delta) / old * 100 if old else float("inf")
    if big_enough and relative >= settings.p95_change_percent:
        return "slower" if delta > 0 else "faster"
    return ""


def record(root: Path, profile: str, new_entry: dict[str, Any]) -> None:
    history = read_history(root, profile)[-(_KEPT - 1) :]
    root.mkdir(parents=True, exist_ok=True)
    history_file(root, profile).write_text(json.dumps([*history, new_entry], indent=2))


def comparison_text(result: P95Comparison, settings: ComparisonSettings) -> str:
    if result.baseline is None:
        return "Comparison: no earlier valid run of this profile to compare with."
    header = ("Endpoint", "p95 before", "p95 now", "change", "")
    rows = []
    for change in result.changes:
        delta = change.delta_ms
        pct = change.delta_percent
        text = "" if delta is None else f"{delta:+g}ms" + ("" if pct is None else f" ({pct:+.0f}%)")
        mark = {"slower": "⚠ slower", "faster": "faster", "new": "new", "gone": "not requested"}.get(
            change.flag, ""
        )
        rows.append((change.endpoint, _ms(change.before_ms), _ms(change.after_ms), text, mark))
    title = (
        f"Comparison with the previous run of this profile ({result.baseline.get('at')}, "
        f"{result.baseline.get('run_dir')}); flagged past {settings.p95_change_percent:g}% and "
        f"{settings.p95_change_min_ms:g} ms:"
    )
    return title + "\n" + render_table(header, rows, right_aligned={1, 2, 3})


def _ms(value: float | None) -> str:
    return "n/a" if value is None else f"{value:g}ms"
