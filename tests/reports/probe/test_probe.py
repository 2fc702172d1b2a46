"""Probe tests for the report pipeline: one passes, one fails when asked, one uses the stack.

Collected only with ALMARYA_PROBE=1 (see ../conftest.py); test_run_reports.py runs them through
``almarya-qa run`` and judges the run folder it leaves.
"""

from __future__ import annotations

import os

import allure
import httpx

pytestmark = [allure.epic("Probe"), allure.feature("Report pipeline")]


def test_the_probe_passes():
    """Always passes."""
    with allure.step("Add two numbers"):
        assert 1 + 1 == 2


def test_the_probe_fails_when_asked():
    """Fails when ALMARYA_PROBE_FAIL=1, as a product defect would."""
    with allure.step("Check the probe was not asked to fail"):
        assert os.environ.get("ALMARYA_PROBE_FAIL") != "1", "the probe was asked to fail"


def test_the_probe_stack_answers(stack):
    """Opens the stack, so the environment gets the backend's version from a worker."""
    with allure.step("The backend answers GET /ready"):
        assert httpx.get(f"{stack.base_url}/ready", timeout=5.0).status_code == 200
