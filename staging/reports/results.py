"""Read a run's Allure results (the ``*-result.json`` files every pytest worker and the load run write)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from staging.reports.known_defects import LABEL, MARKER, NODE_ID_LABEL, TAG


class Status(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    BROKEN = "broken"
    SKIPPED = "skipped"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Outcome:
    """One test's final result, as the verdict and the reports need it."""

    name: str
    full_name: str
    status: Status
    message: str = ""
    epic: str = ""
    feature: str = ""
    story: str = ""
    suite: str = ""
    tags: tuple[str, ...] = ()
    links: tuple[tuple[str, str], ...] = ()  # (type, url)
    known_test: str = ""  # the known-defects entry's node id, when the test is listed there
    node_id: str = ""

    @property
    def test_id(self) -> str:
        """The pytest node id where the result has one (``e2e/test_x.py::test_y``), else Allure's name."""
        return self.node_id or self.full_name or self.name

    duration_ms: int = 0
    stop: int = 0

    @property
    def area(self) -> str:
        """The business area: ``epic / feature`` as the tests label themselves, else their suite."""
        if self.epic and self.feature:
            return f"{self.epic} / {self.feature}"
        return self.epic or self.feature or self.suite or "Unlabelled"

    @property
    def is_known_defect(self) -> bool:
        return (
            bool(self.known_test)
            or TAG in self.tags
            or self.message.lstrip().startswith(("XFAIL " + MARKER, "XPASS " + MARKER))
        )

    @property
    def xfailed(self) -> bool:
        """pytest's expected failure: Allure records it as skipped with an ``XFAIL`` message."""
        return self.message.lstrip().startswith("XFAIL")

    @property
    def issue(self) -> str | None:
        return next((url for kind, url in self.links if kind == "issue"), None)

    @property
    def headline(self) -> str:
        """The message's first meaningful line, without pytest's XFAIL/XPASS prefix."""
        for line in self.message.splitlines():
            text = line.strip()
            if text:
                return text.removeprefix("XFAIL ").removeprefix("XPASS ")[:300]
        return ""

    @property
    def failure_line(self) -> str:
        """For a known defect, the actual error below the XFAIL reason; otherwise the headline."""
        lines = [line.strip() for line in self.message.splitlines() if line.strip()]
        if self.is_known_defect and len(lines) > 1:
            return lines[1][:300]
        return self.headline


@dataclass
class Results:
    outcomes: list[Outcome] = field(default_factory=list)
    environment: dict[str, str] = field(default_factory=dict)


def read_results(results_dir: Path) -> Results:
    """Every result in ``results_dir`` (the last attempt per test) and its environment."""
    latest: dict[str, tuple[int, Outcome]] = {}
    if results_dir.is_dir():
        for path in sorted(results_dir.glob("*-result.json")):
            try:
                raw = json.loads(path.read_text())
            except (OSError, ValueError):
                continue  # a half-written file from a killed worker is not a result
            outcome = _outcome(raw)
            key = str(raw.get("historyId") or outcome.full_name or path.name)
            if key not in latest or outcome.stop >= latest[key][0]:
                latest[key] = (outcome.stop, outcome)
    outcomes = sorted((o for _, o in latest.values()), key=lambda o: (o.area, o.full_name, o.name))
    return Results(outcomes=outcomes, environment=read_environment(results_dir))


def read_environment(results_dir: Path) -> dict[str, str]:
    path = results_dir / "environment.properties"
    if not path.exists():
        return {}
    values: dict[str, str] = {}
    for line in path.read_text().splitlines():
        if "=" in line and not line.lstrip().startswith("#"):
            key, value = line.split("=", 1)
            values[key.strip()] = value.strip().replace("\\n", "\n").replace("\\\\", "\\")
    return values


def set_environment_value(results_dir: Path, key: str, value: str) -> None:
    """Replace (or add) one ``key=value`` line, for facts only the report step knows (the Allure CLI)."""
    results_dir.mkdir(parents=True, exist_ok=True)
    path = results_dir / "environment.properties"
    lines = path.read_text().splitlines() if path.exists() else []
    kept = [line for line in lines if line.split("=", 1)[0].strip() != key]
    path.write_text("\n".join(sorted([*kept, f"{key}={value}"])) + "\n")


def _outcome(raw: dict[str, Any]) -> Outcome:
    labels = _labels(raw.get("labels") or [])
    details = raw.get("statusDetails") or {}
    try:
        status = Status(raw.get("status") or "unknown")
    except ValueError:
        status = Status.UNKNOWN
    start, stop = int(raw.get("start") or 0), int(raw.get("stop") or 0)
    return Outcome(
        name=str(raw.get("name") or raw.get("fullName") or "unnamed"),
        full_name=str(raw.get("fullName") or raw.get("name") or ""),
        status=status,
        message=str(details.get("message") or ""),
        epic=_first(labels, "epic"),
        feature=_first(labels, "feature"),
        story=_first(labels, "story"),
        suite=_first(labels, "parentSuite") or _first(labels, "suite"),
        tags=tuple(labels.get("tag", [])),
        known_test=_first(labels, LABEL),
        node_id=_first(labels, NODE_ID_LABEL),
        links=tuple(
            (str(link.get("type") or "link"), str(link["url"]))
            for link in raw.get("links") or []
            if link.get("url")
        ),
        duration_ms=max(stop - start, 0),
        stop=stop,
    )


def _labels(raw: Iterable[dict[str, Any]]) -> dict[str, list[str]]:
    labels: dict[str, list[str]] = {}
    for label in raw:
        if label.get("name") and label.get("value") is not None:
            labels.setdefault(str(label["name"]), []).append(str(label["value"]))
    return labels


def _first(labels: dict[str, list[str]], name: str) -> str:
    return labels.get(name, [""])[0]
