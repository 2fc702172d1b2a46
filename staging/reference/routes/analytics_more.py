"""Analytics beyond the dashboard (API.md 7.1): admin user and product figures, public product figures,
event tracking, and a user's own activity (per user, never cached: 7.2)."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any

from bson import ObjectId
from starlette.responses import Response
from starlette.routing import Route

from staging.reference import wire
from staging.reference.db import COFFEES, ORDERS, USERS, Doc
from staging.reference.errors import ApiError
from staging.reference.guards import admin_guard, user_guard
from staging.reference.routing import Call, route
from staging.reference.validation import int_query, json_object, object_id_or_400, parse_object_id

EVENTS = "analyticsevents"  # the backend's own collection of tracked events
EVENT_TYPES = ("page_view", "product_view", "add_to_cart", "checkout_started", "search", "order_placed")
TOP = 10
_COUNTED_ORDERS: Doc = {"status": {"$nin": ["cancelled", "rejected"]}}


def _product_totals(call: Call) -> dict[Any, dict[str, Any]]:
    totals: dict[Any, dict[str, Any]] = {}
    for order in call.ctx.db[ORDERS].find(_COUNTED_ORDERS, {"items": 1}):
        for item in order.get("items") or []:
            entry = totals.setdefault(
                item.get("coffee"), {"name": item.get("name"), "orderCount": 0, "quantity": 0, "revenue": 0.0}
            )
            entry["orderCount"] += 1
            entry["quantity"] += int(item.get("quantity") or 0)
            entry["revenue"] = round(entry["revenue"] + float(item.get("subtotal") or 0), 2)
    return totals


def _ranked(call: Call, key: str) -> list[Doc]:
    totals = _product_totals(call)
    ranked = sorted(totals.items(), key=lambda kv: kv[1][key], reverse=True)[:TOP]
    return [{"productId": pid, **figures} for pid, figures in ranked]


def popular(call: Call) -> Response:
    return wire.json_response({"success": True, "data": _ranked(call, "quantity")})


def top_performers(call: Call) -> Response:
    return wire.json_response({"success": True, "data": _ranked(call, "revenue")})


def conversion_funnel(call: Call) -> Response:
    grouped = call.ctx.db[EVENTS].aggregate([{"$group": {"_id": "$event", "n": {"$sum": 1}}}])
    counts = Counter({str(row["_id"]): int(row["n"]) for row in grouped})
    orders = call.ctx.db[ORDERS].count_documents(_COUNTED_ORDERS)
    data = {
        "productViews": counts["product_view"],
        "addToCart": counts["add_to_cart"],
        "checkoutsStarted": counts["checkout_started"],
        "orders": orders,
    }
    return wire.json_response({"success": True, "data": data})


def product_figures(call: Call) -> Response:
    product_id = object_id_or_400(call.path("productId"), "product")
    if call.ctx.db[COFFEES].find_one({"_id": product_id}, {"_id": 1}) is None:
        raise ApiError(404, "Product not found")
    figures = _product_totals(call).get(product_id) or {"orderCount": 0, "quantity": 0, "revenue": 0.0}
    views = call.ctx.db[EVENTS].count_documents({"event": "product_view", "productId": product_id})
    return wire.json_response({"success": True, "data": {"productId": product_id, "views": views, **figures}})


def track(call: Call) -> Response:
    body = json_object(call.body)
    event = body.get("event")
    if event not in EVENT_TYPES:
        raise ApiError(400, f"event must be one of {', '.join(EVENT_TYPES)}")
    record: Doc = {"event": event, "user": call.user.id, "createdAt": call.ctx.clock.now()}
    if "productId" in body:
        product_id = parse_object_id(body["productId"])
        if product_id is None:
            raise ApiError(400, "Invalid product ID")
        record["productId"] = product_id
    call.ctx.db[EVENTS].insert_one(record)
    return wire.json_response({"success": True, "message": "Event recorded"}, 201)


def user_activity(call: Call) -> Response:
    me: ObjectId = call.user.id
    orders = call.ctx.db[ORDERS]
    data = {
        "userId": me,
        "totalOrders": orders.count_documents({"user": me}),
        "deliveredOrders": orders.count_documents(
            {"user": me, "status": {"$in": ["delivered", "completed"]}}
        ),
        "events": call.ctx.db[EVENTS].count_documents({"user": me}),
    }
    return wire.json_response({"success": True, "data": data})


def admin_users(call: Call) -> Response:
    days = int_query(call.query, "days", 30, 1, 365)
    since = call.ctx.clock.now() - timedelta(days=days)
    users = call.ctx.db[USERS]
    data = {
        "days": days,
        "totalUsers": users.count_documents({}),
        "newUsers": users.count_documents({"createdAt": {"$gte": since}}),
        "activeUsers": users.count_documents({"lastLogin": {"$gte": since}}),
    }
    return wire.json_response({"success": True, "data": data})


def admin_products(call: Call) -> Response:
    coffees = call.ctx.db[COFFEES]
    data = {
        "totalProducts": coffees.count_documents({}),
        "activeProducts": coffees.count_documents({"isActive": True}),
        "topProducts": _ranked(call, "revenue"),
    }
    return wire.json_response({"success": True, "data": data})


routes: list[Route] = [
    route("/api/analytics/admin/users", admin_users, guard=admin_guard),
    route("/api/analytics/admin/products", admin_products, guard=admin_guard),
    route("/api/analytics/products/popular", popular),
    route("/api/analytics/products/top-performers", top_performers),
    route("/api/analytics/conversion-funnel", conversion_funnel),
    route("/api/analytics/product/{productId}", product_figures),
    route("/api/analytics/track", track, ["POST"], guard=user_guard),
    route("/api/analytics/user/activity", user_activity, guard=user_guard),
]
