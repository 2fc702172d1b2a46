"""The staff app (API.md 5.4, 5.7): the order queue, accept/start/ready, status moves, profile."""

from __future__ import annotations

import logging
from datetime import datetime

from bson import ObjectId
from pymongo import DESCENDING, ReturnDocument
from starlette.responses import Response
from starlette.routing import Route

from staging.reference import lifecycle, order_queries, views, wire
from staging.reference.db import DRIVERS, ORDERS, STAFFS, Doc
from staging.reference.errors import ApiError
from staging.reference.guards import staff_guard
from staging.reference.order_updates import changed_meanwhile, minutes_between, update_order
from staging.reference.routing import Call, route
from staging.reference.validation import FieldErrors, int_query, json_object, optional_string

log = logging.getLogger("almarya.reference")

NOTES_MAX = 500
_NOT_YOURS = "This order is not assigned to you"
_ACTIVE_ASSIGNMENTS = ("pending", "confirmed", "accepted", "preparing", "on-hold")


def _queue_filter(call: Call) -> Doc:
    wanted = call.query.get("status")
    me = call.staff.id
    if wanted == "pending":
        # New orders: those nobody has taken, and the caller's own.
        return {
            "status": {"$in": list(lifecycle.STAFF_NEW)},
            "$or": [{"assignedStaff": None}, {"assignedStaff": me}],
        }
    if wanted == "completed":
        return {"status": {"$in": list(lifecycle.STAFF_DONE)}}
    if not wanted or wanted == "all":
        return {"status": {"$in": list(lifecycle.STAFF_QUEUE)}}
    if wanted not in lifecycle.STATUSES:
        raise ApiError(400, f"Unknown status filter: {wanted}")
    return {"status": wanted}


def list_orders(call: Call) -> Response:
    limit = int_query(call.query, "limit", 100, 1, 200)
    found = (
        call.ctx.db[ORDERS].find(_queue_filter(call)).sort([("createdAt", DESCENDING), ("_id", DESCENDING)])
    )
    orders = views.staff_orders(call.ctx.db, list(found.limit(limit)), call.staff.id)
    return wire.json_response({"success": True, "count": len(orders), "orders": orders})


def _answer(call: Call, order: Doc, message: str | None = None) -> Response:
    body = {
        "success": True,
        "message": message,
        "order": views.staff_orders(call.ctx.db, [order], call.staff.id)[0],
    }
    return wire.json_response(body)


def get_order(call: Call) -> Response:
    return _answer(call, order_queries.find_order(call.ctx.db, call.path("id")))


def accept(call: Call) -> Response:
    order_id = order_queries.find_order(call.ctx.db, call.path("id"))["_id"]
    me = call.staff.id
    now = call.ctx.clock.now()
    if call.ctx.settings.defect_on("staff_accept_not_atomic"):
        return _accept_check_then_write(call, order_id, now)
    # One conditional update: unassigned, pending/confirmed and not cancelled, or nothing happens.
    accepted = update_order(
        call.ctx.db,
        order_id,
        {
            "status": {"$in": list(lifecycle.STAFF_NEW)},
            "assignedStaff": None,
            "cancellation.isCancelled": {"$ne": True},
        },
        {
            "status": "preparing",
            "assignedStaff": me,
            "statusTimestamps.acceptedByStaff": now,
            "statusTimestamps.preparationStarted": now,
        },
        now,
    )
    if accepted is None:
        raise _why_not_accepted(call, order_id, me)
    call.ctx.db[STAFFS].update_one(
        {"_id": me}, {"$addToSet": {"assignedOrders": order_id}, "$set": {"updatedAt": now}}
    )
    return _answer(call, accepted, "Order accepted successfully")


def _accept_check_then_write(call: Call, order_id: ObjectId, now: datetime) -> Response:
    """The injected defect: check the order, then write it unconditionally (a race between the two)."""
    order = order_queries.find_order(call.ctx.db, str(order_id))
    if order.get("status") not in lifecycle.STAFF_NEW or order.get("assignedStaff") is not None:
        raise _why_not_accepted(call, order_id, call.staff.id)
    call.ctx.db[STAFFS].find_one({"_id": call.staff.id}, {"assignedOrders": 1})
    changes = {
        "status": "preparing",
        "assignedStaff": call.staff.id,
        "statusTimestamps.acceptedByStaff": now,
        "statusTimestamps.preparationStarted": now,
    }
    accepted = update_order(call.ctx.db, order_id, {}, changes, now)
    call.ctx.db[STAFFS].update_one({"_id": call.staff.id}, {"$addToSet": {"assignedOrders": order_id}})
    return _answer(call, accepted or order, "Order accepted successfully")


