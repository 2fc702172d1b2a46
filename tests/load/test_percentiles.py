"""Locust's histogram reproduced exactly, and the limit read against a whole bucket."""

from __future__ import annotations

import json
import random
import subprocess
import sys

import pytest

from load.percentiles import Position, bucket, bucket_bounds, percentile, position, precision_ms, subtract


@pytest.mark.parametrize(
    ("raw_ms", "key"),
    [
        pytest.param(42.4, 42, id="exact-below-100"),
        pytest.param(99.6, 100, id="rounds-up-into-100"),
        pytest.param(147, 150, id="10ms-steps"),
        pytest.param(495.0, 500, id="tie-to-even-up"),
        pytest.param(505.0, 500, id="tie-to-even-down"),
        pytest.param(505.1, 510, id="past-the-tie"),
        pytest.param(3432, 3400, id="100ms-steps"),
        pytest.param(58760, 59000, id="1000ms-steps"),
    ],
)
def test_bucket_files_a_time_where_locust_does(raw_ms: float, key: int):
    """The bucket of a raw time is Locust's histogram key for it."""
    assert bucket(raw_ms) == key


@pytest.mark.parametrize(
    ("value", "bounds", "plus_minus"),
    [
        pytest.param(42, (41.5, 42.5), 0.5, id="1ms-bucket"),
        pytest.param(500, (495, 505), 5, id="10ms-bucket"),
        pytest.param(100, (99.5, 105), 2.75, id="branch-edge"),
        pytest.param(3400, (3350, 3450), 50, id="100ms-bucket"),
    ],
)
def test_bucket_bounds_are_the_times_reported_as_the_value(
    value: int, bounds: tuple[float, float], plus_minus: float
):
    """A reported figure stands for a range of raw times; the gate states that range."""
    assert bucket_bounds(value) == bounds
    assert precision_ms(value) == plus_minus


@pytest.mark.parametrize(
    ("value", "limit", "where"),
    [
        pytest.param(490, 500, Position.BELOW, id="whole-bucket-below"),
        pytest.param(500, 500, Position.AT, id="bucket-straddles-limit"),
        pytest.param(510, 500, Position.ABOVE, id="whole-bucket-above"),
        pytest.param(500, 506, Position.BELOW, id="limit-past-bucket"),
        pytest.param(99, 100, Position.BELOW, id="exact-bucket-below"),
    ],
)
def test_position_compares_the_whole_bucket_with_the_limit(value: int, limit: float, where: Position):
    """Only a bucket entirely below the limit passes; one that straddles it is "at the limit"."""
    assert position(value, limit) is where


def test_percentile_picks_the_bucket_holding_the_quantile():
    """96 fast requests and 4 slow ones: p95 is the fast bucket, p99 the slow one (Locust's rule)."""
    histogram = {10: 96, 700: 4}
    assert percentile(histogram, 100, 0.95) == 10
    assert percentile(histogram, 100, 0.99) == 700
    assert percentile({}, 0, 0.95) is None


def test_subtract_leaves_the_requests_between_two_snapshots():
    """A stress step is the difference between two cumulative histograms."""
    assert subtract({10: 5, 20: 3, 30: 1}, {10: 2, 20: 3}) == {10: 3, 30: 1}


def test_the_reimplementation_agrees_with_locust_itself():
    """Checked against Locust's own functions, in a subprocess (Locust must not be imported here)."""
    rng = random.Random(7)  # noqa: S311 - reproducible test data, not security
    times = [
        rng.choice((rng.uniform(0, 120), rng.uniform(90, 1100), rng.uniform(900, 20000))) for _ in range(400)
    ]
    histogram: dict[int, int] = {}
    for raw in times:
        histogram[bucket(raw)] = histogram.get(bucket(raw), 0) + 1
    fractions = [0.5, 0.9, 0.95, 0.99, 0.999]
    script = (
        "import json, sys\n"
        "from locust.stats import bucket_response_time, calculate_response_time_percentile\n"
        "data = json.load(sys.stdin)\n"
        "keys = [bucket_response_time(t) for t in data['times']]\n"
        "hist = {}\n"
        "for k in keys: hist[k] = hist.get(k, 0) + 1\n"
        "print(json.dumps({'keys': keys, 'p': [calculate_response_time_percentile(hist, len(keys), f)"
        " for f in data['fractions']]}))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        input=json.dumps({"times": times, "fractions": fractions}),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    theirs = json.loads(result.stdout.strip().splitlines()[-1])
    assert [bucket(t) for t in times] == theirs["keys"]
    assert [percentile(histogram, len(times), f) for f in fractions] == theirs["p"]
