"""Small builders for the load harness's unit tests: statistics as data."""

from __future__ import annotations

from load.stats import EndpointStats, RunStats


def endpoint(key: str, histogram: dict[int, int], failures: int = 0) -> EndpointStats:
    """``endpoint("GET /api/orders", {20: 95, 700: 5})``: Locust's bucketed times and their counts."""
    method, _, name = key.partition(" ")
    requests = sum(histogram.values())
    total_ms = float(sum(k * v for k, v in histogram.items()))
    return EndpointStats(method, name, requests, failures, histogram, total_ms)


def run_stats(*endpoints: EndpointStats) -> RunStats:
    return RunStats(tuple(endpoints))