def _why_not_accepted(call: Call, order_id: ObjectId, me: ObjectId) -> ApiError:
    """Why an accept lost: taken by someone (409), or not in an acceptable state (400)."""
    order = order_queries.find_order(call.ctx.db, str(order_id))
    assigned = order.get("assignedStaff")
    if assigned == me:
        return ApiError(400, "You have already accepted this order")
    if assigned is not None:
        return ApiError(409, "Order has already been accepted by another staff member")
    return ApiError(400, f"Order cannot be accepted in status '{order.get('status')}'")


def _own_order(call: Call) -> Doc:
    order = order_queries.find_order(call.ctx.db, call.path("id"))
    if order.get("assignedStaff") != call.staff.id:
        raise ApiError(403, _NOT_YOURS)
    return order


def start(call: Call) -> Response:
    order = _own_order(call)
    status = order.get("status")
    if status == "preparing":
        raise ApiError(400, "Order preparation has already started")
    if status not in lifecycle.STAFF_NEW:
        raise ApiError(400, f"Order cannot be started in status '{status}'")
    now = call.ctx.clock.now()
    started = update_order(
        call.ctx.db,
        order["_id"],
        {"assignedStaff": call.staff.id, "status": {"$in": list(lifecycle.STAFF_NEW)}},
        {"status": "preparing", "statusTimestamps.preparationStarted": now},
        now,
    )
    if started is None:
        raise changed_meanwhile()
    return _answer(call, started, "Order preparation started")


def _ready_changes(order: Doc, now: datetime) -> Doc:
    timestamps = order.get("statusTimestamps") or {}
    changes: Doc = {
        "status": "ready",
        "statusTimestamps.markedReady": now,
        "statusTimestamps.preparationCompleted": now,
    }
    minutes = minutes_between(timestamps.get("preparationStarted") or timestamps.get("acceptedByStaff"), now)
    if minutes is not None:
        changes["preparationTime.actualMinutes"] = minutes
    return changes


def _finish_preparation(call: Call, order: Doc, now: datetime) -> None:
    """Staff bookkeeping once an order is ready: off the caller's list, into their stats."""
    minutes = (order.get("preparationTime") or {}).get("actualMinutes") or 0
    staff = call.ctx.db[STAFFS].find_one_and_update(
        {"_id": call.staff.id},
        {
            "$pull": {"assignedOrders": order["_id"]},
            "$inc": {"stats.ordersCompleted": 1, "stats.totalPreparationMinutes": minutes},
            "$set": {"updatedAt": now},
        },
        return_document=ReturnDocument.AFTER,
    )
    stats = (staff or {}).get("stats") or {}
    if stats.get("ordersCompleted"):
        average = round(stats.get("totalPreparationMinutes", 0) / stats["ordersCompleted"], 1)
        call.ctx.db[STAFFS].update_one(
            {"_id": call.staff.id}, {"$set": {"stats.averagePreparationTime": average}}
        )
    if order.get("deliveryMethod") == "delivery":
        # Push notifications come later (Firebase); drivers poll GET /api/driver/orders/available.
        log.info("Order %s is ready: drivers notified", order.get("orderNumber"))


def ready(call: Call) -> Response:
    errors = FieldErrors()
    body = json_object(call.body)
    staff_notes = optional_string(body, "staffNotes", errors, NOTES_MAX)
    errors.raise_if_any()
    anyone = call.ctx.settings.defect_on("staff_ready_skips_assignee")
    order = order_queries.find_order(call.ctx.db, call.path("id")) if anyone else _own_order(call)
    if order.get("status") != "preparing":
        raise ApiError(400, f"Only a preparing order can be marked ready (status is '{order.get('status')}')")
    now = call.ctx.clock.now()
    changes = _ready_changes(order, now)
    if staff_notes:
        changes["staffNotes"] = staff_notes
    expect: Doc = (
        {"status": "preparing"} if anyone else {"assignedStaff": call.staff.id, "status": "preparing"}
    )
    done = update_order(call.ctx.db, order["_id"], expect, changes, now)
    if done is None:
        raise changed_meanwhile()
    _finish_preparation(call, done, now)
    return _answer(call, done, "Order marked as ready")


