"""The run plan: everything the Locust processes need, handed over as one JSON file.

The CLI writes it (actors' tokens included) into a temporary directory removed after the run, and passes
its path in ``ALMARYA_LOAD_PLAN``; the locustfile reads it in the master and in every worker.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from load.profile import Profile, RoleMix
from load.stages import Stage

PLAN_ENV = "ALMARYA_LOAD_PLAN"
# What the Locust master leaves in the run's locust/ folder for the gate (load/listeners.py, load/shape.py).
FINAL_STATS = "final_stats.json"
STEPS = "steps.json"
LOOP_LAG = "loop_lag-{pid}.json"


@dataclass(frozen=True)
class Actor:
    """A person created before the load, as a Locust user borrows it."""

    id: str
    token: str


@dataclass(frozen=True)
class Plan:
    profile: str
    roles: dict[str, RoleMix]
    stages: list[Stage]
    settle_s: float  # stress: seconds into a step before its measurement starts
    workers: int  # 0: one Locust process; N: a master and N workers
    output_dir: str  # where the master writes final_stats.json and steps.json
    slo_path: str  # the stress shape judges each step with the same SLO file
    customers: list[Actor] = field(default_factory=list)
    staff: list[Actor] = field(default_factory=list)
    drivers: list[Actor] = field(default_factory=list)
    order_bodies: list[dict[str, Any]] = field(default_factory=list)  # POST /api/orders bodies
    coffee_ids: list[str] = field(default_factory=list)
    register_during_load: bool = False
    burn_ms: float = 0.0  # starved-generator self-test: CPU burned by Locust after each request

    @property
    def is_stepped(self) -> bool:
        return any(stage.step is not None for stage in self.stages)

    def write(self, path: Path) -> None:
        path.write_text(json.dumps(asdict(self)))
        path.chmod(0o600)  # it holds tokens


def plan_for(profile: Profile, stages: list[Stage], **values: Any) -> Plan:
    settle = getattr(profile.shape, "settle_s", 0.0)
    return Plan(profile=profile.name, roles=profile.roles, stages=stages, settle_s=settle, **values)


def read_plan(path: Path) -> Plan:
    raw = json.loads(path.read_text())
    return Plan(
        profile=raw["profile"],
        roles={
            name: RoleMix(**{**mix, "think_time_s": tuple(mix["think_time_s"])})
            for name, mix in raw["roles"].items()
        },
        stages=[Stage(**stage) for stage in raw["stages"]],
        settle_s=float(raw["settle_s"]),
        workers=int(raw["workers"]),
        output_dir=raw["output_dir"],
        slo_path=raw["slo_path"],
        customers=[Actor(**a) for a in raw["customers"]],
        staff=[Actor(**a) for a in raw["staff"]],
        drivers=[Actor(**a) for a in raw["drivers"]],
        order_bodies=raw["order_bodies"],
        coffee_ids=raw["coffee_ids"],
        register_during_load=bool(raw["register_during_load"]),
        burn_ms=float(raw.get("burn_ms", 0.0)),
    )


def plan_from_env() -> Plan:
    path = os.environ.get(PLAN_ENV)
    if not path:
        raise RuntimeError(f"{PLAN_ENV} is not set: run the load test with `almarya-qa load`")
    return read_plan(Path(path))
