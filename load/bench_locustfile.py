"""The generator-efficiency benchmark's Locust side: users that hit one endpoint as fast as they can.

``ALMARYA_BENCH_USER`` picks the client (``fast``: FastHttpUser, geventhttpclient; ``http``: HttpUser,
requests); ``ALMARYA_BENCH_OUT`` names the JSON file that receives the requests made and the CPU time this
process spent between the start and the stop of the test (Locust's own start-up is not counted).
Run by ``almarya-qa bench locust-vs-wrk`` only.
"""

from __future__ import annotations

import json
import os
import resource
import time
from pathlib import Path
from typing import Any

from locust import FastHttpUser, HttpUser, constant, events, task
from locust.env import Environment

PATH = os.environ.get("ALMARYA_BENCH_PATH", "/alive")
_marks: dict[str, float] = {}


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


if os.environ.get("ALMARYA_BENCH_USER", "fast") == "fast":

    class FastAlive(FastHttpUser):
        wait_time = constant(0)
        network_timeout = 10.0
        connection_timeout = 5.0

        @task
        def alive(self) -> None:
            self.client.get(PATH)

else:

    class PlainAlive(HttpUser):
        wait_time = constant(0)

        @task
        def alive(self) -> None:
            self.client.get(PATH, timeout=10)


@events.test_start.add_listener
def started(environment: Environment, **_: Any) -> None:
    _marks.update(cpu=_cpu_seconds(), wall=time.monotonic())


@events.test_stop.add_listener
def stopped(environment: Environment, **_: Any) -> None:
    assert environment.runner is not None
    total = environment.runner.stats.total
    result = {
        "requests": total.num_requests,
        "failures": total.num_failures,
        "cpu_s": _cpu_seconds() - _marks["cpu"],
        "wall_s": time.monotonic() - _marks["wall"],
    }
    Path(os.environ["ALMARYA_BENCH_OUT"]).write_text(json.dumps(result))
