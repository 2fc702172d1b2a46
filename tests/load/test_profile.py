"""Profiles: the mix comes from files, parsed strictly; shapes become stages."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from load.profile import ProfileError, available_profiles, load_profile, parse_profile
from load.slo import SloConfigError, load_slo, parse_slo
from load.stages import RampShape, SteadyShape, StepShape, capped, duration_of, stage_at

MINIMAL: dict[str, Any] = {
    "shape": {"kind": "steady", "users": 6, "spawn_rate": 6, "duration_s": 10},
    "roles": {
        "customer": {"weight": 1, "think_time_s": [1, 2], "tasks": {"browse_catalog": 3, "place_order": 1}},
        "staff": {"users": 1},
        "driver": {"users": 2, "location_every_s": 2, "location_updates": 2},
    },
}


def variant(path: str, value: Any) -> dict[str, Any]:
    raw = copy.deepcopy(MINIMAL)
    *parents, key = path.split(".")
    node = raw
    for part in parents:
        node = node[part]
    node[key] = value
    return raw


def test_the_shipped_profiles_and_slo_file_parse():
    """smoke, nightly and stress exist, parse, and the SLO file's p95 target is 500 ms."""
    assert {"smoke", "nightly", "stress"} <= set(available_profiles())
    assert isinstance(load_profile("smoke").shape, SteadyShape)
    assert isinstance(load_profile("nightly").shape, RampShape)
    assert isinstance(load_profile("stress").shape, StepShape)
    slo = load_slo()
    assert slo.defaults.percentiles_ms[0.95] == 500
    assert slo.aggregate.percentiles_ms[0.95] == 500
    assert slo.defaults.error_ratio == 0.01


def test_smoke_fits_in_a_minute():
    """The CI smoke profile runs at most 60 s."""
    assert duration_of(load_profile("smoke").shape) <= 60


def test_a_profile_gives_weights_think_times_and_fixed_users():
    """The role mix is read from the file, not from code."""
    profile = parse_profile(MINIMAL, name="mini")
    assert profile.roles["customer"].tasks == {"browse_catalog": 3, "place_order": 1}
    assert profile.roles["customer"].think_time_s == (1.0, 2.0)
    assert profile.roles["staff"].fixed_users == 1
    assert profile.roles["driver"].location_every_s == 2.0
    assert profile.fixed_users == 3


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        pytest.param(variant("roles.pilot", {"users": 1}), "unknown setting(s) pilot", id="unknown-role"),
        pytest.param(
            variant("roles.customer.tasks", {"dance": 1}), "unknown setting(s) dance", id="unknown-task"
        ),
        pytest.param(variant("roles.staff.weight", 2), "either users", id="users-and-weight"),
        pytest.param(
            variant("roles.customer.think_time_s", [3, 1]), "think_time_s", id="think-time-reversed"
        ),
        pytest.param(variant("shape.kind", "wave"), "kind must be one of", id="unknown-shape"),
        pytest.param(variant("shape.users", 3), "leave none for weighted roles", id="no-room-for-customers"),
        pytest.param(variant("shape.duration_s", -5), "positive number", id="negative-duration"),
        pytest.param(
            variant("roles.customer", {"think_time_s": [1, 2]}),
            "customers place the orders",
            id="no-customers",
        ),
    ],
)
def test_a_bad_profile_is_one_clear_error(raw: dict[str, Any], message: str):
    """Anything the profile cannot mean is refused with the setting named."""
    with pytest.raises(ProfileError) as error:
        parse_profile(raw, name="bad")
    assert message in str(error.value)


def test_an_unknown_profile_name_lists_the_known_ones():
    """A typo in --profile names the known profiles."""
    with pytest.raises(ProfileError, match=r"known: .*smoke"):
        load_profile("smokey")


def test_a_bad_slo_file_is_one_clear_error():
    """Unknown keys and impossible limits in the SLO file are refused."""
    with pytest.raises(SloConfigError, match="unknown setting 'p95'"):
        parse_slo({"defaults": {"p95": 500}})
    with pytest.raises(SloConfigError, match=r"at most 1\.0"):
        parse_slo({"defaults": {"error_ratio": 5}})
    with pytest.raises(SloConfigError, match="METHOD /path"):
        parse_slo({"endpoints": {"orders": {"p95_ms": 100}}})


def test_shapes_become_stages():
    """Ramp: up, hold, down; steps: one stage per step up to max_users; a cap lowers every stage."""
    ramp = RampShape(users=20, ramp_up_s=10, hold_s=30, ramp_down_s=10)
    assert [(s.until_s, s.users) for s in ramp.stages()] == [(10, 20), (40, 20), (50, 0)]
    steps = StepShape(start_users=10, step_users=5, step_s=20, max_users=20, spawn_rate=5)
    assert [(s.step, s.users, s.until_s) for s in steps.stages()] == [(0, 10, 20), (1, 15, 40), (2, 20, 60)]
    assert stage_at(steps.stages(), 25).users == 15
    assert stage_at(steps.stages(), 60) is None
    assert [s.users for s in capped(steps.stages(), 12)] == [10, 12, 12]
