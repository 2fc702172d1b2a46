"""The release sign-off report: one self-contained HTML file and a Markdown summary per run.

The HTML carries its CSS inline and its pictures (latency chart, screenshots) as base64 data, so it can be
mailed, attached to a release or published as it is. The Markdown goes into a PR comment or a GitHub job
summary.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from staging.reports.history import TrendPoint
from staging.reports.verdict import Verdict

TEMPLATES = Path(__file__).resolve().parent / "templates"
HTML_FILE = "signoff.html"
MARKDOWN_FILE = "signoff.md"
SCREENSHOTS_DIR = "screenshots"
_MAX_SCREENSHOTS = 8
_MAX_SCREENSHOT_BYTES = 2_000_000  # keeps the one-file report mailable
_TREND_SHOWN = 10

# Environment keys shown first, in this order; the rest follow alphabetically.
_ENV_FIRST = ("target", "base_url", "backend.version", "defects", "suite.commit")


@dataclass
class SignoffInputs:
    run_name: str
    verdict: Verdict
    environment: dict[str, str] = field(default_factory=dict)
    trend: list[TrendPoint] = field(default_factory=list)
    screenshots: list[Path] = field(default_factory=list)
    allure_report: str | None = None  # relative link from the sign-off file to the Allure report
    generated: datetime = field(default_factory=lambda: datetime.now(UTC))


def render(inputs: SignoffInputs, out_dir: Path) -> tuple[Path, Path]:
    """Write ``signoff.html`` and ``signoff.md`` into ``out_dir``; returns their paths."""
    context = _context(inputs)
    html_path, md_path = out_dir / HTML_FILE, out_dir / MARKDOWN_FILE
    out_dir.mkdir(parents=True, exist_ok=True)
    html_path.write_text(_environment().get_template("signoff.html").render(**context))
    md_path.write_text(_environment().get_template("signoff.md").render(**context))
    return html_path, md_path


def screenshots_in(run_dir: Path) -> list[Path]:
    """Browser screenshots the admin-panel tests kept in ``<run_dir>/screenshots/``."""
    folder = run_dir / SCREENSHOTS_DIR
    return sorted(folder.glob("*.png")) if folder.is_dir() else []


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["md"] = _markdown_cell
    return env


def _context(inputs: SignoffInputs) -> dict[str, object]:
    verdict = inputs.verdict
    load = verdict.load
    chart = None
    if load is not None and load.chart_png:
        chart = load.chart_png
    elif load is not None and load.endpoints:
        from staging.reports.charts import latency_chart  # noqa: PLC0415 - matplotlib only when drawing

        objectives = [row.threshold for row in load.rows if row.unit == "ms" and row.threshold is not None]
        chart = latency_chart(load.endpoints, max(objectives) if objectives else None)
    trend = inputs.trend[-_TREND_SHOWN:]
    return {
        "run_name": inputs.run_name,
        "generated": inputs.generated.strftime("%Y-%m-%d %H:%M UTC"),
        "verdict": verdict,
        "counts": verdict.counts,
        "environment": _ordered(inputs.environment),
        "backend_version": inputs.environment.get("backend.version", "unknown"),
        "target": inputs.environment.get("target", "unknown"),
        "load": load,
        "worst_p95": _worst_p95(verdict),
        "chart": base64.b64encode(chart).decode() if chart else None,
        "trend": trend,
        "trend_bars": _trend_bars(trend),
        "screenshots": _screenshots(inputs.screenshots),
        "allure_report": inputs.allure_report,
    }


def _ordered(environment: dict[str, str]) -> list[tuple[str, str]]:
    first = [(key, environment[key]) for key in _ENV_FIRST if key in environment]
    rest = sorted((k, v) for k, v in environment.items() if k not in _ENV_FIRST)
    return first + rest


def _worst_p95(verdict: Verdict) -> str:
    load = verdict.load
    if load is None:
        return "not measured"
    return "—" if load.worst_p95_ms is None else f"{load.worst_p95_ms:.0f} ms"


def _trend_bars(trend: list[TrendPoint]) -> list[dict[str, object]]:
    """Stacked bars for an inline SVG: passed / known / failed per run, scaled to the largest run."""
    tallest = max([p.passed + p.failed + p.broken + p.known for p in trend] or [1]) or 1
    bars = []
    for index, point in enumerate(trend):
        scale = 120 / tallest
        passed, known, failed = (
            point.passed * scale,
            point.known * scale,
            (point.failed + point.broken) * scale,
        )
        bars.append(
            {
                "x": 10 + index * 56,
                "passed": passed,
                "known": known,
                "failed": failed,
                "top": 140 - passed - known - failed,
                "point": point,
            }
        )
    return bars


def _screenshots(paths: list[Path]) -> list[dict[str, str]]:
    """One screenshot per page of the panel (``<test>-<page>.png``), the first test's, up to a handful."""
    shown: list[dict[str, str]] = []
    pages: set[str] = set()
    for path in paths:
        test, page = _test_and_page(path.stem)
        if page.lower() in pages or len(shown) >= _MAX_SCREENSHOTS:
            continue
        data = path.read_bytes()
        if len(data) > _MAX_SCREENSHOT_BYTES:
            continue
        pages.add(page.lower())
        caption = f"{page} — from {test.replace('_', ' ')}" if test else page
        shown.append({"name": caption, "data": base64.b64encode(data).decode()})
    return shown


def _test_and_page(stem: str) -> tuple[str, str]:
    """``test_x-confirmed-Dashboard`` → (``test_x``, ``Dashboard``); ``test_x-Order-ALM-1`` → ``Order``."""
    test, _, rest = stem.partition("-")
    if not rest:
        return "", stem
    words = [word for word in rest.split("-") if word.isalpha()]
    capitalised = [word for word in words if word[0].isupper()]
    return test, (capitalised or words or [rest])[0]


def _markdown_cell(value: object) -> str:
    """Text safe inside a Markdown table cell."""
    return str(value).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ").strip()
