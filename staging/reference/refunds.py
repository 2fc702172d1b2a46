"""Refunds (CANCELLATION.md 5): a record per refund, and bookkeeping on the order that cannot over-refund.

The order carries two counters in whole fils: ``refundReservedFils`` (completed, pending and in-flight
refunds) and ``refundedFils`` (completed ones). A refund first *reserves* its amount with one conditional
``$inc`` whose filter requires the reservation to stay within the amount paid, so of two concurrent refunds
that together exceed it, MongoDB lets exactly one through. Only then does it call Stripe; a Stripe failure
releases the reservation and leaves the record ``failed`` (listed for retry) and the payment status as it
was. ``paymentStatus``, ``refundAmount`` (AED), ``refundedAt`` and ``refundReason`` follow ``refundedFils``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bson import ObjectId
from pymongo import ReturnDocument

from staging.reference.context import AppContext
from staging.reference.db import ORDERS, REFUNDS, USERS, Doc
from staging.reference.errors import ApiError
from staging.reference.money import to_aed, to_fils
from staging.reference.stripe_client import StripeClient, StripeError

log = logging.getLogger("almarya.reference")

KINDS = ("full", "partial", "store_credit")
RECORD_STATUSES = ("completed", "failed", "pending")
PAID_STATES = ("paid", "partially_refunded", "refunded")
REFUNDABLE_STATES = ("paid", "partially_refunded")
CARD_METHODS = ("card", "apple_pay", "google_pay")
# The `refund_not_atomic` defect's stand-in for a slow round trip between the check and the write.
_RACE_WINDOW_SECONDS = 0.3


@dataclass(frozen=True)
class RefundOrder:
    """What to refund: ``amount_fils=None`` means everything still refundable."""

    kind: str
    reason: str
    amount_fils: int | None
    source: str  # admin | cancellation | approval | stripe
    stripe_reason: str | None = None


def paid_fils(order: Mapping[str, Any]) -> int:
    """What the customer paid: the order's total once it is paid (refunds do not change it)."""
    if order.get("paymentStatus") not in PAID_STATES:
        return 0
    return to_fils(order.get("totalAmount") or 0)


def reserved_fils(order: Mapping[str, Any]) -> int:
    return int(order.get("refundReservedFils") or 0)


def refunded_fils(order: Mapping[str, Any]) -> int:
    return int(order.get("refundedFils") or 0)


def remaining_fils(order: Mapping[str, Any]) -> int:
    return max(0, paid_fils(order) - reserved_fils(order))


def charged_intent(order: Mapping[str, Any]) -> str | None:
    """The PaymentIntent that actually took the money (set by `payment_intent.succeeded`), if any."""
    transaction = order.get("transactionId")
    return transaction if isinstance(transaction, str) and transaction.startswith("pi_") else None


def view(record: Mapping[str, Any]) -> Doc:
    """A refund as the API shows it (CANCELLATION.md 5)."""
    return {
        "id": str(record["_id"]),
        "orderId": record.get("order"),
        "orderNumber": record.get("orderNumber"),
        "amount": to_aed(int(record.get("amountFils") or 0)),
        "currency": "AED",
        "type": record.get("type"),
        "status": record.get("status"),
        "stripeRefundId": record.get("stripeRefundId"),
        "reason": record.get("reason"),
        "failureReason": record.get("failureReason"),
        "source": record.get("source"),
        "createdAt": record.get("createdAt"),
        "processedAt": record.get("processedAt"),
        "processedBy": record.get("processedBy"),
    }


def refunds_of(ctx: AppContext, order_id: ObjectId) -> list[Doc]:
    return list(ctx.db[REFUNDS].find({"order": order_id}).sort([("createdAt", -1), ("_id", -1)]))


