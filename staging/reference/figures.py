"""Order figures shared by the admin stats and the dashboard (API.md 5.6, 7.1)."""

from __future__ import annotations

from datetime import datetime

from pymongo.database import Database

from staging.reference import lifecycle
from staging.reference.db import ORDERS, Doc

# Revenue counts delivered and completed orders, net of refunds (API.md 7.1, CANCELLATION.md 7).
REVENUE_STATUSES = ("delivered", "completed")


def _net_revenue() -> Doc:
    return {"$subtract": [{"$ifNull": ["$totalAmount", 0]}, {"$ifNull": ["$refundAmount", 0]}]}


def revenue(db: Database[Doc], start: datetime, end: datetime | None = None) -> float:
    """Revenue of orders created in [start, end)."""
    created: Doc = {"$gte": start}
    if end is not None:
        created["$lt"] = end
    pipeline: list[Doc] = [
        {"$match": {"status": {"$in": list(REVENUE_STATUSES)}, "createdAt": created}},
        {"$group": {"_id": None, "revenue": {"$sum": _net_revenue()}}},
    ]
    rows = list(db[ORDERS].aggregate(pipeline))
    return round(float(rows[0]["revenue"]), 2) if rows else 0.0


def status_counts(db: Database[Doc]) -> dict[str, int]:
    """How many orders are in each status; every status is present, zero when none."""
    counts = dict.fromkeys(lifecycle.STATUSES, 0)
    for row in db[ORDERS].aggregate([{"$group": {"_id": "$status", "count": {"$sum": 1}}}]):
        if row["_id"] in counts:
            counts[row["_id"]] = int(row["count"])
    return counts
