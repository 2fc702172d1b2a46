"""The profile's load shape as a Locust ``LoadTestShape``; for stress, the judge that ends the run.

A stress step is measured from ``settle_s`` after it starts to its end, from cumulative snapshots (never
Locust's "current" percentiles, which cover a trailing window only). The first step whose requests breach
the SLO ends the run; the CLI reads ``steps.json`` afterwards and names the capacity knee, weighing the
generator's CPU per step. In distributed mode the master's figures lag the workers' by up to one report
interval (3 s), which the settle time absorbs.

Imported only inside Locust processes.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, ClassVar

import gevent
from locust import LoadTestShape
from locust.runners import MasterRunner
from locust.stats import RequestStats

from load.gate import evaluate
from load.listeners import snapshot
from load.plan import STEPS, Plan
from load.slo import load_slo
from load.stages import Stage, stage_at
from load.stats import stats_from_dict


class StepJudge:
    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.slo = load_slo(Path(plan.slo_path))
        self.path = Path(plan.output_dir) / STEPS
        self.steps: list[dict[str, Any]] = []
        self.open: dict[str, Any] | None = None

    def observe(self, stage: Stage | None, elapsed: float, stats: RequestStats) -> bool:
        """Open and close step measurements; True once a step has breached the SLO."""
        closing = self.open is not None and (stage is None or stage.step != self.open["step"])
        if closing and self._close(stats):
            return True
        if stage is None or stage.step is None or any(s["step"] == stage.step for s in self.steps):
            return False
        if self.open is None:
            began = self._began(stage)
            if elapsed >= began + self.plan.settle_s:
                self.open = {"step": stage.step, "users": stage.users, "start": snapshot(stats)}
        return False

    def _began(self, stage: Stage) -> float:
        index = self.plan.stages.index(stage)
        return self.plan.stages[index - 1].until_s if index else 0.0

    def _close(self, stats: RequestStats) -> bool:
        assert self.open is not None
        step, self.open = self.open, None
        step["end"] = snapshot(stats)
        window = stats_from_dict(step["end"]).since(stats_from_dict(step["start"]))
        step["held"] = evaluate(window, self.slo).passed
        self.steps.append(step)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(json.dumps(self.steps))
        return not step["held"]


class ProfileShape(LoadTestShape):
    """Holds each stage's user count until its end; stops after the last one (or a breaching step)."""

    abstract = True  # the locustfile binds a concrete subclass to the plan
    plan: ClassVar[Plan]

    def __init__(self) -> None:
        super().__init__()
        self.judge = StepJudge(self.plan) if self.plan.is_stepped else None
        self.last: tuple[int, float] = (0, 1.0)
        self.quitting = False

    def tick(self) -> tuple[int, float] | None:
        elapsed = self.get_run_time()
        stage = stage_at(self.plan.stages, elapsed)
        judged = self.judge is not None and self.runner is not None
        if judged and self.judge.observe(stage, elapsed, self.runner.stats):  # type: ignore[union-attr]
            return self._end()
        if stage is None:
            return self._end()
        self.last = (stage.users, stage.spawn_rate)
        return self.last

    def _end(self) -> tuple[int, float] | None:
        """End the run. A headless master whose shape returns None never exits (locustio/locust#1869): its
        shape greenlet quits the runner whose greenlet group it belongs to. There, quit from a greenlet of
        our own and keep the current load meanwhile; a single process ends the normal way."""
        if not isinstance(self.runner, MasterRunner):
            return None
        if not self.quitting:
            self.quitting = True
            gevent.spawn(self.runner.quit)
        return self.last


def configure(plan: Plan) -> type[ProfileShape]:
    return type("ProfileShapeForPlan", (ProfileShape,), {"abstract": False, "plan": plan})
