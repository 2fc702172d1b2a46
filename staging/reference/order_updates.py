"""Conditional order updates: every move names its preconditions in the filter, so it is atomic.

Two concurrent callers can both read an order as movable; only the one whose filter still matches
when MongoDB applies the update wins, the other gets None (and a 409 or 400 from its route).
"""

from __future__ import annotations

from datetime import datetime

from bson import ObjectId
from pymongo import ReturnDocument
from pymongo.database import Database

from staging.reference.db import ORDERS, Doc
from staging.reference.errors import ApiError


def update_order(
    db: Database[Doc],
    order_id: ObjectId,
    expect: Doc,
    changes: Doc,
    now: datetime,
) -> Doc | None:
    """Set `changes` if the order still matches `expect`; the updated order, or None."""
    return db[ORDERS].find_one_and_update(
        {"_id": order_id, **expect},
        {"$set": {**changes, "updatedAt": now}},
        return_document=ReturnDocument.AFTER,
    )


def changed_meanwhile() -> ApiError:
    return ApiError(409, "The order was changed by someone else meanwhile; reload it and retry")


def minutes_between(start: object, end: datetime) -> int | None:
    """Whole minutes from a stored timestamp to `end`, or None when there is no start."""
    if not isinstance(start, datetime):
        return None
    return max(0, round((end - start).total_seconds() / 60))
