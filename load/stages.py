"""Load shapes as plain data: a list of stages, each holding a user count until a time.

Pure and free of Locust, so the CLI, the tests and the Locust shape class (``load/shape.py``) share it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, ClassVar


@dataclass(frozen=True)
class Stage:
    """Hold ``users`` (reached at ``spawn_rate`` users/s) until ``until_s`` seconds after the start."""

    until_s: float
    users: int
    spawn_rate: float
    step: int | None = None  # stress: which step this is (0, 1, ...)


@dataclass(frozen=True)
class SteadyShape:
    """Smoke: reach ``users`` at once and hold them."""

    kind: ClassVar[str] = "steady"
    users: int
    spawn_rate: float
    duration_s: float

    def stages(self) -> list[Stage]:
        return [Stage(self.duration_s, self.users, self.spawn_rate)]

    @property
    def peak_users(self) -> int:
        return self.users


@dataclass(frozen=True)
class RampShape:
    """Nightly: ramp up, hold, ramp down."""

    kind: ClassVar[str] = "ramp"
    users: int
    ramp_up_s: float
    hold_s: float
    ramp_down_s: float

    def stages(self) -> list[Stage]:
        up = self.users / self.ramp_up_s
        down = self.users / self.ramp_down_s
        return [
            Stage(self.ramp_up_s, self.users, up),
            Stage(self.ramp_up_s + self.hold_s, self.users, up),
            Stage(self.ramp_up_s + self.hold_s + self.ramp_down_s, 0, down),
        ]

    @property
    def peak_users(self) -> int:
        return self.users


@dataclass(frozen=True)
class StepShape:
    """Stress: add ``step_users`` every ``step_s`` seconds up to ``max_users``, stopping once the SLO breaks.

    Each step is judged on its own requests after ``settle_s`` seconds (the new users' start-up excluded).
    """

    kind: ClassVar[str] = "steps"
    start_users: int
    step_users: int
    step_s: float
    max_users: int
    spawn_rate: float
    settle_s: float = 5.0

    def stages(self) -> list[Stage]:
        counts = range(self.start_users, self.max_users + 1, self.step_users)
        return [
            Stage((index + 1) * self.step_s, users, self.spawn_rate, step=index)
            for index, users in enumerate(counts)
        ]

    @property
    def peak_users(self) -> int:
        return self.stages()[-1].users


Shape = SteadyShape | RampShape | StepShape
_KINDS: dict[str, type[SteadyShape] | type[RampShape] | type[StepShape]] = {
    cls.kind: cls for cls in (SteadyShape, RampShape, StepShape)
}


def duration_of(shape: Shape) -> float:
    return shape.stages()[-1].until_s


def stage_at(stages: list[Stage], elapsed_s: float) -> Stage | None:
    """The stage in force ``elapsed_s`` seconds after the start; None once the last one has ended."""
    return next((stage for stage in stages if elapsed_s < stage.until_s), None)


def capped(stages: list[Stage], max_users: int | None) -> list[Stage]:
    """The same stages with no more than ``max_users`` users (the safety cap for remote targets)."""
    if max_users is None:
        return stages
    return [
        Stage(s.until_s, min(s.users, max_users), min(s.spawn_rate, float(max_users)), s.step) for s in stages
    ]


def shape_to_dict(shape: Shape) -> dict[str, Any]:
    return {"kind": shape.kind, **asdict(shape)}


def parse_shape(raw: dict[str, Any]) -> Shape:
    """A shape from its TOML table; ``ValueError`` names the first problem."""
    kind = raw.get("kind")
    if kind not in _KINDS:
        raise ValueError(f"kind must be one of {', '.join(_KINDS)}, got {kind!r}")
    cls = _KINDS[kind]
    fields = {name for name in cls.__dataclass_fields__ if name != "kind"}
    unknown = sorted(set(raw) - fields - {"kind"})
    if unknown:
        raise ValueError(f"unknown setting(s) for kind {kind!r}: {', '.join(unknown)}")
    values: dict[str, Any] = {}
    for name in fields:
        if name not in raw:
            if name == "settle_s":
                continue
            raise ValueError(f"kind {kind!r} needs {name}")
        value = raw[name]
        number = isinstance(value, int | float) and not isinstance(value, bool)
        if not number or (value < 0 if name == "settle_s" else value <= 0):
            raise ValueError(f"{name} must be a positive number, got {value!r}")
        wants_int = name.endswith("users")
        if wants_int and not isinstance(value, int):
            raise ValueError(f"{name} must be a whole number of users, got {value!r}")
        values[name] = value
    shape = cls(**values)
    if isinstance(shape, StepShape):
        if shape.max_users < shape.start_users:
            raise ValueError("max_users must be at least start_users")
        if shape.settle_s >= shape.step_s:
            raise ValueError("settle_s must be shorter than step_s: a step needs time to be measured")
    return shape


def shape_from_dict(raw: dict[str, Any]) -> Shape:
    return parse_shape(raw)
