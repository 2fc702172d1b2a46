"""``session.json``: what the pytest controller knew at the end of a session, kept in the run folder.

The verdict needs facts that are not in the Allure results: pytest's exit status (5 = no test ran, 2 =
interrupted) and the known-defects entries in force, so a run folder can be judged again later on its own.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

FILE_NAME = "session.json"


@dataclass
class SessionRecord:
    exit_status: int | None = None
    started: str = ""
    finished: str = ""
    collected: int = 0
    known_defects: list[dict[str, str]] = field(default_factory=list)

    def write(self, run_dir: Path) -> None:
        run_dir.mkdir(parents=True, exist_ok=True)
        (run_dir / FILE_NAME).write_text(json.dumps(asdict(self), indent=2) + "\n")


def read_session(run_dir: Path) -> SessionRecord | None:
    path = run_dir / FILE_NAME
    try:
        raw: dict[str, Any] = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    status = raw.get("exit_status")
    return SessionRecord(
        exit_status=int(status) if isinstance(status, int) else None,
        started=str(raw.get("started") or ""),
        finished=str(raw.get("finished") or ""),
        collected=int(raw.get("collected") or 0),
        known_defects=[dict(entry) for entry in raw.get("known_defects") or [] if isinstance(entry, dict)],
    )
