"""Cancelling orders (CANCELLATION.md 2-4): who may cancel what and when, atomically, and the refund.

The rules come from the policy file (`settings.policy`). Every state change is one conditional update
whose filter restates its preconditions, so a repeated or concurrent cancel, or a decision racing the
staff, changes the order at most once, and only the caller whose update matched issues a refund.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from bson import ObjectId
from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from staging.reference import payment_mail, refunds, views
from staging.reference.context import AppContext
from staging.reference.db import CANCELLATION_REQUESTS, ORDERS, STAFFS, USERS, Doc
from staging.reference.errors import ApiError
from staging.reference.money import share_fils
from staging.reference.notifications import Mail
from staging.reference.order_updates import changed_meanwhile, update_order
from staging.reference.validation import object_id_or_400

DEFAULT_CUSTOMER_REASON = "Customer requested cancellation"
DEFAULT_ADMIN_REASON = "Cancelled by admin"
DECISIONS = ("approve", "deny")
REQUEST_STATUSES = ("requested", "approved", "denied")
HARDCODED_WINDOW_MINUTES = 15.0  # only for the `cancel_window_hardcoded` defect


@dataclass(frozen=True)
class Outcome:
    """What a cancellation or decision did: the order as it now is, the refund if any, mail to send."""

    order: Doc
    refund: Doc | None = None
    request: Doc | None = None
    mails: list[Mail | None] = field(default_factory=list)


def refused_status(status: object) -> ApiError:
    if status == "cancelled":
        return ApiError(400, "Cannot cancel order with status: cancelled (it is already cancelled)")
    return ApiError(400, f"Cannot cancel order with status: {status}")


# --- who may cancel ---------------------------------------------------------------------------------------


def _window_minutes(ctx: AppContext) -> float:
    if ctx.settings.defect_on("cancel_window_hardcoded"):
        return HARDCODED_WINDOW_MINUTES
    return ctx.settings.policy.self_cancel_window_minutes


def _window_expired(ctx: AppContext, order: Doc, now: datetime) -> bool:
    placed = (order.get("statusTimestamps") or {}).get("placed") or order.get("createdAt")
    if not isinstance(placed, datetime):
        return False
    return (now - placed).total_seconds() > _window_minutes(ctx) * 60


def check_owner_may_cancel(ctx: AppContext, order: Doc, now: datetime) -> None:
    """CANCELLATION.md 3 for the order's owner: self-cancel statuses within the window, nothing else."""
    settings, policy = ctx.settings, ctx.settings.policy
    status = order.get("status")
    if status in policy.self_cancel_statuses:
        if _window_expired(ctx, order, now) and not settings.defect_on("cancel_window_ignored"):
            raise ApiError(400, "Cancellation window expired")
        return
    if status in policy.approval_statuses:
        if settings.defect_on("cancel_approval_status_allowed"):
            return
        raise ApiError(
            400,
            f"Orders that are {status} need approval to be cancelled: send a cancellation request "
            f"(POST /api/orders/{order['_id']}/cancel-request)",
        )
    _check_not_never(ctx, order)


def check_admin_may_cancel(ctx: AppContext, order: Doc, now: datetime) -> None:
    """Admins cancel in any self-cancel or approval status, with no window."""
    status = order.get("status")
    if status in ctx.settings.policy.cancellable_by_admin:
        if ctx.settings.defect_on("admin_cancel_window_applied") and _window_expired(ctx, order, now):
            raise ApiError(400, "Cancellation window expired")
        return
    _check_not_never(ctx, order)


def _check_not_never(ctx: AppContext, order: Doc) -> None:
    status = order.get("status")
    if status == "cancelled" and ctx.settings.defect_on("cancel_repeat_refunds"):
        return
    if status in ctx.settings.policy.never_cancellable and ctx.settings.defect_on(
        "cancel_never_cancellable_allowed"
    ):
        return
    raise refused_status(status)


# --- cancelling -------------------------------------------------------------------------------------------


def _cancel_changes(ctx: AppContext, actor: ObjectId, reason: str, now: datetime) -> Doc:
    changes: Doc = {
        "status": "cancelled",
        "cancellation.isCancelled": True,
        "cancellation.status": "approved",
        "cancellation.reason": reason,
        "cancellation.cancelledAt": now,
        "cancellation.cancelledBy": actor,
        "statusTimestamps.cancelled": now,
    }
    if ctx.settings.defect_on("cancel_status_unchanged"):
        del changes["status"]
    if ctx.settings.defect_on("cancel_record_incomplete"):
        for key in ("cancellation.cancelledAt", "cancellation.cancelledBy", "statusTimestamps.cancelled"):
            del changes[key]
    return changes


