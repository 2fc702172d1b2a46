"""The sign-off report as a person sees it: rendered in headless Chromium, verdict and SLO table on screen."""

from __future__ import annotations

import os
from pathlib import Path

import allure
import pytest
from playwright.sync_api import Browser, expect

from staging.reports.build import build_reports
from tests.reports.synthetic import failed, known_failure, passed, write_load, write_run

pytestmark = pytest.mark.browser


@pytest.fixture
def chromium(browser: Browser) -> Browser:
    """The suite's own Chromium (fixtures/browser.py): a second Playwright in one worker would clash."""
    return browser


def evidence_dir(tmp_path: Path) -> Path:
    """Screenshots are kept in the session's run folder, next to its other evidence."""
    run_dir = os.environ.get("ALMARYA_RUN_DIR")
    return Path(run_dir) / "report-checks" if run_dir else tmp_path


@pytest.mark.parametrize(
    ("label", "results", "exit_status", "load_status", "slo_status"),
    [
        pytest.param(
            "NO-GO",
            [passed("test_a"), failed("test_b")],
            1,
            "breach",
            "breach",
            id="no-go-with-an-slo-breach",
        ),
        pytest.param(
            "GO",
            [passed("test_a"), known_failure("test_k", "e2e/test_delivery.py::test_k")],
            0,
            "pass",
            "pass",
            id="go-with-a-known-defect",
        ),
    ],
)
def test_the_rendered_report_shows_the_verdict_and_the_slo_table(
    chromium: Browser, tmp_path: Path, label, results, exit_status, load_status, slo_status
):
    """Headless Chromium shows the verdict badge, its reasons and the SLO table with the chart loaded."""
    run_dir = write_run(tmp_path / "run", results, exit_status=exit_status)
    write_load(run_dir, status=load_status, p95=640 if load_status == "breach" else 312)
    html = build_reports(run_dir, allure=False).signoff_html

    page = chromium.new_page(viewport={"width": 1280, "height": 900})
    try:
        page.goto(html.as_uri())
        with allure.step(f"The verdict {label} is on screen with its reasons"):
            expect(page.get_by_test_id("verdict-label")).to_have_text(label)
            expect(page.get_by_test_id("verdict-label")).to_be_visible()
            expect(page.get_by_test_id("verdict")).to_have_class(
                "verdict " + ("go" if label == "GO" else "nogo")
            )
            expect(page.get_by_test_id("verdict-reasons").locator("li").first).to_be_visible()
        with allure.step("The SLO table lists every objective with its status"):
            table = page.locator("#slo-table")
            expect(table).to_be_visible()
            expect(table.locator("tbody tr")).to_have_count(3)
            first_row = table.locator("tbody tr").first
            expect(first_row).to_contain_text("POST /api/orders p95")
            expect(first_row).to_contain_text(slo_status)
        with allure.step("The latency chart is embedded and loaded"):
            chart = page.get_by_test_id("latency-chart")
            expect(chart).to_be_visible()
            assert chart.evaluate("image => image.complete && image.naturalWidth > 0")
        with allure.step("Keep the screenshot"):
            folder = evidence_dir(tmp_path)
            folder.mkdir(parents=True, exist_ok=True)
            shot = folder / f"signoff-{label.lower()}.png"
            page.screenshot(path=shot, full_page=True)
            assert shot.stat().st_size > 20_000
            allure.attach.file(shot, name=f"sign-off ({label})", attachment_type=allure.attachment_type.PNG)
    finally:
        page.close()
