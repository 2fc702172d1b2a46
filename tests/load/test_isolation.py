"""Locust's gevent monkey-patching stays inside the Locust processes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_the_cli_and_the_gate_never_import_locust():
    """Importing the CLI and everything the gate uses loads neither locust nor gevent."""
    script = (
        "import sys\n"
        "import staging.cli, load.session, load.bench\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('locust', 'gevent')))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.strip() == "[]"
