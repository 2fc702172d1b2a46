"""Payments (API.md 6): Stripe config, payment intents for Firebase-signed-in customers, the admin's
Stripe refund, and the webhook (CANCELLATION.md 6)."""

from __future__ import annotations

import logging

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from staging.reference import order_queries, payment_events, payment_mail, refunds, wire
from staging.reference.context import AppContext
from staging.reference.db import ORDERS, Doc
from staging.reference.errors import ApiError, internal_error_response
from staging.reference.firebase_auth import firebase_guard
from staging.reference.guards import admin_guard
from staging.reference.money import to_aed, to_fils
from staging.reference.routes.refunds import parse_amount
from staging.reference.routing import MAX_BODY_BYTES, Call, route
from staging.reference.stripe_client import StripeClient, StripeError
from staging.reference.validation import FieldErrors, is_number, json_object

log = logging.getLogger("almarya.reference")

STRIPE_REFUND_REASONS = ("duplicate", "fraudulent", "requested_by_customer")


def stripe_config(call: Call) -> Response:
    key = call.ctx.settings.stripe_publishable_key
    return wire.json_response({"success": True, "data": {"publishableKey": key}})


def _own_order(call: Call, raw_id: object) -> Doc:
    order = order_queries.find_order(call.ctx.db, raw_id if isinstance(raw_id, str) else "")
    if not call.user.is_admin and order.get("user") != call.user.id:
        raise ApiError(403, "Not authorized to pay for this order")
    return order


def create_intent(call: Call) -> Response:
    body = json_object(call.body)
    order = _own_order(call, body.get("orderId"))
    if order.get("paymentStatus") in refunds.PAID_STATES:
        raise ApiError(400, "Order is already paid")
    amount = to_fils(order.get("totalAmount") or 0)
    if call.ctx.settings.defect_on("intent_amount_from_request") and is_number(body.get("amount")):
        amount = to_fils(body["amount"])
    customer = call.user.user
    metadata = {
        "orderId": str(order["_id"]),
        "orderNumber": str(order.get("orderNumber")),
        "userId": str(customer["_id"]),
        "email": str(customer.get("email") or ""),
    }
    try:
        with StripeClient(call.ctx.settings) as stripe:
            intent = stripe.create_payment_intent(amount, "aed", metadata)
    except StripeError as exc:
        log.warning("Payment intent for order %s failed: %s", order["_id"], exc)
        return wire.json_response({"success": False, "message": f"Payment failed: {exc}"}, 500)
    now = call.ctx.clock.now()
    call.ctx.db[ORDERS].update_one(
        {"_id": order["_id"]}, {"$set": {"stripePaymentIntentId": intent.get("id"), "updatedAt": now}}
    )
    data = {
        "clientSecret": intent.get("client_secret"),
        "paymentIntentId": intent.get("id"),
        "amount": intent.get("amount"),
        "currency": intent.get("currency"),
    }
    return wire.json_response({"success": True, "data": data})


def payment_details(call: Call) -> Response:
    order = _own_order(call, call.path("orderId"))
    keys = ("orderNumber", "totalAmount", "currency", "paymentStatus", "paymentMethod", "transactionId",
            "paidAt", "refundedAt", "refundAmount")  # fmt: skip
    stripe_details = None
    intent_id = order.get("stripePaymentIntentId")
    if isinstance(intent_id, str) and intent_id:
        try:
            with StripeClient(call.ctx.settings) as stripe:
                intent = stripe.retrieve_payment_intent(intent_id)
            stripe_details = {
                key: intent.get(key) for key in ("id", "status", "amount", "amount_received", "currency")
            }
        except StripeError as exc:
            log.warning("Payment intent %s could not be read: %s", intent_id, exc)
    data = {"order": {key: order.get(key) for key in keys}, "stripeDetails": stripe_details}
    return wire.json_response({"success": True, "data": data})


def payment_refund(call: Call) -> Response:
    """API.md 6.2: a Stripe refund of a card payment; partial refunds follow CANCELLATION.md 5."""
    body = json_object(call.body)
    errors = FieldErrors()
    reason = body.get("reason") or "requested_by_customer"
    if reason not in STRIPE_REFUND_REASONS:
        errors.add("reason", f"reason must be one of {', '.join(STRIPE_REFUND_REASONS)}", reason)
    amount = parse_amount(body, errors, required=False)
    errors.raise_if_any()
    order = order_queries.find_order(call.ctx.db, call.path("orderId"))
    if order.get("paymentStatus") not in refunds.REFUNDABLE_STATES or refunds.charged_intent(order) is None:
        raise ApiError(400, "Only orders paid through Stripe can be refunded here")
    kind = "full" if amount is None else "partial"
    request = refunds.RefundOrder(kind, str(reason), amount, "admin", stripe_reason=str(reason))
    record = refunds.refund(call.ctx, order, request, call.user.id)
    if record.get("status") == "failed":
        message = f"Refund failed: {record.get('failureReason')}"
        return wire.json_response({"success": False, "message": message}, 500)
    data = {
        "refundId": record.get("stripeRefundId") or str(record["_id"]),
        "amount": to_aed(int(record["amountFils"])),
        "currency": "AED",
        "status": record.get("status"),
    }
    return wire.json_response({"success": True, "data": data})


def _webhook(ctx: AppContext, payload: bytes, signature: str | None) -> Response:
    body, mails = payment_events.receive(ctx, payload, signature)
    return wire.json_response(body, background=payment_mail.send_all_later(ctx.mailer, *mails))


async def webhook(request: Request) -> Response:
    """The signature covers the exact raw bytes, so this route reads them itself (no JSON parsing first)."""
    ctx: AppContext = request.app.state.ctx
    try:
        payload = await request.body()
        if len(payload) > MAX_BODY_BYTES:
            raise ApiError(413, "Webhook Error: payload too large")
        signature = request.headers.get("stripe-signature")
        return await run_in_threadpool(_webhook, ctx, payload, signature)
    except ApiError as exc:
        return exc.to_response()
    except Exception as exc:  # the global handler's 500, as for every other route
        return internal_error_response(request, exc)


routes: list[Route] = [
    route("/api/config/stripe", stripe_config),
    route("/api/payment/create-intent", create_intent, ["POST"], guard=firebase_guard),
    route("/api/payment/details/{orderId}", payment_details, guard=firebase_guard),
    route("/api/payment/refund/{orderId}", payment_refund, ["POST"], guard=admin_guard),
    Route("/api/payment/webhook", webhook, methods=["POST"]),
]
