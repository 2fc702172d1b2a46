"""Admin order handling (API.md 5.6, 5.7), under /api/admin/orders and /api/public-admin/orders."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from staging.reference import figures, lifecycle, notifications, order_queries, views, wire
from staging.reference.context import AppContext
from staging.reference.db import ORDERS, STAFFS, USERS, Doc
from staging.reference.errors import ApiError
from staging.reference.guards import UserPrincipal, admin_guard, user_guard
from staging.reference.order_updates import changed_meanwhile, update_order
from staging.reference.routes import cancellation as cancellation_routes
from staging.reference.routing import Call, route
from staging.reference.validation import FieldErrors, json_object, optional_string

NOTES_MAX = 500
TREND_MONTHS = 6


def list_orders(call: Call) -> Response:
    data = order_queries.list_orders(call.ctx.db, call.query, owner=None)
    return wire.json_response({"success": True, "data": data})


def stats(call: Call) -> Response:
    clock = call.ctx.clock
    trends = []
    for back in range(TREND_MONTHS - 1, -1, -1):
        start, end = clock.month_start(back), (clock.month_start(back - 1) if back else None)
        created: Doc = {"$gte": start, **({"$lt": end} if end else {})}
        trends.append(
            {
                "month": clock.local(start).strftime("%Y-%m"),
                "orders": call.ctx.db[ORDERS].count_documents({"createdAt": created}),
                "revenue": figures.revenue(call.ctx.db, start, end, settings=call.ctx.settings),
            }
        )
    data = {
        **figures.status_counts(call.ctx.db, settings=call.ctx.settings),
        "todayRevenue": figures.revenue(call.ctx.db, clock.today_start(), settings=call.ctx.settings),
        "monthlyTrends": trends,
    }
    return wire.json_response({"success": True, "data": data})


def get_order(call: Call) -> Response:
    order = order_queries.find_order(call.ctx.db, call.path("id"))
    return wire.json_response({"success": True, "data": views.with_customer(call.ctx.db, order)})


def _status_request(body: dict[str, Any]) -> tuple[str, str | None, Doc | None]:
    status = body.get("status")
    if not isinstance(status, str) or status not in lifecycle.STATUSES:
        raise ApiError(400, f"Invalid status. Must be one of: {', '.join(lifecycle.STATUSES)}")
    errors = FieldErrors()
    notes = optional_string(body, "notes", errors, NOTES_MAX)
    tracking_info = body.get("trackingInfo")
    tracking: Doc | None = None
    if tracking_info is not None:
        if not isinstance(tracking_info, dict):
            errors.add("trackingInfo", "trackingInfo must be an object", tracking_info)
        else:
            tracking = {
                key: value
                for key in ("status", "location")
                if (value := optional_string(tracking_info, key, errors, NOTES_MAX)) is not None
            }
    errors.raise_if_any()
    return status, notes, tracking


def set_status(call: Call) -> Response:
    status, notes, tracking = _status_request(json_object(call.body))
    order = order_queries.find_order(call.ctx.db, call.path("id"))
    current = order.get("status")
    if lifecycle.is_terminal(current) and not call.ctx.settings.defect_on("terminal_order_reopened"):
        raise ApiError(400, f"Cannot change the status of a {current} order")
    now = call.ctx.clock.now()
    changes: Doc = {"status": status}
    if stamp := lifecycle.STATUS_TIMESTAMP.get(status):
        changes[f"statusTimestamps.{stamp}"] = now
    if status == "delivered":
        changes["actualDeliveryTime"] = now
    if status == "cancelled":
        # CANCELLATION.md 3: the admin's cancel (its statuses, the refund, the mail), as POST .../cancel.
        outcome = cancellation_routes.cancel_by_admin(call, order, notes)
        return cancellation_routes.status_answer(call, outcome)
    if notes:
        changes["adminNotes"] = notes
    if tracking is not None:
        changes["tracking"] = {**tracking, "updatedAt": now}
    moved = update_order(call.ctx.db, order["_id"], {"status": current}, changes, now)
    if moved is None:
        raise changed_meanwhile()
    if lifecycle.is_terminal(status) and moved.get("assignedStaff"):
        call.ctx.db[STAFFS].update_one(
            {"_id": moved["assignedStaff"]}, {"$pull": {"assignedOrders": moved["_id"]}}
        )
    customer = call.ctx.db[USERS].find_one({"_id": moved.get("user")}, {"name": 1, "email": 1})
    task = notifications.send_later(call.ctx.mailer, notifications.status_changed(customer, moved))
    body = {"success": True, "message": f"Order status updated to {status}", "data": moved}
    return wire.json_response(body, background=task)


def _order_reader_guard(ctx: AppContext, request: Request) -> UserPrincipal:
    if ctx.settings.defect_on("admin_order_read_customer_allowed"):
        return user_guard(ctx, request)  # the injected defect: a token, but no role check
    return admin_guard(ctx, request)


def order_routes(prefix: str) -> list[Route]:
    return [
        route(f"{prefix}", list_orders, guard=admin_guard),
        route(f"{prefix}/stats", stats, guard=admin_guard),
        route(f"{prefix}/{{id}}", get_order, guard=_order_reader_guard),
        route(f"{prefix}/{{id}}/status", set_status, ["PUT"], guard=admin_guard),
    ]


routes: list[Route] = order_routes("/api/admin/orders") + order_routes("/api/public-admin/orders")
