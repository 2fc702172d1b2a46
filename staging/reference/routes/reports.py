"""Admin reports (API.md 7.1): sales, users and products, as JSON."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

from starlette.responses import Response
from starlette.routing import Route

from staging.reference import wire
from staging.reference.db import COFFEES, ORDERS, USERS, Doc
from staging.reference.errors import ApiError
from staging.reference.figures import REVENUE_STATUSES
from staging.reference.guards import admin_guard
from staging.reference.money import average_aed
from staging.reference.routing import Call, route

GROUPINGS = ("day", "week", "month")
FORMATS = ("json", "pdf", "excel")
DEFAULT_PERIOD = timedelta(days=30)
TOP_PRODUCTS = 10


def _date(raw: str | None, name: str, *, end_of_day: bool = False) -> datetime | None:
    if not raw:
        return None
    try:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise ApiError(400, f"{name} must be a date (YYYY-MM-DD or ISO-8601)") from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    if end_of_day and len(raw) == 10:  # a bare end date means "through that day"
        value += timedelta(days=1) - timedelta(milliseconds=1)
    return value


def _period(call: Call) -> tuple[datetime, datetime]:
    end = _date(call.query.get("endDate"), "endDate", end_of_day=True) or call.ctx.clock.now()
    start = _date(call.query.get("startDate"), "startDate") or end - DEFAULT_PERIOD
    if start > end:
        raise ApiError(400, "startDate must not be after endDate")
    return start, end


def _net(order: Doc) -> float:
    """What an order earned: its total net of refunds (CANCELLATION.md 7)."""
    return float(order.get("totalAmount") or 0) - float(order.get("refundAmount") or 0)


def _bucket(call: Call, created: datetime, group_by: str) -> str:
    local = call.ctx.clock.local(created)
    if group_by == "month":
        return local.strftime("%Y-%m")
    if group_by == "week":
        year, week, _ = local.isocalendar()
        return f"{year}-W{week:02d}"
    return local.strftime("%Y-%m-%d")


def sales(call: Call) -> Response:
    group_by = call.query.get("groupBy") or "day"
    report_format = call.query.get("format") or "json"
    if group_by not in GROUPINGS:
        raise ApiError(400, f"groupBy must be one of {', '.join(GROUPINGS)}")
    if report_format not in FORMATS:
        raise ApiError(400, f"format must be one of {', '.join(FORMATS)}")
    if report_format != "json":
        raise ApiError(400, f"The {report_format} export is not available on this server; use format=json")
    start, end = _period(call)
    orders = list(
        call.ctx.db[ORDERS].find(
            {"status": {"$in": list(REVENUE_STATUSES)}, "createdAt": {"$gte": start, "$lte": end}},
            {"createdAt": 1, "totalAmount": 1, "refundAmount": 1, "items": 1},
        )
    )
    trend: dict[str, dict[str, float]] = defaultdict(lambda: {"revenue": 0.0, "orders": 0})
    products: dict[Any, dict[str, Any]] = {}
    for order in orders:
        row = trend[_bucket(call, order["createdAt"], group_by)]
        row["revenue"] = round(row["revenue"] + _net(order), 2)
        row["orders"] += 1
        for item in order.get("items") or []:
            entry = products.setdefault(
                item.get("coffee"), {"name": item.get("name"), "quantity": 0, "revenue": 0.0}
            )
            entry["quantity"] += int(item.get("quantity") or 0)
            entry["revenue"] = round(entry["revenue"] + float(item.get("subtotal") or 0), 2)
    total = round(sum(_net(order) for order in orders), 2)
    top = sorted(products.items(), key=lambda kv: kv[1]["revenue"], reverse=True)[:TOP_PRODUCTS]
    data = {
        "period": {"startDate": start, "endDate": end, "groupBy": group_by},
        "summary": {
            "totalRevenue": total,
            "totalOrders": len(orders),
            "averageOrderValue": average_aed(total, len(orders)),
        },
        "salesTrend": [{"period": key, **value} for key, value in sorted(trend.items())],
        "topProducts": [{"productId": pid, **figures} for pid, figures in top],
        "generatedAt": call.ctx.clock.now(),
    }
    return wire.json_response({"success": True, "data": data})


def users_report(call: Call) -> Response:
    start, end = _period(call)
    users = call.ctx.db[USERS]
    data = {
        "period": {"startDate": start, "endDate": end},
        "totalUsers": users.count_documents({}),
        "newUsers": users.count_documents({"createdAt": {"$gte": start, "$lte": end}}),
        "activeUsers": users.count_documents({"isActive": {"$ne": False}}),
        "admins": users.count_documents({"roles": "admin"}),
        "generatedAt": call.ctx.clock.now(),
    }
    return wire.json_response({"success": True, "data": data})


def products_report(call: Call) -> Response:
    coffees = call.ctx.db[COFFEES]
    data = {
        "totalProducts": coffees.count_documents({}),
        "activeProducts": coffees.count_documents({"isActive": True}),
        "inactiveProducts": coffees.count_documents({"isActive": {"$ne": True}}),
        "lowStock": [
            {"id": str(c["_id"]), "name": (c.get("name") or {}).get("en"), "stock": c.get("stock")}
            for c in coffees.find({"stock": {"$lt": 10}}, {"name": 1, "stock": 1}).limit(50)
        ],
        "generatedAt": call.ctx.clock.now(),
    }
    return wire.json_response({"success": True, "data": data})


routes: list[Route] = [
    route("/api/admin/reports/sales", sales, guard=admin_guard),
    route("/api/admin/reports/users", users_report, guard=admin_guard),
    route("/api/admin/reports/products", products_report, guard=admin_guard),
]
