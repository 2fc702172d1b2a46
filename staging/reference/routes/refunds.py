"""Refunds (CANCELLATION.md 5): the admin refunds an order, lists refunds; the owner reads the status."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from starlette.responses import Response
from starlette.routing import Route

from staging.reference import order_queries, payment_mail, refunds, wire
from staging.reference.db import REFUNDS, USERS, Doc
from staging.reference.errors import ApiError
from staging.reference.guards import admin_guard, user_guard
from staging.reference.money import has_two_decimals_at_most, to_aed, to_fils
from staging.reference.routing import Call, route
from staging.reference.validation import FieldErrors, json_object, object_id_or_400, optional_string

REASON_MAX = 500
LIST_LIMIT = 200


def parse_amount(body: dict[str, Any], errors: FieldErrors, *, required: bool) -> int | None:
    """An AED amount: a number above 0 with at most two decimals; its value in fils."""
    amount = body.get("amount")
    if amount is None:
        if required:
            errors.add("amount", "amount is required for a partial refund")
        return None
    if not has_two_decimals_at_most(amount) or amount <= 0:
        errors.add("amount", "amount must be a number above 0 with at most two decimals (AED)", amount)
        return None
    return to_fils(amount)


def refund_order(call: Call) -> Response:
    admin = call.user.is_admin
    if not admin and not call.ctx.settings.defect_on("refund_customer_allowed"):
        raise ApiError(403, "Access denied. Admin privileges required.")
    body = json_object(call.body)
    errors = FieldErrors()
    kind = body.get("type")
    if kind not in refunds.KINDS:
        errors.add("type", f"type must be one of {', '.join(refunds.KINDS)}", kind)
    reason = optional_string(body, "reason", errors, REASON_MAX)
    if reason is None and not any(e["path"] == "reason" for e in errors.errors):
        errors.add("reason", "A reason is required")
    amount = parse_amount(body, errors, required=kind == "partial") if kind != "full" else None
    errors.raise_if_any()
    order = order_queries.find_order(call.ctx.db, call.path("id"))
    if not admin and order.get("user") != call.user.id:
        raise ApiError(403, "Access denied. Admin privileges required.")
    request = refunds.RefundOrder(str(kind), str(reason), amount, "admin")
    record = refunds.refund(call.ctx, order, request, call.user.id)
    customer = call.ctx.db[USERS].find_one({"_id": order.get("user")}, {"name": 1, "email": 1})
    mail = payment_mail.refund_issued(customer, order, record)
    body = {"success": True, "message": f"Refund {record['status']}", "refund": refunds.view(record)}
    return wire.json_response(body, 201, background=payment_mail.send_all_later(call.ctx.mailer, mail))


def refund_status(call: Call) -> Response:
    order = order_queries.find_order(call.ctx.db, call.path("id"))
    owner = order.get("user") == call.user.id
    if not (call.user.is_admin or owner) and not call.ctx.settings.defect_on(
        "refund_status_ownership_unchecked"
    ):
        raise ApiError(403, "Not authorized to view this order's refunds")
    paid = refunds.paid_fils(order)
    body = {
        "success": True,
        "orderId": order["_id"],
        "orderNumber": order.get("orderNumber"),
        "paymentStatus": order.get("paymentStatus"),
        "amountPaid": to_aed(paid),
        "refundedTotal": to_aed(refunds.refunded_fils(order)),
        "remaining": to_aed(refunds.remaining_fils(order)),
        "currency": "AED",
        "refunds": [refunds.view(r) for r in refunds.refunds_of(call.ctx, order["_id"])],
    }
    return wire.json_response(body)


def query_date(raw: str, name: str, *, end_of_day: bool) -> datetime:
    try:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise ApiError(400, f"{name} must be a date (YYYY-MM-DD or ISO-8601)") from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    if end_of_day and len(raw) == 10:  # a bare date as the end of a range means "through that day"
        value += timedelta(days=1) - timedelta(milliseconds=1)
    return value


def list_refunds(call: Call) -> Response:
    query = call.query
    wanted: Doc = {}
    status = query.get("status")
    if status:
        if status not in refunds.RECORD_STATUSES:
            raise ApiError(400, f"status must be one of {', '.join(refunds.RECORD_STATUSES)}")
        if not call.ctx.settings.defect_on("refunds_list_unfiltered"):
            wanted["status"] = status
    created: Doc = {}
    if start := query.get("from"):
        created["$gte"] = query_date(start, "from", end_of_day=False)
    if end := query.get("to"):
        created["$lte"] = query_date(end, "to", end_of_day=True)
    if created:
        wanted["createdAt"] = created
    if order_id := query.get("orderId"):
        wanted["order"] = object_id_or_400(order_id, "order")
    found = call.ctx.db[REFUNDS].find(wanted).sort([("createdAt", -1), ("_id", -1)]).limit(LIST_LIMIT)
    listed = [refunds.view(record) for record in found]
    total = call.ctx.db[REFUNDS].count_documents(wanted)
    return wire.json_response({"success": True, "refunds": listed, "total": total})


routes: list[Route] = [
    route("/api/refunds", list_refunds, guard=admin_guard),
    # User guard: a customer gets the admin guard's 403 from the handler (and the defect its loophole).
    route("/api/orders/{id}/refund", refund_order, ["POST"], guard=user_guard),
    route("/api/orders/{id}/refund-status", refund_status, guard=user_guard),
]
