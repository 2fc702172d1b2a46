"""Locust's response-time histogram, reproduced exactly, and what its precision means for a limit.

Locust keeps response times rounded to about two significant digits (``locust.stats.bucket_response_time``):
1 ms steps below 100 ms, 10 ms steps up to 999 ms, 100 ms steps up to 9999 ms, then 1000 ms steps. A
percentile is therefore a bucket, not a time: a reported p95 of 500 ms means "somewhere in 495 to 505 ms". The
gate compares the whole bucket with the limit and says "at the limit" when the bucket straddles it.

This module must never import Locust (its gevent monkey-patching must stay out of the CLI and pytest);
``tests/load`` checks it against Locust's own functions in a subprocess.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from enum import StrEnum

# (from, to, step): Locust's rounding branches, in milliseconds.
BRANCHES: tuple[tuple[float, float, int], ...] = (
    (0, 100, 1),
    (100, 1000, 10),
    (1000, 10000, 100),
    (10000, math.inf, 1000),
)


class Position(StrEnum):
    BELOW = "below"
    AT = "at"  # the bucket straddles the limit: the histogram cannot tell
    ABOVE = "above"


def bucket(response_time_ms: float) -> int:
    """The histogram key Locust files a response time under (same branches, same banker's rounding)."""
    for start, end, step in BRANCHES:
        if start <= response_time_ms < end:
            return int(round(response_time_ms, -round(math.log10(step))))
    return round(response_time_ms)  # negative times do not happen; keep Locust's behaviour anyway


def bucket_bounds(value: int) -> tuple[float, float]:
    """The range of raw times (ms) that Locust reports as ``value``: its preimage under ``bucket``.

    The ends are approximate by half a rounding tie (ties go to the even neighbour), which matters only
    for times that land exactly on a tie.
    """
    low, high = math.inf, -math.inf
    for start, end, step in BRANCHES:
        if value % step:
            continue  # this branch only produces multiples of its step
        lo, hi = max(value - step / 2, start), min(value + step / 2, end)
        if lo < hi or (lo == hi and start <= lo < end):
            low, high = min(low, lo), max(high, hi)
    if low > high:  # not a key Locust can produce; treat it as exact
        return float(value), float(value)
    return low, high


def position(value: int, limit: float) -> Position:
    """Where the whole bucket of ``value`` lies against the limit of a ``< limit`` check."""
    low, high = bucket_bounds(value)
    if high < limit:
        return Position.BELOW
    if low >= limit:
        return Position.ABOVE
    return Position.AT


def precision_ms(value: int) -> float:
    """Half the width of the bucket: the "±" a reported percentile carries."""
    low, high = bucket_bounds(value)
    return (high - low) / 2


def percentile(histogram: Mapping[int, int], count: int, fraction: float) -> int | None:
    """Locust's ``calculate_response_time_percentile``: the bucket holding the ``fraction`` quantile.

    None when nothing was measured (Locust prints "N/A").
    """
    if count <= 0 or not histogram:
        return None
    wanted = int(count * fraction)
    processed = 0
    for response_time in sorted(histogram, reverse=True):
        processed += histogram[response_time]
        if count - processed <= wanted:
            return response_time
    return 0


def merge(*histograms: Mapping[int, int]) -> dict[int, int]:
    merged: dict[int, int] = {}
    for histogram in histograms:
        for key, hits in histogram.items():
            merged[key] = merged.get(key, 0) + hits
    return merged


def subtract(later: Mapping[int, int], earlier: Mapping[int, int]) -> dict[int, int]:
    """The requests recorded between two cumulative snapshots of the same histogram."""
    delta = {key: later.get(key, 0) - earlier.get(key, 0) for key in later}
    return {key: hits for key, hits in delta.items() if hits > 0}