def cancel(ctx: AppContext, order: Doc, actor: ObjectId, reason: str) -> Outcome:
    """Cancel an order whose caller has passed the checks above; a full refund when it was paid."""
    now = ctx.clock.now()
    expect: Doc = {"status": order.get("status"), "cancellation.isCancelled": {"$ne": True}}
    if ctx.settings.defect_on("cancel_repeat_refunds"):
        expect = {}
    cancelled = update_order(ctx.db, order["_id"], expect, _cancel_changes(ctx, actor, reason, now), now)
    if cancelled is None:
        # Someone got there first: a repeated or concurrent cancel (400), or a move meanwhile (409).
        current = ctx.db[ORDERS].find_one({"_id": order["_id"]}) or {}
        if (current.get("cancellation") or {}).get("isCancelled") or current.get("status") == "cancelled":
            raise refused_status("cancelled")
        raise changed_meanwhile()
    _release_assignment(ctx, cancelled)
    if (order.get("cancellation") or {}).get("status") == "requested":
        # An admin cancelled outright: the open request is settled by it, not left for a decision.
        ctx.db[CANCELLATION_REQUESTS].update_many(
            {"order": order["_id"], "status": "requested"},
            {"$set": {"status": "approved", "processedAt": now, "processedBy": actor, "updatedAt": now}},
        )
    refund = None
    if not ctx.settings.defect_on("cancel_without_refund"):
        refund = _refund_paid_share(ctx, cancelled, None, reason=reason, source="cancellation", actor=actor)
    return _outcome(ctx, cancelled, refund)


def _refund_paid_share(
    ctx: AppContext, order: Doc, percent: Decimal | None, *, reason: str, source: str, actor: ObjectId
) -> Doc | None:
    """Refund ``percent`` of the amount paid (everything still refundable when None); None if unpaid."""
    if order.get("paymentStatus") not in refunds.REFUNDABLE_STATES:
        return None
    remaining = refunds.remaining_fils(order)
    amount = remaining if percent is None else min(remaining, share_fils(refunds.paid_fils(order), percent))
    if amount <= 0:
        return None
    kind = "full" if amount == remaining else "partial"
    try:
        return refunds.refund(ctx, order, refunds.RefundOrder(kind, reason, amount, source), actor)
    except ApiError:
        if ctx.settings.defect_on("cancel_repeat_refunds"):
            return None  # the defect answers 200 for a repeat even though nothing is left to refund
        raise


def _release_assignment(ctx: AppContext, order: Doc) -> None:
    if order.get("assignedStaff"):
        ctx.db[STAFFS].update_one(
            {"_id": order["assignedStaff"]}, {"$pull": {"assignedOrders": order["_id"]}}
        )


def _customer(ctx: AppContext, order: Doc) -> Doc | None:
    return ctx.db[USERS].find_one({"_id": order.get("user")}, {"name": 1, "email": 1})


def _outcome(ctx: AppContext, cancelled: Doc, refund: Doc | None, request: Doc | None = None) -> Outcome:
    order = ctx.db[ORDERS].find_one({"_id": cancelled["_id"]}) or cancelled
    mail = None
    if not ctx.settings.defect_on("cancel_mail_missing"):
        mail = payment_mail.order_cancelled(_customer(ctx, order), order, refund)
    return Outcome(order, refund, request, [mail])


# --- cancellation requests --------------------------------------------------------------------------------


