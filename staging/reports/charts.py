"""Charts drawn for the sign-off report when the load run left numbers but no picture."""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")  # no display on CI machines; must precede pyplot's import
import matplotlib.pyplot as plt

from staging.reports.slo import EndpointLatency


def latency_chart(endpoints: list[EndpointLatency], objective_ms: float | None) -> bytes:
    """p50/p95/p99 per endpoint as grouped bars, with the p95 objective as a line; PNG bytes."""
    names = [e.name for e in endpoints]
    positions = range(len(endpoints))
    width = 0.27
    figure, axes = plt.subplots(figsize=(8, 0.6 * len(endpoints) + 1.6), dpi=110)
    try:
        for offset, (label, values, color) in enumerate(
            [
                ("p50", [e.p50_ms for e in endpoints], "#9bb7d4"),
                ("p95", [e.p95_ms for e in endpoints], "#2f5d8a"),
                ("p99", [e.p99_ms for e in endpoints], "#a3a3a3"),
            ]
        ):
            axes.barh(
                [p + (offset - 1) * width for p in positions], values, height=width, label=label, color=color
            )
        if objective_ms is not None:
            axes.axvline(objective_ms, color="#b3261e", linestyle="--", linewidth=1.2, label="p95 objective")
        axes.set_yticks(list(positions), names, fontsize=8)
        axes.invert_yaxis()
        axes.set_xlabel("response time (ms)")
        axes.legend(loc="lower right", fontsize=8)
        axes.grid(axis="x", alpha=0.3)
        figure.tight_layout()
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png")
        return buffer.getvalue()
    finally:
        plt.close(figure)
