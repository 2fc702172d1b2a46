"""The comparison with the previous run of the same profile: p95 change per endpoint, flagged past both
thresholds."""

from __future__ import annotations

from pathlib import Path

from load import history
from load.slo import ComparisonSettings

SETTINGS = ComparisonSettings(p95_change_percent=25, p95_change_min_ms=20)


def test_the_first_run_has_nothing_to_compare_with(tmp_path: Path):
    """No history: the comparison says so rather than inventing a baseline."""
    result = history.compare(history.read_history(tmp_path, "smoke"), {"GET /api/orders": 20.0}, SETTINGS)
    assert result.baseline is None
    assert "no earlier valid run" in history.comparison_text(result, SETTINGS)


def test_changes_are_flagged_only_past_both_thresholds(tmp_path: Path):
    """+690 ms is flagged slower; +8 ms on a 10 ms endpoint (80%) is noise under 20 ms; -60% is faster."""
    history.record(
        tmp_path,
        "smoke",
        history.entry(
            tmp_path / "r1",
            "pass",
            {"GET /api/orders": 10.0, "GET /api/coffees": 10.0, "POST /api/orders": 100.0},
            {},
        ),
    )
    now = {"GET /api/orders": 700.0, "GET /api/coffees": 18.0, "POST /api/orders": 40.0, "GET /alive": 1.0}
    result = history.compare(history.read_history(tmp_path, "smoke"), now, SETTINGS)
    flags = {c.endpoint: c.flag for c in result.changes}
    assert flags == {
        "GET /api/orders": "slower",
        "GET /api/coffees": "",
        "POST /api/orders": "faster",
        "GET /alive": "new",
    }
    orders = next(c for c in result.changes if c.endpoint == "GET /api/orders")
    assert orders.delta_ms == 690
    text = history.comparison_text(result, SETTINGS)
    assert "⚠ slower" in text
    assert "+690ms (+6900%)" in text


def test_an_invalid_run_is_never_the_baseline(tmp_path: Path):
    """The previous *valid* run is compared with: an invalid run measured its generator."""
    history.record(tmp_path, "smoke", history.entry(tmp_path / "good", "pass", {"GET /api/orders": 20.0}, {}))
    history.record(
        tmp_path, "smoke", history.entry(tmp_path / "bad", "invalid run", {"GET /api/orders": 900.0}, {})
    )
    result = history.compare(history.read_history(tmp_path, "smoke"), {"GET /api/orders": 25.0}, SETTINGS)
    assert result.baseline is not None
    assert result.baseline["run_dir"] == str(tmp_path / "good")
    assert history.read_history(tmp_path, "nightly") == []
