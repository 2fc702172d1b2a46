"""Read a JUnit XML file into the few figures a run summary prints."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class RunSummary:
    passed: int = 0
    failed: int = 0
    errors: int = 0
    skipped: int = 0
    known: int = 0  # known defects that failed as expected (xfail)
    failures: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.passed + self.failed + self.errors + self.skipped + self.known

    def line(self) -> str:
        parts = [f"{self.passed} passed", f"{self.failed} failed", f"{self.errors} errors"]
        if self.known:
            parts.append(f"{self.known} known defect(s)")
        return ", ".join([*parts, f"{self.skipped} skipped"])


def read_junit(path: Path) -> RunSummary:
    summary = RunSummary()
    if not path.exists():
        return summary
    root = ET.parse(path).getroot()  # noqa: S314 - the file our own pytest run just wrote
    for case in root.iter("testcase"):
        name = f"{case.get('classname', '')}::{case.get('name', '')}"
        if case.find("failure") is not None:
            summary.failed += 1
            summary.failures.append(name)
        elif case.find("error") is not None:
            summary.errors += 1
            summary.failures.append(name)
        elif (skipped := case.find("skipped")) is not None:
            # pytest writes an expected failure (a known defect, fixtures/reporting.py) as a skip.
            if skipped.get("type") == "pytest.xfail":
                summary.known += 1
            else:
                summary.skipped += 1
        else:
            summary.passed += 1
    return summary