def refund(ctx: AppContext, order: Doc, request: RefundOrder, processed_by: ObjectId | None) -> Doc:
    """Reserve, pay back (a Stripe refund for card payments), book; the refund record as stored.

    Raises ApiError(400) when the order is not refundable or the amount is more than remains.
    """
    amount = _reserve(ctx, order, request)
    record = _new_record(ctx, order, request, amount, processed_by=processed_by)
    store_credit = request.kind == "store_credit" and not ctx.settings.defect_on("store_credit_via_stripe")
    by_card = not store_credit and order.get("paymentMethod") in CARD_METHODS
    if by_card and not ctx.settings.defect_on("refund_skips_stripe"):
        intent = charged_intent(order)
        if intent is None:
            # Paid by card, but no charge on record to refund against: left pending for manual processing.
            log.warning("Refund %s of order %s left pending: no payment intent", record["_id"], order["_id"])
            return record
        try:
            stripe_refund = _stripe_refund(ctx, intent, amount, record, request)
        except StripeError as exc:
            return _fail(ctx, record, str(exc))
        record["stripeRefundId"] = stripe_refund.get("id")
    if request.kind == "store_credit" and order.get("user") is not None:
        ctx.db[USERS].update_one({"_id": order["user"]}, {"$inc": {"storeCredit": to_aed(amount)}})
    return complete(ctx, record)


def _stripe_refund(ctx: AppContext, intent: str, amount: int, record: Doc, request: RefundOrder) -> Doc:
    # Stripe takes the smallest currency unit; the defect sends AED as if it were fils.
    sent = amount // 100 if ctx.settings.defect_on("refund_amount_in_aed") else amount
    with StripeClient(ctx.settings) as stripe:
        return stripe.create_refund(
            intent,
            sent,
            reason=request.stripe_reason,
            metadata={"orderId": str(record["order"]), "refundId": str(record["_id"])},
            idempotency_key=f"refund-{record['_id']}",
        )


def _reserve(ctx: AppContext, order: Doc, request: RefundOrder) -> int:
    settings = ctx.settings
    unpaid_allowed = settings.defect_on("refund_unpaid_allowed")
    status = order.get("paymentStatus")
    if status not in REFUNDABLE_STATES and not unpaid_allowed:
        raise ApiError(400, f"Only paid orders can be refunded (paymentStatus is {status})")
    paid = to_fils(order.get("totalAmount") or 0) if unpaid_allowed else paid_fils(order)
    remaining = max(0, paid - reserved_fils(order))
    amount = remaining if request.amount_fils is None else request.amount_fils
    if amount <= 0:
        raise ApiError(400, "Nothing is left to refund on this order")
    over_allowed = settings.defect_on("refund_over_amount")
    if amount > remaining and not over_allowed:
        raise ApiError(
            400,
            f"Refund amount {to_aed(amount):.2f} AED exceeds the remaining refundable amount "
            f"{to_aed(remaining):.2f} AED",
        )
    orders = ctx.db[ORDERS]
    if settings.defect_on("refund_not_atomic"):
        fresh = orders.find_one({"_id": order["_id"]}) or order
        if reserved_fils(fresh) + amount > paid:
            raise ApiError(400, "Refund amount exceeds the remaining refundable amount")
        time.sleep(_RACE_WINDOW_SECONDS)  # injected: the check and the write drift apart
        orders.update_one({"_id": order["_id"]}, {"$inc": {"refundReservedFils": amount}})
        return amount
    if over_allowed or unpaid_allowed:
        orders.update_one({"_id": order["_id"]}, {"$inc": {"refundReservedFils": amount}})
        return amount
    within = {
        "$or": [{"refundReservedFils": {"$exists": False}}, {"refundReservedFils": {"$lte": paid - amount}}]
    }
    reserved = orders.find_one_and_update(
        {"_id": order["_id"], "paymentStatus": {"$in": list(REFUNDABLE_STATES)}, **within},
        {"$inc": {"refundReservedFils": amount}},
        return_document=ReturnDocument.AFTER,
    )
    if reserved is None:
        # Someone else refunded (or the payment changed) between our read and this write.
        now_remaining = remaining_fils(orders.find_one({"_id": order["_id"]}) or {})
        raise ApiError(
            400,
            f"Refund amount {to_aed(amount):.2f} AED exceeds the remaining refundable amount "
            f"{to_aed(now_remaining):.2f} AED",
        )
    return amount