def set_order_status(call: Call) -> Response:
    target = json_object(call.body).get("status")
    if not isinstance(target, str) or target not in lifecycle.STAFF_SETTABLE:
        raise ApiError(400, f"Status must be one of {', '.join(sorted(lifecycle.STAFF_SETTABLE))}")
    order = order_queries.find_order(call.ctx.db, call.path("id"))
    current = order.get("status")
    if lifecycle.is_terminal(current):
        raise ApiError(400, f"Cannot change the status of a {current} order")
    assigned = order.get("assignedStaff")
    rejecting_new = target == "rejected" and assigned is None and current in lifecycle.STAFF_NEW
    if assigned != call.staff.id and not rejecting_new:
        raise ApiError(403, _NOT_YOURS)
    unchecked = call.ctx.settings.defect_on("staff_transition_unchecked")
    if not unchecked and not lifecycle.staff_move_allowed(
        str(current), target, order.get("deliveryMethod"), bool(order.get("assignedDriver"))
    ):
        raise ApiError(400, f"Cannot change status from '{current}' to '{target}'")

    now = call.ctx.clock.now()
    changes: Doc = {"status": target}
    if target == "ready":
        changes = _ready_changes(order, now)
    elif stamp := lifecycle.STATUS_TIMESTAMP.get(target):
        changes[f"statusTimestamps.{stamp}"] = now
    moved = update_order(
        call.ctx.db, order["_id"], {"status": current, "assignedStaff": assigned}, changes, now
    )
    if moved is None:
        raise changed_meanwhile()
    if target == "ready":
        _finish_preparation(call, moved, now)
    elif target in ("completed", "rejected", "out-for-delivery"):
        call.ctx.db[STAFFS].update_one({"_id": call.staff.id}, {"$pull": {"assignedOrders": moved["_id"]}})
    if target == "out-for-delivery" and moved.get("assignedDriver"):
        call.ctx.db[DRIVERS].update_one(
            {"_id": moved["assignedDriver"]}, {"$set": {"status": "on_delivery", "updatedAt": now}}
        )
    return _answer(call, moved, f"Order status updated to {target}")


def set_my_status(call: Call) -> Response:
    status = json_object(call.body).get("status")
    if status not in ("active", "on_break"):
        raise ApiError(400, "Status must be active or on_break")
    me = call.staff.id
    if status == "on_break":
        busy = call.ctx.db[ORDERS].count_documents(
            {"assignedStaff": me, "status": {"$in": list(_ACTIVE_ASSIGNMENTS)}}
        )
        if busy:
            raise ApiError(400, f"Cannot go on break with {busy} order(s) assigned")
    now = call.ctx.clock.now()
    staff = call.ctx.db[STAFFS].find_one_and_update(
        {"_id": me}, {"$set": {"status": status, "updatedAt": now}}, return_document=ReturnDocument.AFTER
    )
    body = {
        "success": True,
        "message": f"Status updated to {status}",
        "staff": views.public_staff(staff or call.staff.staff),
    }
    return wire.json_response(body)


def profile(call: Call) -> Response:
    return wire.json_response({"success": True, "staff": views.public_staff(call.staff.staff)})


def stats(call: Call) -> Response:
    orders = call.ctx.db[ORDERS]
    me = call.staff.id
    today = call.ctx.clock.today_start()
    own = call.staff.staff.get("stats") or {}
    figures = {
        "activeOrders": orders.count_documents(
            {"assignedStaff": me, "status": {"$in": list(_ACTIVE_ASSIGNMENTS)}}
        ),
        "completedToday": orders.count_documents(
            {"assignedStaff": me, "statusTimestamps.markedReady": {"$gte": today}}
        ),
        "totalCompleted": own.get("ordersCompleted", 0),
        "averagePreparationTime": own.get("averagePreparationTime", 0),
        "pendingInQueue": orders.count_documents(
            {"status": {"$in": list(lifecycle.STAFF_NEW)}, "assignedStaff": None}
        ),
    }
    return wire.json_response({"success": True, "stats": figures})


routes: list[Route] = [
    route("/api/staff/orders", list_orders, guard=staff_guard),
    route("/api/staff/orders/{id}", get_order, guard=staff_guard),
    route("/api/staff/orders/{id}/accept", accept, ["POST"], guard=staff_guard),
    route("/api/staff/orders/{id}/start", start, ["POST"], guard=staff_guard),
    route("/api/staff/orders/{id}/ready", ready, ["POST"], guard=staff_guard),
    route("/api/staff/orders/{id}/status", set_order_status, ["PUT"], guard=staff_guard),
    route("/api/staff/status", set_my_status, ["PUT"], guard=staff_guard),
    route("/api/staff/profile", profile, guard=staff_guard),
    route("/api/staff/stats", stats, guard=staff_guard),
]
