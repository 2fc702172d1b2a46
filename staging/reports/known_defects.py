"""The known-defects file: test node id → issue link and reason.

A failing test listed there does not block the release gate; it is reported with its issue. When a listed
test passes again the reports say so, so the entry gets removed. The file lives at
``e2e/known_defects.toml``::

    [[defect]]
    test = "e2e/test_delivery.py::test_a_driver_cannot_hold_two_orders"
    issue = "https://github.com/al-marya/backend/issues/123"
    reason = "the backend lets a driver accept a second order while one is out for delivery"

``test`` is the pytest node id as pytest prints it. A parametrized test may be listed by its base id
(without ``[...]``) to cover every case, or by one case's id.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from staging.core import StagingError

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_PATH = REPO_ROOT / "e2e" / "known_defects.toml"

# The words that mark a known failure in a result's message; categories.json and the verdict match them.
MARKER = "Known defect"
TAG = "known-defect"  # an Allure tag, shown on the test in the report
LABEL = "known_defect"  # an Allure label holding the entry's node id, for the verdict
NODE_ID_LABEL = "nodeid"  # every result carries its pytest node id, the name the reports give a test


@dataclass(frozen=True)
class KnownDefect:
    test: str
    issue: str
    reason: str

    def xfail_reason(self) -> str:
        """What pytest and Allure show as the outcome's message: ``Known defect <issue>: <reason>``."""
        return f"{MARKER} {self.issue}: {self.reason}"


class KnownDefects(Mapping[str, KnownDefect]):
    """The entries by node id, with lookup that lets a base id cover its parametrized cases."""

    def __init__(self, entries: Iterable[KnownDefect] = ()) -> None:
        self._by_test = {entry.test: entry for entry in entries}

    def __getitem__(self, test: str) -> KnownDefect:
        return self._by_test[test]

    def __iter__(self):  # noqa: ANN204 - Mapping's own signature
        return iter(self._by_test)

    def __len__(self) -> int:
        return len(self._by_test)

    def for_test(self, nodeid: str) -> KnownDefect | None:
        return self._by_test.get(nodeid) or self._by_test.get(nodeid.split("[", 1)[0])

    def as_json(self) -> list[dict[str, str]]:
        return [{"test": d.test, "issue": d.issue, "reason": d.reason} for d in self._by_test.values()]


def load(path: Path = DEFAULT_PATH) -> KnownDefects:
    """Read and check the file; a missing file means no known defects. Mistakes give one clear line."""
    if not path.exists():
        return KnownDefects()
    try:
        data = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as exc:
        raise StagingError(f"{path}: not valid TOML: {exc}") from None
    unknown = set(data) - {"defect"}
    if unknown:
        raise StagingError(f"{path}: unknown top-level keys {sorted(unknown)}; entries are [[defect]] tables")
    entries: list[KnownDefect] = []
    for number, raw in enumerate(data.get("defect", []), start=1):
        entries.append(_entry(path, number, raw))
    seen: set[str] = set()
    for entry in entries:
        if entry.test in seen:
            raise StagingError(f"{path}: {entry.test} is listed twice")
        seen.add(entry.test)
    return KnownDefects(entries)


def _entry(path: Path, number: int, raw: object) -> KnownDefect:
    where = f"{path}: defect #{number}"
    if not isinstance(raw, dict):
        raise StagingError(f"{where}: expected a table with test, issue and reason")
    missing = [key for key in ("test", "issue", "reason") if not str(raw.get(key) or "").strip()]
    if missing:
        raise StagingError(f"{where}: missing {', '.join(missing)}")
    extra = set(raw) - {"test", "issue", "reason"}
    if extra:
        raise StagingError(f"{where}: unknown keys {sorted(extra)}")
    test, issue, reason = (str(raw[key]).strip() for key in ("test", "issue", "reason"))
    if "::" not in test:
        raise StagingError(f"{where}: test {test!r} is not a pytest node id (path::name)")
    if not issue.startswith(("https://", "http://")):
        raise StagingError(f"{where}: issue {issue!r} is not a link (https://...)")
    return KnownDefect(test=test, issue=issue, reason=reason)
