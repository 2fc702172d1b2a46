"""Load profiles: the mix of role users, their think times, the actors made beforehand and the load shape.

A profile is a TOML file (``load/profiles/<name>.toml``); nothing about the mix lives in code. Parsing is
strict: an unknown key or a wrong type is one clear error, never a silently ignored setting.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from load.stages import Shape, SteadyShape, StepShape, parse_shape
from staging.core import StagingError

PROFILES_DIR = Path(__file__).resolve().parent / "profiles"

# What each role can do; a customer's tasks are weighted, staff and drivers follow the order lifecycle.
CUSTOMER_TASKS = ("browse_catalog", "view_coffee", "read_orders", "place_order", "poll_order")
ROLES = ("customer", "staff", "driver")


class ProfileError(StagingError):
    """A profile that cannot be run as written; the message names the file and the setting."""


@dataclass(frozen=True)
class RoleMix:
    """One role's share of the simulated users and its pace."""

    role: str
    fixed_users: int = 0  # a fixed number of users of this role (Locust's ``fixed_count``)
    weight: int = 0  # or a share of the users left after the fixed ones
    think_time_s: tuple[float, float] = (1.0, 3.0)
    tasks: dict[str, int] = field(default_factory=dict)  # customers only: task -> weight
    location_updates: int = 3  # drivers only: location posts per delivery ...
    location_every_s: float = 3.0  # ... this many seconds apart

    @property
    def enabled(self) -> bool:
        return self.fixed_users > 0 or self.weight > 0


@dataclass(frozen=True)
class ActorPlan:
    """People created before the measured phase, so one-off costs stay out of the SLO figures."""

    customers: int = 10
    register_during_load: bool = False  # true: each customer user registers itself, inside the measurement


@dataclass(frozen=True)
class Profile:
    name: str
    description: str
    shape: Shape
    roles: dict[str, RoleMix]
    actors: ActorPlan
    min_knee_users: int = 0  # stress only: fail when the capacity knee is below this many users
    source: Path | None = None

    @property
    def fixed_users(self) -> int:
        return sum(mix.fixed_users for mix in self.roles.values())

    def staff_count(self) -> int:
        return self.roles["staff"].fixed_users if "staff" in self.roles else 0

    def driver_count(self) -> int:
        return self.roles["driver"].fixed_users if "driver" in self.roles else 0


def profile_path(name_or_path: str) -> Path:
    """``smoke`` means ``load/profiles/smoke.toml``; anything with a slash or ``.toml`` is a path."""
    if "/" in name_or_path or name_or_path.endswith(".toml"):
        return Path(name_or_path)
    return PROFILES_DIR / f"{name_or_path}.toml"


def available_profiles() -> list[str]:
    return sorted(p.stem for p in PROFILES_DIR.glob("*.toml"))


def load_profile(name_or_path: str) -> Profile:
    path = profile_path(name_or_path)
    if not path.is_file():
        known = ", ".join(available_profiles())
        raise ProfileError(f"no load profile {name_or_path!r} (looked for {path}; known: {known})")
    try:
        raw = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(f"{path}: not valid TOML: {exc}") from None
    return parse_profile(raw, name=path.stem, source=path)


def parse_profile(raw: dict[str, Any], *, name: str, source: Path | None = None) -> Profile:
    where = str(source or name)
    _only(raw, {"description", "shape", "roles", "actors", "min_knee_users"}, where)
    try:
        shape = parse_shape(_table(raw, "shape", where))
    except ValueError as exc:
        raise ProfileError(f"{where}: [shape]: {exc}") from None
    roles_raw = _table(raw, "roles", where)
    _only(roles_raw, set(ROLES), f"{where}: [roles]")
    roles = {
        role: _role(role, _table(roles_raw, role, where), f"{where}: [roles.{role}]") for role in roles_raw
    }
    roles = {role: mix for role, mix in roles.items() if mix.enabled}
    if "customer" not in roles:
        raise ProfileError(f"{where}: [roles.customer] needs users or a weight: customers place the orders")
    actors_raw = raw.get("actors", {})
    _only(actors_raw, {"customers", "register_during_load"}, f"{where}: [actors]")
    actors = ActorPlan(
        customers=_int(actors_raw, "customers", 10, f"{where}: [actors]", minimum=1),
        register_during_load=_bool(actors_raw, "register_during_load", False, f"{where}: [actors]"),
    )
    profile = Profile(
        name=name,
        description=str(raw.get("description", "")),
        shape=shape,
        roles=roles,
        actors=actors,
        min_knee_users=_int(raw, "min_knee_users", 0, where, minimum=0),
        source=source,
    )
    _check_users(profile, where)
    return profile