def request_cancellation(ctx: AppContext, order: Doc, requester: ObjectId, reason: str) -> Outcome:
    """CANCELLATION.md 4: the owner asks; the order's status does not change and staff carry on."""
    settings, policy = ctx.settings, ctx.settings.policy
    status = order.get("status")
    if status not in policy.approval_statuses and not settings.defect_on("cancel_request_any_status"):
        hint = " Cancel it directly instead." if status in policy.self_cancel_statuses else ""
        raise ApiError(
            400,
            f"Cancellation requests are for orders that are {' or '.join(policy.approval_statuses)}; "
            f"this one is {status}.{hint}",
        )
    duplicates = settings.defect_on("cancel_request_duplicates")
    if (order.get("cancellation") or {}).get("status") == "requested" and not duplicates:
        raise ApiError(409, "A cancellation request for this order is already open")
    now = ctx.clock.now()
    request_id = ObjectId()
    expect: Doc = {"status": status, "cancellation.isCancelled": {"$ne": True}}
    if not duplicates:
        expect["cancellation.status"] = {"$ne": "requested"}
    changes: Doc = {
        "cancellation.status": "requested",
        "cancellation.requestId": str(request_id),
        "cancellation.reason": reason,
        "cancellation.requestedAt": now,
        "cancellation.requestedBy": requester,
    }
    if settings.defect_on("cancel_request_moves_order"):
        changes["status"] = "on-hold"
    updated = update_order(ctx.db, order["_id"], expect, changes, now)
    if updated is None:
        current = ctx.db[ORDERS].find_one({"_id": order["_id"]}) or {}
        if (current.get("cancellation") or {}).get("status") == "requested":
            raise ApiError(409, "A cancellation request for this order is already open")
        raise changed_meanwhile()
    record: Doc = {
        "_id": request_id,
        "order": order["_id"],
        "orderNumber": order.get("orderNumber"),
        "user": order.get("user"),
        "orderStatusAtRequest": status,
        "reason": reason,
        "status": "requested",
        "requestedAt": now,
        "requestedBy": requester,
        "createdAt": now,
        "updatedAt": now,
    }
    try:
        ctx.db[CANCELLATION_REQUESTS].insert_one(record)
    except DuplicateKeyError:
        if not duplicates:
            raise
    return Outcome(updated, request=record)


def find_request(ctx: AppContext, order: Doc, raw_request_id: str) -> Doc:
    request_id = object_id_or_400(raw_request_id, "cancellation request")
    record = ctx.db[CANCELLATION_REQUESTS].find_one({"_id": request_id, "order": order["_id"]})
    if record is None:
        raise ApiError(404, "Cancellation request not found")
    return record


def _already_decided(record: Doc) -> ApiError:
    return ApiError(409, f"This cancellation request has already been {record.get('status')}")


def decide(
    ctx: AppContext, order: Doc, record: Doc, decision: str, *, admin: ObjectId, notes: str | None
) -> Outcome:
    twice_allowed = ctx.settings.defect_on("decide_twice_allowed")
    if record.get("status") != "requested" and not twice_allowed:
        raise _already_decided(record)
    if decision == "approve":
        return _approve(ctx, order, record, admin, notes)
    return _deny(ctx, order, record, admin, notes)


def _open_request_filter(ctx: AppContext, record: Doc) -> Doc:
    expect: Doc = {"cancellation.requestId": str(record["_id"])}
    if not ctx.settings.defect_on("decide_twice_allowed"):
        expect["cancellation.status"] = "requested"
    return expect


def _approve(ctx: AppContext, order: Doc, record: Doc, admin: ObjectId, notes: str | None) -> Outcome:
    policy = ctx.settings.policy
    now = ctx.clock.now()
    expect = _open_request_filter(ctx, record)
    if not ctx.settings.defect_on("approve_after_moved_on"):
        expect["status"] = {"$in": list(policy.approval_statuses)}
    changes = _cancel_changes(ctx, admin, str(record.get("reason") or DEFAULT_CUSTOMER_REASON), now)
    changes.update(
        {"cancellation.processedBy": admin, "cancellation.processedAt": now, "cancellation.adminNotes": notes}
    )
    before = ctx.db[ORDERS].find_one_and_update(
        {"_id": order["_id"], **expect},
        {"$set": {**changes, "updatedAt": now}},
        return_document=ReturnDocument.BEFORE,
    )
    if before is None:
        raise _why_not_decided(ctx, order, record)
    # The refund follows the status at decision time, not when the customer asked.
    decided_in = str(before.get("status"))
    if ctx.settings.defect_on("approve_percent_at_request_time"):
        decided_in = str(record.get("orderStatusAtRequest"))
    percent = policy.approval_refund_percent.get(decided_in, Decimal(100))
    decided = _close_request(
        ctx, record, "approved", admin=admin, notes=notes, now=now, order_status=decided_in, percent=percent
    )
    cancelled = ctx.db[ORDERS].find_one({"_id": order["_id"]}) or before
    _release_assignment(ctx, cancelled)
    reason = f"Cancellation approved ({percent}% refund while {decided_in})"
    refund = _refund_paid_share(ctx, cancelled, percent, reason=reason, source="approval", actor=admin)
    return _outcome(ctx, cancelled, refund, decided)


