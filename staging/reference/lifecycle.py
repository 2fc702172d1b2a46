"""Order statuses, their timestamps and who may move an order where (API.md 5.1 and 5.7)."""

from __future__ import annotations

from dataclasses import dataclass

STATUSES = (
    "pending",
    "confirmed",
    "accepted",
    "preparing",
    "ready",
    "out-for-delivery",
    "delivered",
    "completed",
    "cancelled",
    "rejected",
    "on-hold",
)
TERMINAL = frozenset({"delivered", "completed", "cancelled", "rejected"})
PAYMENT_STATUSES = ("pending", "paid", "failed", "refunded", "partially_refunded")
PAYMENT_METHODS = ("cash", "card", "apple_pay", "google_pay", "bank_transfer")
DELIVERY_METHODS = ("delivery", "pickup")

# Staff views of the queue (5.4).
STAFF_QUEUE = ("pending", "confirmed", "accepted", "preparing", "ready", "on-hold", "out-for-delivery")
STAFF_NEW = ("pending", "confirmed")
STAFF_DONE = ("completed", "delivered", "cancelled")

# The statusTimestamps field each status sets (admin moves, 5.7); statuses not listed set none.
STATUS_TIMESTAMP = {
    "confirmed": "confirmed",
    "accepted": "acceptedByStaff",
    "preparing": "preparationStarted",
    "ready": "markedReady",
    "out-for-delivery": "outForDelivery",
    "delivered": "delivered",
    "cancelled": "cancelled",
}

STAFF_SETTABLE = frozenset(
    {"accepted", "preparing", "ready", "completed", "rejected", "on-hold", "out-for-delivery"}
)


@dataclass(frozen=True)
class StaffMove:
    """One row of the transition table for staff `PUT /orders/:id/status`."""

    sources: frozenset[str]
    target: str
    delivery_method: str | None = None  # the move applies only to orders with this method
    needs_driver: bool = False


STAFF_MOVES = (
    StaffMove(frozenset({"accepted", "on-hold"}), "preparing"),
    StaffMove(frozenset({"accepted", "preparing"}), "on-hold"),
    StaffMove(frozenset({"preparing"}), "ready"),
    StaffMove(frozenset({"pending", "confirmed", "accepted", "preparing", "on-hold"}), "rejected"),
    StaffMove(frozenset({"ready"}), "completed", delivery_method="pickup"),
    StaffMove(frozenset({"ready"}), "out-for-delivery", delivery_method="delivery", needs_driver=True),
)


def staff_move_allowed(current: str, target: str, delivery_method: object, has_driver: bool) -> bool:
    for move in STAFF_MOVES:
        if move.target != target or current not in move.sources:
            continue
        if move.delivery_method is not None and delivery_method != move.delivery_method:
            continue
        if move.needs_driver and not has_driver:
            continue
        return True
    return False


def is_terminal(status: object) -> bool:
    return status in TERMINAL
