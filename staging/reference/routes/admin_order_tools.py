"""More admin order routes (API.md 5.6): analytics, CSV export, delete, guest and on-behalf orders, and the
admin's own orders. Both prefixes, /api/admin/orders and /api/public-admin/orders, serve the same handlers.

They are registered before `admin_orders`, whose `/{id}` route would otherwise take `analytics` for an id.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from bson import ObjectId
from pymongo import DESCENDING
from pymongo.errors import DuplicateKeyError
from starlette.responses import Response
from starlette.routing import Route

from staging.reference import order_queries, ordering, wire
from staging.reference.db import ORDERS, STAFFS, USERS, Doc
from staging.reference.errors import ApiError
from staging.reference.guards import admin_guard
from staging.reference.money import average_aed
from staging.reference.order_numbers import next_order_number
from staging.reference.routing import Call, route
from staging.reference.validation import FieldErrors, int_query, is_email, json_object, object_id_or_400

DELETABLE = ("pending", "cancelled")
EXPORT_LIMIT = 10_000
_NUMBER_ATTEMPTS = 5
EXPORT_COLUMNS = (
    "orderNumber", "createdAt", "customerEmail", "status", "paymentStatus", "paymentMethod",
    "deliveryMethod", "totalAmount", "currency",
)  # fmt: skip


def analytics(call: Call) -> Response:
    days = int_query(call.query, "days", 30, 1, 365)
    clock = call.ctx.clock
    since = clock.today_start() - timedelta(days=days - 1)
    daily: dict[str, dict[str, float]] = defaultdict(lambda: {"orderCount": 0, "revenue": 0.0})
    paid_orders, paid_total = 0, 0.0
    projection = {"createdAt": 1, "totalAmount": 1, "paymentStatus": 1}
    for order in call.ctx.db[ORDERS].find({"createdAt": {"$gte": since}}, projection):
        day = daily[clock.local(order["createdAt"]).strftime("%Y-%m-%d")]
        day["orderCount"] += 1
        if order.get("paymentStatus") == "paid":  # revenue counts paid orders only (API.md 7.1)
            amount = float(order.get("totalAmount") or 0)
            day["revenue"] = round(day["revenue"] + amount, 2)
            paid_orders, paid_total = paid_orders + 1, paid_total + amount
    rows = [{"date": date, **figures} for date, figures in sorted(daily.items())]
    data = {
        "days": days,
        "daily": rows,
        "totalOrders": sum(int(figures["orderCount"]) for figures in daily.values()),
        "totalRevenue": round(paid_total, 2),
        "averageOrderValue": average_aed(paid_total, paid_orders),
    }
    return wire.json_response({"success": True, "data": data})


def export(call: Call) -> Response:
    mongo_filter = order_queries.order_filter(call.query, None)
    orders = list(
        call.ctx.db[ORDERS]
        .find(mongo_filter)
        .sort([("createdAt", DESCENDING), ("_id", DESCENDING)])
        .limit(EXPORT_LIMIT)
    )
    user_ids = list({order.get("user") for order in orders if isinstance(order.get("user"), ObjectId)})
    emails = {user["_id"]: user.get("email") for user in call.ctx.db[USERS].find({"_id": {"$in": user_ids}})}
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(EXPORT_COLUMNS)
    for order in orders:
        guest = order.get("guestInfo") or {}
        writer.writerow(
            [
                _csv_safe(order.get("orderNumber")),
                wire.iso(order["createdAt"]) if order.get("createdAt") else "",
                _csv_safe(emails.get(order.get("user")) or guest.get("email")),
                order.get("status", ""),
                order.get("paymentStatus", ""),
                order.get("paymentMethod", ""),
                order.get("deliveryMethod", ""),
                order.get("totalAmount", ""),
                order.get("currency", "AED"),
            ]
        )
    headers = {"Content-Disposition": 'attachment; filename="orders.csv"'}
    return Response(buffer.getvalue(), 200, headers, "text/csv; charset=utf-8")


def _csv_safe(value: Any) -> str:
    """A cell a spreadsheet will not run as a formula (CSV injection)."""
    text = "" if value is None else str(value)
    return f"'{text}" if text[:1] in ("=", "+", "-", "@") else text


def delete_order(call: Call) -> Response:
    order = order_queries.find_order(call.ctx.db, call.path("id"))
    if order.get("status") not in DELETABLE:
        raise ApiError(400, f"Only {' or '.join(DELETABLE)} orders can be deleted")
    deleted = call.ctx.db[ORDERS].delete_one({"_id": order["_id"], "status": {"$in": list(DELETABLE)}})
    if not deleted.deleted_count:
        raise ApiError(409, "The order changed meanwhile; reload it and retry")
    call.ctx.db[STAFFS].update_many(
        {"assignedOrders": order["_id"]}, {"$pull": {"assignedOrders": order["_id"]}}
    )
    return wire.json_response({"success": True, "message": "Order deleted"})


def _insert(call: Call, build: Callable[[str], Doc]) -> Doc:
    """Take an order number only once everything is valid, then insert (as `POST /api/orders` does)."""
    for _ in range(_NUMBER_ATTEMPTS):
        order = build(next_order_number(call.ctx.db, call.ctx.clock))
        try:
            call.ctx.db[ORDERS].insert_one(order)
        except DuplicateKeyError:
            continue
        return order
    raise RuntimeError("could not allocate a unique order number")


def _guest_info(raw: Any) -> Doc:
    errors = FieldErrors()
    if not isinstance(raw, dict):
        errors.add("guestInfo", "guestInfo with name and email is required", raw)
        errors.raise_if_any()
        return {}
    name, email = raw.get("name"), raw.get("email")
    if not isinstance(name, str) or not 1 <= len(name.strip()) <= 100:
        errors.add("guestInfo.name", "Guest name is required", name)
    if not is_email(email):
        errors.add("guestInfo.email", "A valid guest email is required", email)
    phone, address = raw.get("phone"), raw.get("address")
    if phone is not None and (not isinstance(phone, str) or len(phone) > 20):
        errors.add("guestInfo.phone", "Guest phone must be a string", phone)
    if address is not None and (not isinstance(address, str) or len(address) > 500):
        errors.add("guestInfo.address", "Guest address must be a string", address)
    errors.raise_if_any()
    guest = {"name": str(name).strip(), "email": str(email).strip().lower()}
    return guest | {key: value for key, value in (("phone", phone), ("address", address)) if value}


def guest_order(call: Call) -> Response:
    body = json_object(call.body)
    guest = _guest_info(body.get("guestInfo"))
    request = ordering.parse_order_request(body)
    items = ordering.price_items(call.ctx.db, request)
    now = call.ctx.clock.now()

    def build(number: str) -> Doc:
        order = ordering.build_order(request, items, call.user.id, number, now)
        return {**order, "user": None, "guestInfo": guest, "createdBy": call.user.id}

    order = _insert(call, build)
    return wire.json_response({"success": True, "message": "Guest order created", "order": order}, 201)


def order_for_customer(call: Call) -> Response:
    body = json_object(call.body)
    user_id = object_id_or_400(body.get("userId"), "user")
    request = ordering.parse_order_request(body)
    items = ordering.price_items(call.ctx.db, request)
    if call.ctx.db[USERS].find_one({"_id": user_id}, {"_id": 1}) is None:
        raise ApiError(404, "User not found")
    now = call.ctx.clock.now()

    def build(number: str) -> Doc:
        return {**ordering.build_order(request, items, user_id, number, now), "createdBy": call.user.id}

    order = _insert(call, build)
    return wire.json_response({"success": True, "message": "Order created successfully", "order": order}, 201)


def my_orders(call: Call) -> Response:
    data = order_queries.list_orders(call.ctx.db, call.query, call.user.id)
    return wire.json_response({"success": True, "data": data})


def tool_routes(prefix: str) -> list[Route]:
    return [
        route(f"{prefix}", order_for_customer, ["POST"], guard=admin_guard),
        route(f"{prefix}/analytics", analytics, guard=admin_guard),
        route(f"{prefix}/export", export, guard=admin_guard),
        route(f"{prefix}/my-orders", my_orders, guard=admin_guard),
        route(f"{prefix}/guest", guest_order, ["POST"], guard=admin_guard),
        route(f"{prefix}/{{id}}", delete_order, ["DELETE"], guard=admin_guard),
    ]


routes: list[Route] = tool_routes("/api/admin/orders") + tool_routes("/api/public-admin/orders")
