"""The admin's manual payment record (API.md 5.6): `PUT /api/admin/orders/:id/payment`."""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import Route

from staging.reference import order_queries, wire
from staging.reference.db import Doc
from staging.reference.errors import ApiError
from staging.reference.guards import admin_guard
from staging.reference.lifecycle import PAYMENT_METHODS
from staging.reference.order_updates import changed_meanwhile, update_order
from staging.reference.routing import Call, route
from staging.reference.validation import FieldErrors, json_object, optional_string

# Refunded states come only from actual refunds (CANCELLATION.md 5), never from a manual record.
MANUAL_PAYMENT_STATES = ("pending", "paid", "failed")
GROUPINGS = ("day", "week", "month")
DEFAULT_REPORT_DAYS = 30
TOP_PRODUCTS = 10


def set_payment(call: Call) -> Response:
    body = json_object(call.body)
    status = body.get("paymentStatus")
    if status not in MANUAL_PAYMENT_STATES:
        raise ApiError(
            400,
            f"paymentStatus must be one of {', '.join(MANUAL_PAYMENT_STATES)}; refunds are recorded "
            "through POST /api/orders/:id/refund",
        )
    errors = FieldErrors()
    method = body.get("paymentMethod")
    if method is not None and method not in PAYMENT_METHODS:
        errors.add("paymentMethod", f"paymentMethod must be one of {', '.join(PAYMENT_METHODS)}", method)
    transaction = optional_string(body, "transactionId", errors, 200)
    errors.raise_if_any()
    order = order_queries.find_order(call.ctx.db, call.path("id"))
    current = order.get("paymentStatus")
    if current not in MANUAL_PAYMENT_STATES:
        raise ApiError(400, f"The payment of a {current} order is settled by its refunds")
    now = call.ctx.clock.now()
    changes: Doc = {"paymentStatus": status}
    if method is not None:
        changes["paymentMethod"] = method
    if transaction is not None:
        changes["transactionId"] = transaction
    if status == "paid" and current != "paid":
        changes["paidAt"] = now
    updated = update_order(call.ctx.db, order["_id"], {"paymentStatus": current}, changes, now)
    if updated is None:
        raise changed_meanwhile()
    # Wire quirk (API.md 5.6): the order comes back as a hydrated Mongoose document.
    return wire.json_response({"success": True, "data": wire.hydrated(updated)})


def payment_routes(prefix: str) -> list[Route]:
    return [route(f"{prefix}/{{id}}/payment", set_payment, ["PUT"], guard=admin_guard)]


routes: list[Route] = [*payment_routes("/api/admin/orders"), *payment_routes("/api/public-admin/orders")]
