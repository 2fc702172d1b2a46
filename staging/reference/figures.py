"""Order figures shared by the admin stats and the dashboard (API.md 5.6, 7.1)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from pymongo.database import Database

from staging.reference import lifecycle
from staging.reference.db import ORDERS, Doc
from staging.reference.settings import Settings

# Revenue is net (API.md 7.1, CANCELLATION.md 7): the totals of delivered and completed orders minus what
# was refunded on them (`refundAmount`, the refunded total in AED kept by refunds.py). Cancelled orders
# count nothing, paid or not: what a cancellation refunds is money that was never earned.
REVENUE_STATUSES = ("delivered", "completed")


def net_revenue(order: Doc, settings: Settings | None = None) -> Decimal:
    """What one order contributes to revenue; ``settings`` switches on injected defects."""
    total = Decimal(str(order.get("totalAmount") or 0))
    if order.get("status") not in REVENUE_STATUSES:
        unpaid_counted = settings is not None and settings.defect_on("revenue_counts_unpaid_cancelled")
        return total if unpaid_counted and order.get("paymentStatus") == "pending" else Decimal(0)
    if settings is not None and settings.defect_on("revenue_gross"):
        return total
    return total - Decimal(str(order.get("refundAmount") or 0))


def revenue(
    db: Database[Doc], start: datetime, end: datetime | None = None, *, settings: Settings | None = None
) -> float:
    """Net revenue of orders created in [start, end)."""
    created: Doc = {"$gte": start}
    if end is not None:
        created["$lt"] = end
    statuses = [*REVENUE_STATUSES, "cancelled"]
    projection = {"status": 1, "paymentStatus": 1, "totalAmount": 1, "refundAmount": 1}
    found = db[ORDERS].find({"status": {"$in": statuses}, "createdAt": created}, projection)
    return float(sum((net_revenue(order, settings) for order in found), Decimal(0)))


def status_counts(db: Database[Doc], *, settings: Settings | None = None) -> dict[str, int]:
    """How many orders are in each status (cancelled included); every status is present, zero when none."""
    counts = dict.fromkeys(lifecycle.STATUSES, 0)
    for row in db[ORDERS].aggregate([{"$group": {"_id": "$status", "count": {"$sum": 1}}}]):
        if row["_id"] in counts:
            counts[row["_id"]] = int(row["count"])
    if settings is not None and settings.defect_on("cancelled_not_counted"):
        counts["cancelled"] = 0
    return counts
