"""Inside the Locust master (or the single Locust process): the files the gate reads afterwards.

- ``final_stats.json``: every endpoint's cumulative histogram, written when Locust quits (after the last
  request; Locust's own ``*_stats.csv`` is rewritten once a second and may miss the final moments), with
  the start and stop time of the measured phase.
- ``steps.json`` (stress): one cumulative snapshot at each step's measurement start and end.

Imported only inside Locust processes.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import gevent
from locust import events
from locust.env import Environment
from locust.runners import WorkerRunner
from locust.stats import RequestStats

from load.plan import FINAL_STATS, LOOP_LAG, Plan

LAG_INTERVAL_S = 0.1


def watch_loop_lag(samples: list[tuple[float, float]]) -> None:
    """How late this process's event loop wakes a greenlet that asked to sleep ``LAG_INTERVAL_S``.

    A generator that cannot keep its schedule (busy, or waiting for a CPU) times every response late by
    about this much: the direct measure of how far its figures can be trusted.
    """
    while True:
        asked = time.perf_counter()
        gevent.sleep(LAG_INTERVAL_S)
        samples.append((time.time(), (time.perf_counter() - asked - LAG_INTERVAL_S) * 1000))


def snapshot(stats: RequestStats) -> dict[str, Any]:
    """Cumulative figures of every endpoint, in the form ``load.stats.stats_from_dict`` reads."""
    entries = [
        {
            "method": entry.method,
            "name": entry.name,
            "num_requests": entry.num_requests,
            "num_failures": entry.num_failures,
            "response_times": dict(entry.response_times),
            "total_response_time": entry.total_response_time,
        }
        for entry in stats.entries.values()
    ]
    errors = [
        {"method": e.method, "name": e.name, "error": str(e.error), "occurrences": e.occurrences}
        for e in stats.errors.values()
    ]
    return {"entries": entries, "errors": errors, "at": time.time()}


def install(plan: Plan) -> None:
    output = Path(plan.output_dir)
    window: dict[str, float] = {}
    state: dict[str, Environment] = {}

    lags: list[tuple[float, float]] = []

    @events.init.add_listener
    def remember(environment: Environment, **_: Any) -> None:
        state["environment"] = environment
        gevent.spawn(watch_loop_lag, lags)

    @events.test_start.add_listener
    def started(environment: Environment, **_: Any) -> None:
        window.setdefault("test_start", time.time())

    @events.test_stop.add_listener
    def stopped(environment: Environment, **_: Any) -> None:
        window["test_stop"] = time.time()

    @events.quit.add_listener
    def dump(**_: Any) -> None:
        output.mkdir(parents=True, exist_ok=True)
        # Every process (master, workers) leaves its own loop lag; the CLI knows which pid is which.
        (output / LOOP_LAG.format(pid=os.getpid())).write_text(json.dumps(lags))
        environment = state.get("environment")
        if environment is None or environment.runner is None or isinstance(environment.runner, WorkerRunner):
            return
        body = snapshot(environment.runner.stats) | window
        (output / FINAL_STATS).write_text(json.dumps(body))
