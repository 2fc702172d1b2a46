"""History across runs: Allure's ``history/`` carried from the previous report, and the verdict trend.

Allure draws its trend charts only from a ``history/`` folder found in the results it generates from, so the
previous report's ``history/`` is copied into this run's results first. The sign-off trend (verdict and
counts per run) travels in the same folder as ``signoff-trend.json``, so one carried folder — a previous run
folder here, the published GitHub Pages site in CI — keeps both.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

REPORT_DIR = "allure-report"
RESULTS_DIR = "allure-results"
HISTORY_DIR = "history"
TREND_FILE = "signoff-trend.json"
TREND_KEPT = 30


@dataclass(frozen=True)
class TrendPoint:
    run: str
    date: str
    verdict: str
    passed: int
    failed: int
    broken: int
    skipped: int
    known: int
    p95_ms: float | None = None


def history_in(path: Path) -> Path | None:
    """The history folder behind ``path``: a run folder, a generated report, or a history folder itself."""
    for candidate in (path / REPORT_DIR / HISTORY_DIR, path / HISTORY_DIR, path):
        if candidate.is_dir() and any(candidate.glob("*.json")):
            return candidate
    return None


def previous_history(run_dir: Path) -> Path | None:
    """The newest report history among ``run_dir``'s sibling run folders (``runs/`` by default)."""
    parent = run_dir.resolve().parent
    if not parent.is_dir():
        return None
    found = []
    for sibling in parent.iterdir():
        if sibling.resolve() == run_dir.resolve() or not sibling.is_dir():
            continue
        history = sibling / REPORT_DIR / HISTORY_DIR
        if history.is_dir():
            found.append((history.stat().st_mtime, sibling.name, history))
    return max(found)[2] if found else None


def carry_history(source: Path | None, results_dir: Path) -> int:
    """Copy ``source``'s history files into ``results_dir/history``; returns how many were copied."""
    if source is None:
        return 0
    target = results_dir / HISTORY_DIR
    target.mkdir(parents=True, exist_ok=True)
    copied = 0
    for path in source.glob("*.json"):
        shutil.copyfile(path, target / path.name)
        copied += 1
    return copied


def read_trend(history_dir: Path) -> list[TrendPoint]:
    try:
        raw = json.loads((history_dir / TREND_FILE).read_text())
    except (OSError, ValueError):
        return []
    points = []
    for entry in raw if isinstance(raw, list) else []:
        try:
            points.append(TrendPoint(**entry))
        except TypeError:
            continue  # an entry from an older layout is dropped rather than breaking the report
    return points


def write_trend(history_dir: Path, points: list[TrendPoint]) -> None:
    history_dir.mkdir(parents=True, exist_ok=True)
    data = [asdict(point) for point in points[-TREND_KEPT:]]
    (history_dir / TREND_FILE).write_text(json.dumps(data, indent=2) + "\n")


def next_build_order(history_dir: Path) -> int:
    """One more than the highest build number in Allure's carried trend, so runs line up in order."""
    try:
        trend: list[dict[str, Any]] = json.loads((history_dir / "history-trend.json").read_text())
    except (OSError, ValueError):
        return 1
    orders = [int(item.get("buildOrder") or 0) for item in trend if isinstance(item, dict)]
    return max(orders) + 1 if any(orders) else len(trend) + 1


def write_executor(results_dir: Path, *, build_order: int, build_name: str) -> None:
    """``executor.json``: names each run in Allure's trend; in GitHub Actions it links the workflow run."""
    executor: dict[str, Any] = {
        "name": "almarya-qa",
        "type": "local",
        "buildOrder": build_order,
        "buildName": build_name,
        "reportName": "Al Marya Rostery — release gate",
    }
    server, repository, run_id = (
        os.environ.get(name) for name in ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_RUN_ID")
    )
    if server and repository and run_id:
        executor |= {
            "name": "GitHub Actions",
            "type": "github",
            "buildUrl": f"{server}/{repository}/actions/runs/{run_id}",
        }
    if os.environ.get("ALMARYA_REPORT_URL"):
        executor["reportUrl"] = os.environ["ALMARYA_REPORT_URL"]
    results_dir.mkdir(parents=True, exist_ok=True)
    (results_dir / "executor.json").write_text(json.dumps(executor, indent=2) + "\n")
