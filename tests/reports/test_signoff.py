"""The sign-off report: one self-contained HTML file and a Markdown summary, with the trend across runs."""

from __future__ import annotations

import io
from html.parser import HTMLParser
from pathlib import Path

import pytest
from PIL import Image

from staging.core import StagingError
from staging.reports.build import HISTORY_ENV, build_reports
from staging.reports.history import read_trend
from tests.reports.synthetic import ISSUE, failed, known_failure, passed, write_load, write_run

KNOWN_ID = "e2e/test_delivery.py::test_a_driver_holds_one_order"


class Resources(HTMLParser):
    """Every URL the page would load by itself (scripts, styles, images, frames)."""

    def __init__(self) -> None:
        super().__init__()
        self.loaded: list[str] = []
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag in ("img", "script", "iframe", "source") and values.get("src"):
            self.loaded.append(values["src"] or "")
        if tag == "link":
            self.loaded.append(values.get("href") or "")
        if tag == "a":
            self.links.append(values.get("href") or "")


def resources(html: str) -> Resources:
    parser = Resources()
    parser.feed(html)
    return parser


def png(width: int = 40, height: int = 20) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (30, 120, 70)).save(buffer, format="PNG")
    return buffer.getvalue()


def test_the_html_is_one_self_contained_file_with_every_section(tmp_path: Path):
    """Only data: URIs are loaded; verdict, areas, known defects, SLOs, chart and environment are there."""
    run_dir = write_run(
        tmp_path / "run",
        [passed("test_a"), known_failure("test_k", KNOWN_ID)],
        known_entries=[{"test": KNOWN_ID, "issue": ISSUE, "reason": "the driver can hold two orders"}],
        environment={"tool.playwright": "1.65.2"},
    )
    write_load(run_dir, chart=png())
    (run_dir / "screenshots").mkdir()
    for name in ("test_refund-Dashboard", "test_refund-Order-ALM-1", "test_other-Dashboard"):
        (run_dir / "screenshots" / f"{name}.png").write_bytes(png())

    built = build_reports(run_dir, allure=False)

    html = built.signoff_html.read_text()
    found = resources(html)
    assert found.loaded, "the chart and the screenshot are images"
    assert all(src.startswith("data:image/png;base64,") for src in found.loaded), found.loaded
    assert ISSUE in found.links
    for text in (
        ">GO<",
        "The release can proceed",
        "Orders / Delivery",
        KNOWN_ID,
        "the driver can hold two orders",
        'id="slo-table"',
        "POST /api/orders p95",
        "≤ 500 ms",
        "312 ms",
        'data-testid="latency-chart"',
        "Dashboard — from test other",
        "Order — from test refund",
        "tool.playwright",
        "1.65.2",
    ):
        assert text in html, text
    assert len(found.loaded) == 3, "the chart and one screenshot per page"


def test_without_a_chart_the_latency_chart_is_drawn_from_the_endpoint_figures(tmp_path: Path):
    """slo.json's endpoints become a PNG chart embedded in the page."""
    run_dir = write_run(tmp_path / "run", [passed("test_a")])
    write_load(run_dir, chart=None)
    html = build_reports(run_dir, allure=False).signoff_html.read_text()
    assert 'data-testid="latency-chart"' in html
    [chart] = resources(html).loaded
    assert len(chart) > 5_000, "a real chart, not an empty image"


def test_without_load_results_the_slos_are_not_measured(tmp_path: Path):
    """No load run in the folder: the report says so instead of showing an empty table."""
    run_dir = write_run(tmp_path / "run", [passed("test_a")])
    built = build_reports(run_dir, allure=False)
    assert "Not measured in this run" in built.signoff_html.read_text()
    assert 'id="slo-table"' not in built.signoff_html.read_text()
    assert "Not measured in this run." in built.signoff_md.read_text()


def test_the_markdown_summary_carries_the_verdict_the_failures_and_the_tables(tmp_path: Path):
    """A PR comment or job summary: verdict first, then areas, blocking failures, SLOs and environment."""
    run_dir = write_run(
        tmp_path / "run",
        [passed("test_a"), failed("test_b", message="AssertionError: assert 'a|b' == 'c'")],
        exit_status=1,
    )
    write_load(run_dir, status="breach", p95=640)
    markdown = build_reports(run_dir, allure=False).signoff_md.read_text()
    assert markdown.startswith("## ❌ NO-GO — Al Marya Rostery release sign-off\n")
    assert "- **1 blocking failure(s): e2e/test_synthetic.py::test_b.**" in markdown
    assert "- **SLO breach: POST /api/orders p95 640 ms (objective ≤ 500 ms).**" in markdown
    assert "| Orders / Delivery | 1 | 1 | 0 | 0 | fail |" in markdown
    assert "AssertionError: assert 'a\\|b' == 'c'" in markdown, "a | inside a cell is escaped"
    assert "| POST /api/orders p95 | ≤ 500 ms | 640 ms | 1200 | breach |" in markdown
    assert "| backend.version | 1.0.0 |" in markdown


def test_the_trend_continues_from_the_newest_sibling_run_and_a_rebuild_does_not_repeat_a_run(tmp_path: Path):
    """run 1, run 2: a trend of two; building run 2 again keeps two."""
    first = write_run(tmp_path / "runs" / "20261124-100000-aaaa", [passed("test_a")])
    build_reports(first, allure=False)
    second = write_run(
        tmp_path / "runs" / "20261124-110000-bbbb", [passed("test_a"), failed("test_b")], exit_status=1
    )
    built = build_reports(second, allure=False)
    assert [(p.run, p.verdict) for p in built.trend] == [(first.name, "GO"), (second.name, "NO-GO")]
    again = build_reports(second, allure=False)
    assert [p.run for p in again.trend] == [first.name, second.name]
    assert [p.run for p in read_trend(second / "allure-report" / "history")] == [first.name, second.name]
    html = again.signoff_html.read_text()
    assert first.name in html
    assert second.name in html


def test_history_can_come_from_a_published_report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """CI points ALMARYA_HISTORY_FROM at the report published on Pages; a wrong path is one clear error."""
    published = write_run(tmp_path / "elsewhere" / "published", [passed("test_a")])
    build_reports(published, allure=False)
    monkeypatch.setenv(HISTORY_ENV, str(published / "allure-report"))
    run_dir = write_run(tmp_path / "ci" / "e2e", [passed("test_a")])
    assert [p.run for p in build_reports(run_dir, allure=False).trend] == ["published", "e2e"]
    monkeypatch.setenv(HISTORY_ENV, str(tmp_path / "nowhere"))
    with pytest.raises(StagingError, match="no report history there"):
        build_reports(write_run(tmp_path / "ci" / "next", [passed("test_a")]), allure=False)
