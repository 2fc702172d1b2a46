"""Hiring on a shared target: a PIN someone else already holds is skipped, any other refusal is raised."""

from __future__ import annotations

from typing import Any

import pytest

from fixtures import actors
from fixtures.errors import UnexpectedStatus


def refusal(status: int, message: str) -> UnexpectedStatus:
    return UnexpectedStatus(
        method="POST",
        path="/api/admin/staff/create",
        expected=(201,),
        actual=status,
        body={"success": False, "message": message},
    )


class Target:
    """Refuses the first PINs it is sent, as a server whose staff already hold them would."""

    def __init__(self, refusals: list[UnexpectedStatus]) -> None:
        self.refusals = refusals
        self.sent: list[str] = []

    def create(self, payload: dict[str, Any]) -> str:
        self.sent.append(payload["pin"])
        if self.refusals:
            raise self.refusals.pop(0)
        return f"created with {payload['pin']}"


def payloads():
    numbers = iter(range(1000, 2000))
    return lambda: {"pin": str(next(numbers))}


@pytest.mark.parametrize("status", [400, 409])
def test_a_held_pin_is_skipped_for_the_next_one(status: int):
    target = Target([refusal(status, "This PIN is already in use by another staff member")] * 2)
    payload, created = actors._with_a_free_pin(payloads(), target.create)
    assert target.sent == ["1000", "1001", "1002"]
    assert payload == {"pin": "1002"}
    assert created == "created with 1002"


def test_any_other_refusal_is_raised_at_once():
    target = Target([refusal(400, "A staff member with this email already exists")])
    with pytest.raises(UnexpectedStatus, match="email"):
        actors._with_a_free_pin(payloads(), target.create)
    assert target.sent == ["1000"]


def test_the_search_for_a_free_pin_ends():
    target = Target([refusal(400, "PIN already in use")] * (actors.PIN_ATTEMPTS + 5))
    with pytest.raises(UnexpectedStatus, match="PIN"):
        actors._with_a_free_pin(payloads(), target.create)
    assert len(target.sent) == actors.PIN_ATTEMPTS