def complete(ctx: AppContext, record: Doc) -> Doc:
    """Book a refund whose money went back: the order's counters and payment status, then the record."""
    now = ctx.clock.now()
    after = ctx.db[ORDERS].find_one_and_update(
        {"_id": record["order"]},
        {"$inc": {"refundedFils": int(record["amountFils"])}},
        return_document=ReturnDocument.AFTER,
    )
    if after is not None:
        settle(ctx, after, str(record.get("reason") or ""), now)
    changes = {"status": "completed", "processedAt": now, "updatedAt": now}
    if record.get("stripeRefundId"):
        changes["stripeRefundId"] = record["stripeRefundId"]
    ctx.db[REFUNDS].update_one({"_id": record["_id"]}, {"$set": changes})
    return {**record, **changes}


def settle(ctx: AppContext, order: Doc, reason: str, now: datetime) -> None:
    """Payment status and refund fields from the order's refunded total.

    Conditional on the counter value it read: of two refunds booked at once, the later write (the one
    that saw the larger total) is the one that stays.
    """
    refunded = refunded_fils(order)
    paid = paid_fils(order)
    status = "refunded" if refunded >= paid else "partially_refunded"
    if ctx.settings.defect_on("refund_partial_marks_refunded"):
        status = "refunded"
    ctx.db[ORDERS].update_one(
        {"_id": order["_id"], "refundedFils": refunded},
        {
            "$set": {
                "paymentStatus": status,
                "refundAmount": to_aed(refunded),
                "refundedAt": now,
                "refundReason": reason,
                "updatedAt": now,
            }
        },
    )


def _fail(ctx: AppContext, record: Doc, reason: str) -> Doc:
    """Stripe refused: release the reservation, keep the payment status, list the refund as failed."""
    log.warning("Stripe refund for order %s failed: %s", record["order"], reason)
    if ctx.settings.defect_on("refund_failure_marks_refunded"):
        booked = complete(ctx, record)
        return {**booked, "status": "failed", "failureReason": reason}
    now = ctx.clock.now()
    ctx.db[ORDERS].update_one(
        {"_id": record["order"]}, {"$inc": {"refundReservedFils": -int(record["amountFils"])}}
    )
    changes = {"status": "failed", "failureReason": reason, "processedAt": now, "updatedAt": now}
    ctx.db[REFUNDS].update_one({"_id": record["_id"]}, {"$set": changes})
    return {**record, **changes}


def book_external(ctx: AppContext, order: Doc, amount: int, stripe_refund_id: str | None) -> Doc:
    """A refund made outside the backend (in Stripe's dashboard), learnt from `charge.refunded`."""
    kind = "full" if amount >= remaining_fils(order) else "partial"
    request = RefundOrder(kind, "Refunded in Stripe", amount, "stripe")
    reserved = _reserve(ctx, order, request)
    record = _new_record(ctx, order, request, reserved, stripe_refund_id=stripe_refund_id)
    return complete(ctx, record)


def _new_record(
    ctx: AppContext,
    order: Doc,
    request: RefundOrder,
    amount: int,
    *,
    processed_by: ObjectId | None = None,
    stripe_refund_id: str | None = None,
) -> Doc:
    """Insert the refund's record, `pending` until its money has gone back."""
    now = ctx.clock.now()
    record: Doc = {
        "_id": ObjectId(),
        "order": order["_id"],
        "orderNumber": order.get("orderNumber"),
        "user": order.get("user"),
        "amountFils": amount,
        "currency": "AED",
        "type": request.kind,
        "status": "pending",
        "reason": request.reason,
        "source": request.source,
        "processedBy": processed_by,
        "stripeRefundId": stripe_refund_id,
        "createdAt": now,
        "updatedAt": now,
    }
    ctx.db[REFUNDS].insert_one(record)
    return record
