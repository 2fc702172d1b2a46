"""The SLO file most gate tests judge against: p95 < 500 ms, p99 < 1000 ms, errors < 1%."""

from __future__ import annotations

import pytest

from load.slo import SloConfig, parse_slo


@pytest.fixture
def slo() -> SloConfig:
    return parse_slo(
        {
            "defaults": {"p95_ms": 500, "p99_ms": 1000, "error_ratio": 0.01},
            "aggregate": {"p95_ms": 500},
        }
    )
