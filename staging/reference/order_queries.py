"""Listing orders (API.md 4.4): filters, search, sorting and pagination, shared by customers and admins."""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from bson import ObjectId
from pymongo import ASCENDING, DESCENDING
from pymongo.database import Database

from staging.reference.db import ORDERS, Doc
from staging.reference.errors import ApiError
from staging.reference.lifecycle import PAYMENT_STATUSES, STATUSES
from staging.reference.ordering import DELIVERY_METHOD
from staging.reference.validation import int_query, object_id_or_400, search_pattern

SORT_FIELDS = ("createdAt", "updatedAt", "totalAmount", "orderNumber", "status")
MAX_LIMIT = 100


def find_order(db: Database[Doc], raw_id: str) -> Doc:
    """The order with this id: 400 for a malformed id, 404 for an unknown one (API.md 8.4)."""
    order = db[ORDERS].find_one({"_id": object_id_or_400(raw_id, "order")})
    if order is None:
        raise ApiError(404, "Order not found")
    return order


def _date(raw: str, name: str, *, end_of_day: bool) -> datetime:
    try:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise ApiError(400, f"{name} must be a date (YYYY-MM-DD or ISO-8601)") from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    # A bare date as the end of a range means "through that day".
    if end_of_day and len(raw) == 10:
        value += timedelta(days=1) - timedelta(milliseconds=1)
    return value


def _choice(query: Mapping[str, str], name: str, allowed: tuple[str, ...]) -> str | None:
    value = query.get(name)
    if not value or value == "all":
        return None
    if value not in allowed:
        raise ApiError(400, f"{name} must be one of {', '.join(allowed)}")
    return value


def order_filter(query: Mapping[str, str], owner: ObjectId | None, *, raw_search: bool = False) -> Doc:
    """The MongoDB filter for a list query; `owner` limits it to one customer's orders."""
    conditions: list[Doc] = []
    if owner is not None:
        conditions.append({"user": owner})
    if status := _choice(query, "status", STATUSES):
        conditions.append({"status": status})
    if payment_status := _choice(query, "paymentStatus", PAYMENT_STATUSES):
        conditions.append({"paymentStatus": payment_status})
    if method := _choice(query, "deliveryMethod", tuple(DELIVERY_METHOD)):
        conditions.append({"deliveryMethod": DELIVERY_METHOD[method]})
    created: Doc = {}
    if start := query.get("startDate"):
        created["$gte"] = _date(start, "startDate", end_of_day=False)
    if end := query.get("endDate"):
        created["$lte"] = _date(end, "endDate", end_of_day=True)
    if created:
        conditions.append({"createdAt": created})
    pattern = search_pattern(query.get("search"))
    if raw_search and query.get("search"):
        pattern = {"$regex": query["search"], "$options": "i"}  # the injected defect: unescaped
    if pattern:
        conditions.append(
            {"$or": [{"orderNumber": pattern}, {"items.name": pattern}, {"deliveryAddress.city": pattern}]}
        )
    if not conditions:
        return {}
    return conditions[0] if len(conditions) == 1 else {"$and": conditions}


def list_orders(
    db: Database[Doc], query: Mapping[str, str], owner: ObjectId | None, *, raw_search: bool = False
) -> dict[str, Any]:
    """`{orders, pagination}` as `GET /api/orders` answers it."""
    page = int_query(query, "page", 1, 1, 1_000_000)
    limit = int_query(query, "limit", 10, 1, MAX_LIMIT)
    sort_by = _choice(query, "sortBy", SORT_FIELDS) or "createdAt"
    sort_order = _choice(query, "sortOrder", ("asc", "desc")) or "desc"
    direction = ASCENDING if sort_order == "asc" else DESCENDING

    mongo_filter = order_filter(query, owner, raw_search=raw_search)
    total = db[ORDERS].count_documents(mongo_filter)
    orders = list(
        db[ORDERS]
        .find(mongo_filter)
        .sort([(sort_by, direction), ("_id", direction)])
        .skip((page - 1) * limit)
        .limit(limit)
    )
    pages = math.ceil(total / limit) if total else 0
    return {
        "orders": orders,
        "pagination": {
            "currentPage": page,
            "totalPages": pages,
            "totalOrders": total,
            "limit": limit,
            "hasNextPage": page < pages,
            "hasPrevPage": page > 1,
        },
    }
