"""Cancellation (CANCELLATION.md 3, 4): self-cancel, cancellation requests and the admin's decision."""

from __future__ import annotations

from bson import ObjectId
from starlette.responses import Response
from starlette.routing import Route

from staging.reference import cancellation, order_queries, payment_mail, refunds, wire
from staging.reference.cancellation import Outcome
from staging.reference.db import Doc
from staging.reference.errors import ApiError, GlobalError
from staging.reference.guards import admin_guard, user_guard
from staging.reference.routing import Call, route
from staging.reference.validation import FieldErrors, json_object, optional_string

REASON_MAX = 500


def _reason(call: Call, *, required: bool) -> str | None:
    errors = FieldErrors()
    reason = optional_string(json_object(call.body), "reason", errors, REASON_MAX)
    if required and reason is None and not errors.errors:
        errors.add("reason", "A reason is required")
    errors.raise_if_any()
    return reason


def answer(call: Call, message: str, outcome: Outcome, status: int = 200) -> Response:
    body: Doc = {
        "success": True,
        "message": message,
        "order": outcome.order,
        "refund": refunds.view(outcome.refund) if outcome.refund else None,
    }
    if outcome.request is not None:
        body["request"] = cancellation.request_view(outcome.request, outcome.order)
    tasks = payment_mail.send_all_later(call.ctx.mailer, *outcome.mails)
    return wire.json_response(body, status, background=tasks)


def status_answer(call: Call, outcome: Outcome) -> Response:
    """The answer of the admin routes (`PUT …/status {cancelled}`, `PUT …/cancel`): `data` = the order."""
    body: Doc = {
        "success": True,
        "message": "Order cancelled",
        "data": outcome.order,
        "refund": refunds.view(outcome.refund) if outcome.refund else None,
    }
    return wire.json_response(body, background=payment_mail.send_all_later(call.ctx.mailer, *outcome.mails))


def cancel_by_admin(call: Call, order: Doc, reason: str | None) -> Outcome:
    """An admin's cancellation, from `POST /cancel` or `PUT /api/admin/orders/:id/status {cancelled}`."""
    cancellation.check_admin_may_cancel(call.ctx, order, call.ctx.clock.now())
    return cancellation.cancel(call.ctx, order, call.user.id, reason or cancellation.DEFAULT_ADMIN_REASON)


def cancel_order(call: Call) -> Response:
    ctx = call.ctx
    if ctx.settings.defect_on("cancel_route_missing"):
        raise GlobalError(404, f"Route {call.request.method} {call.request.url.path} not found")
    if ctx.settings.defect_on("cancel_malformed_id_crash"):
        ObjectId(call.path("id"))  # raises on a malformed id: the 500 of an unchecked cast
    reason = _reason(call, required=False)
    order = order_queries.find_order(ctx.db, call.path("id"))
    if call.user.is_admin:
        return answer(call, "Order cancelled", cancel_by_admin(call, order, reason))
    owner = order.get("user") == call.user.id
    if not owner and not ctx.settings.defect_on("cancel_ownership_unchecked"):
        raise ApiError(403, "Not authorized to cancel this order")
    cancellation.check_owner_may_cancel(ctx, order, ctx.clock.now())
    outcome = cancellation.cancel(ctx, order, call.user.id, reason or cancellation.DEFAULT_CUSTOMER_REASON)
    return answer(call, "Order cancelled", outcome)


def request_cancellation(call: Call) -> Response:
    reason = _reason(call, required=True) or ""
    order = order_queries.find_order(call.ctx.db, call.path("id"))
    owner = order.get("user") == call.user.id
    if not owner and not call.ctx.settings.defect_on("cancel_request_ownership_unchecked"):
        raise ApiError(403, "Only the customer who placed the order can request its cancellation")
    outcome = cancellation.request_cancellation(call.ctx, order, call.user.id, reason)
    assert outcome.request is not None  # a request was just made
    body = {
        "success": True,
        "message": "Cancellation requested; an admin will decide",
        "request": cancellation.request_view(outcome.request, outcome.order),
    }
    return wire.json_response(body, 201)


def list_requests(call: Call) -> Response:
    found = cancellation.list_requests(call.ctx, call.query.get("status") or None)
    return wire.json_response({"success": True, "count": len(found), "requests": found})


def decide(call: Call) -> Response:
    body = json_object(call.body)
    decision = body.get("decision")
    if decision not in cancellation.DECISIONS:
        raise ApiError(400, "decision must be approve or deny")
    errors = FieldErrors()
    notes = optional_string(body, "adminNotes", errors, REASON_MAX)
    errors.raise_if_any()
    order = order_queries.find_order(call.ctx.db, call.path("id"))
    record = cancellation.find_request(call.ctx, order, call.path("requestId"))
    outcome = cancellation.decide(call.ctx, order, record, str(decision), admin=call.user.id, notes=notes)
    message = "Cancellation approved" if decision == "approve" else "Cancellation request denied"
    return answer(call, message, outcome)


def admin_cancel(call: Call) -> Response:
    """`PUT /api/admin/orders/:id/cancel {reason?}` (API.md 5.6): the admin's cancel, admin prefix."""
    order = order_queries.find_order(call.ctx.db, call.path("id"))
    return status_answer(call, cancel_by_admin(call, order, _reason(call, required=False)))


routes: list[Route] = [
    route("/api/admin/orders/{id}/cancel", admin_cancel, ["PUT"], guard=admin_guard),
    route("/api/public-admin/orders/{id}/cancel", admin_cancel, ["PUT"], guard=admin_guard),
    # Before `/api/orders/{id}`, which would otherwise take "cancellation-requests" for an id.
    route("/api/orders/cancellation-requests", list_requests, guard=admin_guard),
    route("/api/orders/{id}/cancel", cancel_order, ["POST"], guard=user_guard),
    route("/api/orders/{id}/cancel-request", request_cancellation, ["POST"], guard=user_guard),
    route("/api/orders/{id}/cancellation-requests/{requestId}", decide, ["PUT"], guard=admin_guard),
]
