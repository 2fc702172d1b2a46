"""Named database helpers for scenarios: read what was persisted, prove nothing was written, age an order.

Tests reach MongoDB only through these (STYLE.md: no ad hoc database access in the middle of a scenario).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from bson import ObjectId
from bson.errors import InvalidId
from pymongo.database import Database

# The collections a request could write to (API.md 9.1), compared before and after a refused call.
WATCHED_COLLECTIONS = (
    "users",
    "orders",
    "counters",
    "staffs",
    "drivers",
    "coffees",
    "refunds",
    "cancellationrequests",
    "stripeevents",  # the Stripe event ids a backend has processed (CANCELLATION.md 6: replays)
)


def _object_id(value: str | ObjectId) -> ObjectId | str:
    try:
        return ObjectId(value)
    except (InvalidId, TypeError):
        return str(value)


def order_document(db: Database, order_id: str) -> dict[str, Any] | None:
    """The order exactly as stored."""
    return db.orders.find_one({"_id": _object_id(order_id)})


def inactive_coffee(db: Database) -> dict[str, Any]:
    """A seeded coffee that is not for sale (the catalog seed always has one)."""
    coffee = db.coffees.find_one({"isActive": False})
    assert coffee is not None, "the catalog has no inactive coffee: was it seeded?"
    return coffee


def user_document(db: Database, email: str) -> dict[str, Any] | None:
    return db.users.find_one({"email": email.lower()})


def orders_of_user(db: Database, user_id: str) -> list[dict[str, Any]]:
    return list(db.orders.find({"user": _object_id(user_id)}))


# Collections whose documents carry no `updatedAt` (the daily order-number counters): a snapshot keeps their
# whole, small content, so an increment that neither adds a document nor stamps one is noticed too.
WHOLE_CONTENT_COLLECTIONS = ("counters",)


@dataclass(frozen=True)
class Snapshot:
    """Document counts and the newest ``updatedAt`` per collection (and the whole content of the counters):
    enough to notice any write."""

    figures: dict[str, tuple[Any, ...]]

    def changed_since(self, other: Snapshot) -> dict[str, tuple[Any, Any]]:
        return {
            name: (other.figures.get(name), now)
            for name, now in self.figures.items()
            if other.figures.get(name) != now
        }


def snapshot(db: Database) -> Snapshot:
    figures: dict[str, tuple[Any, ...]] = {}
    for name in WATCHED_COLLECTIONS:
        newest = db[name].find_one({}, {"updatedAt": 1}, sort=[("updatedAt", -1)])
        figures[name] = (db[name].count_documents({}), newest.get("updatedAt") if newest else None)
    for name in WHOLE_CONTENT_COLLECTIONS:
        figures[f"{name} (content)"] = tuple(sorted(repr(sorted(doc.items())) for doc in db[name].find()))
    return Snapshot(figures)


@contextmanager
def nothing_written(db: Database) -> Iterator[None]:
    """Assert the block wrote nothing to the watched collections.

    Per-worker databases make this exact: no other test writes to this worker's database while one
    test runs. A remote target's database is shared, so `almarya-qa run` uses one worker there; anyone
    else writing to that database during the block is reported as a write too.
    """
    before = snapshot(db)
    yield
    changes = snapshot(db).changed_since(before)
    assert not changes, f"a refused request wrote to the database: {changes}"


def age_order(db: Database, order_id: str, minutes: float) -> None:
    """Move an order's placement ``minutes`` into the past, instead of waiting (API.md 9.3)."""
    document = order_document(db, order_id)
    assert document is not None, f"no order {order_id} to age"
    shift = timedelta(minutes=minutes)
    placed = document.get("statusTimestamps", {}).get("placed") or document["createdAt"]
    db.orders.update_one(
        {"_id": document["_id"]},
        {"$set": {"createdAt": document["createdAt"] - shift, "statusTimestamps.placed": placed - shift}},
    )


def refund_records(db: Database, order_id: str) -> list[dict[str, Any]]:
    """The refund records of one order (CANCELLATION.md 5: refunds are records of their own)."""
    return list(db.refunds.find({"order": _object_id(order_id)}))


def cancellation_request_records(db: Database, order_id: str) -> list[dict[str, Any]]:
    return list(db.cancellationrequests.find({"order": _object_id(order_id)}))


def net_revenue(db: Database, since: datetime) -> Decimal:
    """Revenue as API.md 7.1 and CANCELLATION.md 7 define it, from the stored orders: the totals of
    delivered and completed orders created since ``since``, minus what was refunded on them."""
    counted = db.orders.find(
        {"status": {"$in": ["delivered", "completed"]}, "createdAt": {"$gte": since}},
        {"totalAmount": 1, "refundAmount": 1},
    )
    return sum(
        (Decimal(str(o.get("totalAmount") or 0)) - Decimal(str(o.get("refundAmount") or 0)) for o in counted),
        Decimal(0),
    )


def assigned_order_ids(db: Database, staff_id: str) -> list[str]:
    """The order ids on a staff member's `assignedOrders` list, as strings."""
    staff = db.staffs.find_one({"_id": _object_id(staff_id)}, {"assignedOrders": 1}) or {}
    return [str(order_id) for order_id in staff.get("assignedOrders") or []]
