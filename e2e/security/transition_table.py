"""Who may move an order where (API.md 5.4, 5.5, 5.7), as data. The state-rule tests walk these tables:
every move not listed is illegal and must be refused with the order left unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass

STATUSES = (
    "pending", "confirmed", "accepted", "preparing", "ready", "out-for-delivery",
    "delivered", "completed", "cancelled", "rejected", "on-hold",
)  # fmt: skip
TERMINAL = ("delivered", "completed", "cancelled", "rejected")
NON_TERMINAL = tuple(s for s in STATUSES if s not in TERMINAL)

# Staff `PUT /api/staff/orders/:id/status` accepts only these targets; anything else is a 400 (5.7).
STAFF_TARGETS = ("accepted", "preparing", "ready", "completed", "rejected", "on-hold", "out-for-delivery")


@dataclass(frozen=True)
class Move:
    """One row of 5.7 for the assignee's `PUT status`."""

    sources: tuple[str, ...]
    target: str
    delivery: str | None = None  # only for orders with this delivery method
    needs_driver: bool = False

    def allows(self, source: str, target: str, delivery: str, has_driver: bool) -> bool:
        return (
            target == self.target
            and source in self.sources
            and (self.delivery is None or self.delivery == delivery)
            and (has_driver or not self.needs_driver)
        )


# API.md 5.7, the rows whose "By" column names the assignee's `PUT status`.
STAFF_MOVES = (
    Move(("accepted", "on-hold"), "preparing"),
    Move(("accepted", "preparing"), "on-hold"),
    Move(("preparing",), "ready"),
    Move(("pending", "confirmed", "accepted", "preparing", "on-hold"), "rejected"),
    Move(("ready",), "completed", delivery="pickup"),
    Move(("ready",), "out-for-delivery", delivery="delivery", needs_driver=True),
)


def staff_may(source: str, target: str, delivery: str, has_driver: bool) -> bool:
    return any(move.allows(source, target, delivery, has_driver) for move in STAFF_MOVES)


# The driver's actions (5.5): the status each needs; accept also needs an unassigned delivery order, start
# and complete the caller's own.
DRIVER_ACTIONS = {"accept": "ready", "start": "ready", "complete": "out-for-delivery"}
DRIVER_RESULT = {"accept": "ready", "start": "out-for-delivery", "complete": "delivered"}

# Admin `PUT /api/admin/orders/:id/status` (5.7): any non-terminal order to any status; terminal stays.
ADMIN_TARGETS = STATUSES
