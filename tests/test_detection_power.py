"""The suite catches every injected defect and passes against the clean reference backend (`almarya-qa
selftest`): the gate's proof that it notices what a careless change breaks."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import allure
import pytest

from staging.reference.defects import detection_defects

REPO = Path(__file__).resolve().parent.parent
SELFTEST_TIMEOUT = 840  # seconds; the whole test command must stay within CI's 15 minutes


@pytest.mark.timeout(SELFTEST_TIMEOUT + 60)
def test_every_injected_defect_is_caught_and_the_clean_backend_passes(tmp_path: Path):
    """`almarya-qa selftest` exits 0, prints 100 % detection power, and leaves the table in Allure."""
    result = subprocess.run(
        [sys.executable, "-m", "staging.cli", "selftest", "--run-dir", str(tmp_path)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=SELFTEST_TIMEOUT,
        check=False,
    )
    output = result.stdout + result.stderr
    table = tmp_path / "selftest" / "detection-power.txt"
    # The table goes into this run's Allure report too, caught or not.
    allure.attach(
        table.read_text() if table.exists() else output[-8000:],
        name="detection power table",
        attachment_type=allure.attachment_type.TEXT,
    )
    total = len(detection_defects())
    assert "clean reference backend: GREEN" in output, output[-4000:]
    assert f"detection power: {total}/{total} = 100%" in output, output[-4000:]
    assert result.returncode == 0, output[-4000:]
    assert "Traceback" not in output

    summary = json.loads((tmp_path / "selftest" / "detection-power.json").read_text())
    assert summary["caught"] == summary["total"] == total
    assert all(d["verdict"] == "CAUGHT" and d["caught_by"] for d in summary["defects"])

    allure_results = [json.loads(p.read_text()) for p in (tmp_path / "allure-results").glob("*-result.json")]
    power = [r for r in allure_results if r.get("fullName") == "staging.selftest.detection_power"]
    assert len(power) == 1, "the detection power result is not in the run's Allure results"
    assert power[0]["status"] == "passed"
    attached = [tmp_path / "allure-results" / a["source"] for a in power[0]["attachments"]]
    assert all(path.exists() for path in attached)
    assert re.search(r"detection power: \d+/\d+ = 100%", attached[0].read_text())