def _deny(ctx: AppContext, order: Doc, record: Doc, admin: ObjectId, notes: str | None) -> Outcome:
    now = ctx.clock.now()
    changes: Doc = {
        "cancellation.status": "denied",
        "cancellation.processedBy": admin,
        "cancellation.processedAt": now,
        "cancellation.adminNotes": notes,
    }
    if ctx.settings.defect_on("deny_cancels_order"):
        changes |= {"status": "cancelled", "cancellation.isCancelled": True}
    denied = update_order(ctx.db, order["_id"], _open_request_filter(ctx, record), changes, now)
    if denied is None:
        raise _why_not_decided(ctx, order, record)
    decided = _close_request(
        ctx,
        record,
        "denied",
        admin=admin,
        notes=notes,
        now=now,
        order_status=str(denied.get("status")),
        percent=None,
    )
    mail = None
    if not ctx.settings.defect_on("deny_mail_missing"):
        mail = payment_mail.cancellation_denied(_customer(ctx, denied), denied, notes)
    return Outcome(denied, None, decided, [mail])


def _why_not_decided(ctx: AppContext, order: Doc, record: Doc) -> ApiError:
    current = ctx.db[ORDERS].find_one({"_id": order["_id"]}) or {}
    cancellation = current.get("cancellation") or {}
    if cancellation.get("requestId") != str(record["_id"]) or cancellation.get("status") != "requested":
        fresh = ctx.db[CANCELLATION_REQUESTS].find_one({"_id": record["_id"]}) or record
        return _already_decided(fresh)
    return ApiError(
        409, f"The order is now {current.get('status')}: it can no longer be cancelled on request"
    )


def _close_request(
    ctx: AppContext,
    record: Doc,
    status: str,
    *,
    admin: ObjectId,
    notes: str | None,
    now: datetime,
    order_status: str,
    percent: Decimal | None,
) -> Doc:
    changes: Doc = {
        "status": status,
        "processedAt": now,
        "processedBy": admin,
        "adminNotes": notes,
        "orderStatusAtDecision": order_status,
        "refundPercent": float(percent) if percent is not None else None,
        "updatedAt": now,
    }
    ctx.db[CANCELLATION_REQUESTS].update_one({"_id": record["_id"]}, {"$set": changes})
    return {**record, **changes}


# --- views ------------------------------------------------------------------------------------------------


def request_view(record: Doc, order: Doc | None = None, customer: Doc | None = None) -> Doc:
    """A cancellation request as the API shows it (CANCELLATION.md 4)."""
    view: dict[str, Any] = {
        "id": str(record["_id"]),
        "orderId": record.get("order"),
        "orderNumber": record.get("orderNumber"),
        "reason": record.get("reason"),
        "status": record.get("status"),
        "requestedAt": record.get("requestedAt"),
        "processedAt": record.get("processedAt"),
        "processedBy": record.get("processedBy"),
        "adminNotes": record.get("adminNotes"),
        "refundPercent": record.get("refundPercent"),
    }
    if order is not None:
        view["orderStatus"] = order.get("status")
    if customer is not None:
        view["customer"] = {"id": str(customer["_id"]), **{k: customer.get(k) for k in ("name", "email")}}
    return view


def list_requests(ctx: AppContext, status: str | None) -> list[Doc]:
    """Requests, newest first, with their order's current status and the customer."""
    if status is not None and status not in REQUEST_STATUSES:
        raise ApiError(400, f"status must be one of {', '.join(REQUEST_STATUSES)}")
    wanted = (
        {}
        if status is None or ctx.settings.defect_on("cancellation_requests_unfiltered")
        else {"status": status}
    )
    newest_first = -1 if not ctx.settings.defect_on("cancellation_requests_oldest_first") else 1
    records = list(
        ctx.db[CANCELLATION_REQUESTS]
        .find(wanted)
        .sort([("requestedAt", newest_first), ("_id", newest_first)])
        .limit(200)
    )
    orders = {
        o["_id"]: o
        for o in ctx.db[ORDERS].find({"_id": {"$in": [r["order"] for r in records]}}, {"status": 1})
    }
    customers = views.customer_refs(ctx.db, (r.get("user") for r in records))
    return [request_view(r, orders.get(r["order"]), customers.get(r.get("user"))) for r in records]
