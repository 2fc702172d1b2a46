"""Stripe events (API.md 6.3, CANCELLATION.md 6): trust, de-duplication and what each event does.

A delivery is trusted only with a valid, recent signature over its exact bytes. Its event id is then
recorded (the `_id` of `stripeevents`, so a second delivery of the same id is refused by MongoDB itself)
before it is applied; if applying fails, the record is removed again so that Stripe's retry is processed.
Unknown event types are acknowledged and ignored, and leave no record.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from typing import Any

from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from staging.reference import payment_mail, refunds
from staging.reference.context import AppContext
from staging.reference.db import ORDERS, STRIPE_EVENTS, USERS, Doc
from staging.reference.errors import ApiError
from staging.reference.notifications import Mail
from staging.reference.order_updates import update_order
from staging.reference.validation import parse_object_id
from staging.reference.webhook_signature import SignatureError, verify

log = logging.getLogger("almarya.reference")

Handler = Callable[[AppContext, Doc], list[Mail | None]]


def receive(ctx: AppContext, payload: bytes, signature: str | None) -> tuple[Doc, list[Mail | None]]:
    """Check, record and apply one delivery; the answer body and the mails to send."""
    event = _trusted_event(ctx, payload, signature)
    event_type = str(event["type"])
    handler = HANDLERS.get(event_type)
    if handler is None:
        if ctx.settings.defect_on("webhook_unknown_type_rejected"):
            raise ApiError(400, f"Webhook Error: unhandled event type {event_type}")
        log.info("Stripe event %s of type %s ignored", event["id"], event_type)
        return {"received": True, "ignored": True}, []
    replays_checked = not ctx.settings.defect_on("webhook_replay_processed")
    if replays_checked:
        try:
            ctx.db[STRIPE_EVENTS].insert_one(
                {"_id": str(event["id"]), "type": event_type, "receivedAt": ctx.clock.now()}
            )
        except DuplicateKeyError:
            log.info("Stripe event %s delivered again: already processed", event["id"])
            return {"received": True, "duplicate": True}, []
    try:
        mails = handler(ctx, event["data"]["object"])
    except BaseException:
        if replays_checked:
            ctx.db[STRIPE_EVENTS].delete_one({"_id": str(event["id"])})
        raise
    return {"received": True}, mails


def _trusted_event(ctx: AppContext, payload: bytes, signature: str | None) -> Doc:
    secret = ctx.settings.stripe_webhook_secret
    if secret is None:
        raise ApiError(400, "Webhook Error: STRIPE_WEBHOOK_SECRET is not configured")
    try:
        verify(
            payload,
            signature,
            secret,
            time.time(),
            check_signature=not ctx.settings.defect_on("webhook_signature_unchecked"),
            check_timestamp=not ctx.settings.defect_on("webhook_timestamp_unchecked"),
        )
    except SignatureError as exc:
        raise ApiError(400, f"Webhook Error: {exc}") from None
    try:
        event = json.loads(payload)
    except ValueError:
        raise ApiError(400, "Webhook Error: the payload is not JSON") from None
    data = event.get("data") if isinstance(event, dict) else None
    if (
        not isinstance(event, dict)
        or not isinstance(event.get("id"), str)
        or not isinstance(event.get("type"), str)
        or not isinstance(data, dict)
        or not isinstance(data.get("object"), dict)
    ):
        raise ApiError(400, "Webhook Error: not a Stripe event")
    return event


def _order_for(ctx: AppContext, obj: Doc, intent_id: Any) -> Doc | None:
    """The order an intent or charge belongs to: `metadata.orderId`, else the stored intent id."""
    metadata = obj.get("metadata")
    order_id = parse_object_id(metadata.get("orderId")) if isinstance(metadata, dict) else None
    if order_id is not None:
        found = ctx.db[ORDERS].find_one({"_id": order_id})
        if found is not None:
            return found
    if isinstance(intent_id, str) and intent_id:
        return ctx.db[ORDERS].find_one(
            {"$or": [{"transactionId": intent_id}, {"stripePaymentIntentId": intent_id}]}
        )
    return None


def _customer(ctx: AppContext, order: Doc) -> Doc | None:
    return ctx.db[USERS].find_one({"_id": order.get("user")}, {"name": 1, "email": 1})


def payment_succeeded(ctx: AppContext, intent: Doc) -> list[Mail | None]:
    order = _order_for(ctx, intent, intent.get("id"))
    if order is None:
        log.warning("payment_intent.succeeded for an unknown order: %s", intent.get("id"))
        return []
    now = ctx.clock.now()
    paid = ctx.db[ORDERS].find_one_and_update(
        # Money already (partly) refunded is never booked as paid again.
        {"_id": order["_id"], "paymentStatus": {"$in": ["pending", "failed", "paid"]}},
        {
            "$set": {
                "paymentStatus": "paid",
                "transactionId": intent.get("id"),
                "stripePaymentIntentId": intent.get("id"),
                "paidAt": now,
                "updatedAt": now,
            },
            "$unset": {"paymentFailureReason": ""},
        },
        return_document=ReturnDocument.AFTER,
    )
    if paid is None:
        return []
    if not ctx.settings.defect_on("webhook_payment_no_confirm"):
        changes = {"status": "confirmed", "statusTimestamps.confirmed": now}
        paid = update_order(ctx.db, order["_id"], {"status": "pending"}, changes, now) or paid
    return [payment_mail.payment_received(_customer(ctx, paid), paid)]


def payment_failed(ctx: AppContext, intent: Doc) -> list[Mail | None]:
    order = _order_for(ctx, intent, intent.get("id"))
    if order is None or ctx.settings.defect_on("webhook_payment_failed_ignored"):
        return []
    error = intent.get("last_payment_error")
    reason = error.get("message") if isinstance(error, dict) else None
    now = ctx.clock.now()
    changes = {"paymentStatus": "failed", "paymentFailureReason": str(reason or "Payment failed")}
    update_order(ctx.db, order["_id"], {"paymentStatus": {"$in": ["pending", "failed"]}}, changes, now)
    return []


def payment_canceled(ctx: AppContext, intent: Doc) -> list[Mail | None]:
    order = _order_for(ctx, intent, intent.get("id"))
    if order is not None:
        now = ctx.clock.now()
        expect = {"paymentStatus": {"$in": ["pending", "failed"]}}
        update_order(ctx.db, order["_id"], expect, {"paymentStatus": "pending"}, now)
    return []


def charge_refunded(ctx: AppContext, charge: Doc) -> list[Mail | None]:
    """Refunds made in Stripe itself: book what Stripe has refunded beyond what we already booked.

    `amount_refunded` is Stripe's running total, so the event is idempotent on its own: refunds the
    backend made (and reserved) already account for their share.
    """
    if ctx.settings.defect_on("webhook_charge_refunded_ignored"):
        return []
    order = _order_for(ctx, charge, charge.get("payment_intent"))
    total = charge.get("amount_refunded")
    if (
        order is None
        or not isinstance(total, int)
        or order.get("paymentStatus") not in refunds.REFUNDABLE_STATES
    ):
        return []
    missing = min(total, refunds.paid_fils(order)) - refunds.reserved_fils(order)
    if missing <= 0:
        return []
    listed = (charge.get("refunds") or {}).get("data") if isinstance(charge.get("refunds"), dict) else None
    latest = (
        listed[0].get("id") if isinstance(listed, list) and listed and isinstance(listed[0], dict) else None
    )
    try:
        refund = refunds.book_external(ctx, order, missing, latest)
    except ApiError as exc:  # a refund of ours raced this event and already covers it
        log.info("charge.refunded for order %s not booked: %s", order["_id"], exc.message)
        return []
    booked = ctx.db[ORDERS].find_one({"_id": order["_id"]}) or order
    return [payment_mail.refund_issued(_customer(ctx, booked), booked, refund)]


HANDLERS: dict[str, Handler] = {
    "payment_intent.succeeded": payment_succeeded,
    "payment_intent.payment_failed": payment_failed,
    "payment_intent.canceled": payment_canceled,
    "charge.refunded": charge_refunded,
}