def _check_users(profile: Profile, where: str) -> None:
    """Locust starts fixed-count users first; a shape too small for them would starve the customers."""
    smallest = profile.shape.start_users if isinstance(profile.shape, StepShape) else profile.shape.peak_users
    if smallest <= profile.fixed_users and any(m.weight for m in profile.roles.values()):
        raise ProfileError(
            f"{where}: the shape's {smallest} users leave none for weighted roles after "
            f"{profile.fixed_users} fixed users (staff and drivers)"
        )
    if isinstance(profile.shape, SteadyShape) and profile.shape.users < profile.fixed_users:
        raise ProfileError(
            f"{where}: {profile.shape.users} users cannot hold {profile.fixed_users} fixed users"
        )


def _role(role: str, raw: dict[str, Any], where: str) -> RoleMix:
    allowed = {"users", "weight", "think_time_s"}
    allowed |= {"tasks"} if role == "customer" else set()
    allowed |= {"location_updates", "location_every_s"} if role == "driver" else set()
    _only(raw, allowed, where)
    if "users" in raw and "weight" in raw:
        raise ProfileError(f"{where}: give either users (a fixed count) or weight (a share), not both")
    think = raw.get("think_time_s", [1.0, 3.0])
    if (
        not isinstance(think, list)
        or len(think) != 2
        or not all(isinstance(t, int | float) and not isinstance(t, bool) for t in think)
        or not 0 <= think[0] <= think[1]
    ):
        raise ProfileError(f"{where}: think_time_s must be [min, max] seconds with 0 <= min <= max")
    tasks: dict[str, int] = {}
    if role == "customer":
        tasks_raw = raw.get("tasks", dict.fromkeys(CUSTOMER_TASKS, 1))
        if not isinstance(tasks_raw, dict):
            raise ProfileError(f"{where}: tasks must be a table of task = weight")
        _only(tasks_raw, set(CUSTOMER_TASKS), f"{where}.tasks")
        tasks = {task: _int(tasks_raw, task, 0, f"{where}.tasks", minimum=0) for task in tasks_raw}
        if not any(tasks.values()):
            raise ProfileError(f"{where}.tasks: at least one task needs a weight above 0")
    return RoleMix(
        role=role,
        fixed_users=_int(raw, "users", 0, where, minimum=0),
        weight=_int(raw, "weight", 0, where, minimum=0),
        think_time_s=(float(think[0]), float(think[1])),
        tasks=tasks,
        location_updates=_int(raw, "location_updates", 3, where, minimum=1),
        location_every_s=_seconds(raw, "location_every_s", 3.0, where),
    )


# --- strict little readers --------------------------------------------------------------------------------


def _only(raw: Any, allowed: set[str], where: str) -> None:
    if not isinstance(raw, dict):
        raise ProfileError(f"{where}: expected a table")
    unknown = sorted(set(raw) - allowed)
    if unknown:
        raise ProfileError(
            f"{where}: unknown setting(s) {', '.join(unknown)} (known: {', '.join(sorted(allowed))})"
        )


def _table(raw: dict[str, Any], key: str, where: str) -> dict[str, Any]:
    value = raw.get(key)
    if not isinstance(value, dict):
        raise ProfileError(f"{where}: a [{key}] table is required")
    return value


def _int(raw: dict[str, Any], key: str, default: int, where: str, *, minimum: int) -> int:
    value = raw.get(key, default)
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise ProfileError(f"{where}: {key} must be an integer >= {minimum}, got {value!r}")
    return value


def _seconds(raw: dict[str, Any], key: str, default: float, where: str) -> float:
    value = raw.get(key, default)
    if not isinstance(value, int | float) or isinstance(value, bool) or value <= 0:
        raise ProfileError(f"{where}: {key} must be a positive number of seconds, got {value!r}")
    return float(value)


def _bool(raw: dict[str, Any], key: str, default: bool, where: str) -> bool:
    value = raw.get(key, default)
    if not isinstance(value, bool):
        raise ProfileError(f"{where}: {key} must be true or false, got {value!r}")
    return value
