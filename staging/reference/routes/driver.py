"""The driver app (API.md 2.4, 5.5): PIN login, status, location and deliveries."""

from __future__ import annotations

from pymongo import DESCENDING, ReturnDocument
from starlette.responses import Response
from starlette.routing import Route

from staging.reference import order_queries, views, wire
from staging.reference.db import DRIVERS, ORDERS, Doc
from staging.reference.errors import ApiError, field_error, validation_failed
from staging.reference.guards import driver_guard
from staging.reference.order_updates import changed_meanwhile, minutes_between, update_order
from staging.reference.pins import DRIVER_PINS
from staging.reference.routing import Call, route
from staging.reference.validation import (
    FieldErrors,
    is_number,
    is_pin,
    json_object,
    optional_string,
)

SETTABLE_STATUSES = ("available", "offline", "on_break")
NOTES_MAX = 500
_NOT_YOURS = "This delivery is not assigned to you"


def pin_login(call: Call) -> Response:
    pin = json_object(call.body).get("pin")
    if not is_pin(pin):
        raise ApiError(400, "PIN must be exactly 4 digits")
    ctx = call.ctx
    driver = ctx.pins.find_holder(DRIVER_PINS, str(pin))
    if driver is None:
        raise ApiError(401, "Invalid PIN")
    issued = ctx.tokens.driver(str(driver["_id"]))
    now = ctx.clock.now()
    ctx.db[DRIVERS].update_one({"_id": driver["_id"]}, {"$set": {"lastLogin": now}})
    body = {
        "success": True,
        "message": "Login successful",
        "token": issued.token,
        "driver": views.driver_login_view(driver),
    }
    return wire.json_response(body)


def validate_token(call: Call) -> Response:
    return wire.json_response(
        {"success": True, "valid": True, "driver": views.driver_login_view(call.driver.driver)}
    )


def _has_delivery_under_way(call: Call) -> bool:
    under_way = {"assignedDriver": call.driver.id, "status": "out-for-delivery"}
    return call.ctx.db[ORDERS].count_documents(under_way, limit=1) > 0


def set_status(call: Call) -> Response:
    status = json_object(call.body).get("status")
    if not isinstance(status, str) or status not in SETTABLE_STATUSES:
        raise ApiError(400, f"Status must be one of {', '.join(SETTABLE_STATUSES)}")
    if _has_delivery_under_way(call):
        raise ApiError(400, "Cannot change status during a delivery")
    now = call.ctx.clock.now()
    driver = call.ctx.db[DRIVERS].find_one_and_update(
        {"_id": call.driver.id},
        {"$set": {"status": status, "updatedAt": now}},
        return_document=ReturnDocument.AFTER,
    )
    body = {
        "success": True,
        "message": f"Status updated to {status}",
        "driver": views.driver_login_view(driver or call.driver.driver),
    }
    return wire.json_response(body)


def _coordinate(body: Doc, key: str, limit: int, errors: list[Doc]) -> float:
    value = body.get(key)
    if not is_number(value) or not -limit <= value <= limit:
        errors.append(field_error(key, f"{key.title()} must be a number between -{limit} and {limit}", value))
        return 0.0
    return float(value)


def update_location(call: Call) -> Response:
    body = json_object(call.body)
    errors: list[Doc] = []
    latitude = _coordinate(body, "latitude", 90, errors)
    longitude = _coordinate(body, "longitude", 180, errors)
    if errors:
        raise validation_failed(errors)
    extras = {key: body[key] for key in ("accuracy", "heading", "speed") if is_number(body.get(key))}
    now = call.ctx.clock.now()
    location = {"latitude": latitude, "longitude": longitude, **extras, "updatedAt": now}
    call.ctx.db[DRIVERS].update_one(
        {"_id": call.driver.id}, {"$set": {"location": location, "updatedAt": now}}
    )
    # The customer follows the delivery through the order (API.md 4.3 driverTracking).
    call.ctx.db[ORDERS].update_many(
        {"assignedDriver": call.driver.id, "status": "out-for-delivery"},
        {"$set": {"driverTracking.currentLocation": location}},
    )
    return wire.json_response({"success": True, "message": "Location updated", "location": location})


def _listing(call: Call, mongo_filter: Doc) -> Response:
    found = (
        call.ctx.db[ORDERS]
        .find(mongo_filter)
        .sort([("createdAt", DESCENDING), ("_id", DESCENDING)])
        .limit(100)
    )
    orders = list(found)
    return wire.json_response({"success": True, "count": len(orders), "orders": orders})


def available_orders(call: Call) -> Response:
    return _listing(
        call,
        {
            "status": "ready",
            "deliveryMethod": "delivery",
            "assignedDriver": None,
            "cancellation.isCancelled": {"$ne": True},
        },
    )


def my_deliveries(call: Call) -> Response:
    return _listing(
        call, {"assignedDriver": call.driver.id, "status": {"$in": ["ready", "out-for-delivery"]}}
    )


def completed_deliveries(call: Call) -> Response:
    return _listing(call, {"assignedDriver": call.driver.id, "status": "delivered"})


def accept(call: Call) -> Response:
    order = order_queries.find_order(call.ctx.db, call.path("id"))
    driver = call.ctx.db[DRIVERS].find_one({"_id": call.driver.id}, {"status": 1}) or {}
    if driver.get("status") != "available":
        raise ApiError(400, "You must be available to accept a delivery")
    if _has_delivery_under_way(call):
        raise ApiError(400, "Finish your current delivery before accepting another")
    now = call.ctx.clock.now()
    if call.ctx.settings.defect_on("driver_accept_not_atomic"):
        # The injected defect: the order read above is the only check, and the write is unconditional.
        if order.get("status") != "ready" or order.get("assignedDriver") is not None:
            raise _why_not_accepted(call, order["_id"])
        call.ctx.db[DRIVERS].find_one({"_id": call.driver.id}, {"stats": 1})
        changes = {"assignedDriver": call.driver.id, "statusTimestamps.acceptedByDriver": now}
        taken = update_order(call.ctx.db, order["_id"], {}, changes, now)
        return wire.json_response({"success": True, "message": "Delivery accepted", "order": taken})
    accepted = update_order(
        call.ctx.db,
        order["_id"],
        {
            "status": "ready",
            "deliveryMethod": "delivery",
            "assignedDriver": None,
            "cancellation.isCancelled": {"$ne": True},
        },
        {"assignedDriver": call.driver.id, "statusTimestamps.acceptedByDriver": now},
        now,
    )
    if accepted is None:
        raise _why_not_accepted(call, order["_id"])
    return wire.json_response({"success": True, "message": "Delivery accepted", "order": accepted})


def _why_not_accepted(call: Call, order_id: object) -> ApiError:
    order = order_queries.find_order(call.ctx.db, str(order_id))
    if order.get("assignedDriver") is not None:
        if order["assignedDriver"] == call.driver.id:
            return ApiError(400, "You have already accepted this delivery")
        return ApiError(409, "Order has already been accepted by another driver")
    if order.get("status") != "ready":
        return ApiError(400, "Order is not available for pickup")
    if order.get("deliveryMethod") != "delivery":
        return ApiError(400, "Pickup orders are not delivered")
    return changed_meanwhile()


def _own_delivery(call: Call) -> Doc:
    order = order_queries.find_order(call.ctx.db, call.path("id"))
    if order.get("assignedDriver") != call.driver.id:
        raise ApiError(403, _NOT_YOURS)
    return order


def start(call: Call) -> Response:
    order = _own_delivery(call)
    if order.get("status") != "ready":
        raise ApiError(400, f"Only a ready order can be picked up (status is '{order.get('status')}')")
    now = call.ctx.clock.now()
    started = update_order(
        call.ctx.db,
        order["_id"],
        {"assignedDriver": call.driver.id, "status": "ready"},
        {
            "status": "out-for-delivery",
            "statusTimestamps.outForDelivery": now,
            "statusTimestamps.pickedUpByDriver": now,
        },
        now,
    )
    if started is None:
        raise changed_meanwhile()
    call.ctx.db[DRIVERS].update_one(
        {"_id": call.driver.id}, {"$set": {"status": "on_delivery", "updatedAt": now}}
    )
    return wire.json_response({"success": True, "message": "Delivery started", "order": started})


def complete(call: Call) -> Response:
    errors = FieldErrors()
    notes = optional_string(json_object(call.body), "notes", errors, NOTES_MAX)
    errors.raise_if_any()
    order = _own_delivery(call)
    if order.get("status") != "out-for-delivery":
        raise ApiError(
            400, f"Only an order out for delivery can be completed (status is '{order.get('status')}')"
        )
    now = call.ctx.clock.now()
    changes: Doc = {"status": "delivered", "statusTimestamps.delivered": now, "actualDeliveryTime": now}
    minutes = minutes_between((order.get("statusTimestamps") or {}).get("outForDelivery"), now)
    if minutes is not None:
        changes["deliveryTime.actualMinutes"] = minutes
    if notes:
        changes["driverNotes"] = notes
        changes["notes"] = f"{order['notes']}\n{notes}" if order.get("notes") else notes
    if order.get("paymentMethod") == "cash" and order.get("paymentStatus") == "pending":
        # Cash on delivery: the driver collected it.
        changes.update({"paymentStatus": "paid", "paidAt": now})
    done = update_order(
        call.ctx.db,
        order["_id"],
        {"assignedDriver": call.driver.id, "status": "out-for-delivery"},
        changes,
        now,
    )
    if done is None:
        raise changed_meanwhile()
    still_delivering = _has_delivery_under_way(call)
    driver_update: Doc = {
        "$inc": {"stats.totalDeliveries": 1, "stats.completedToday": 1},
        "$set": {"updatedAt": now, "lastDeliveryAt": now},
    }
    if not still_delivering:
        driver_update["$set"]["status"] = "available"
    call.ctx.db[DRIVERS].update_one({"_id": call.driver.id}, driver_update)
    return wire.json_response({"success": True, "message": "Delivery completed", "order": done})


routes: list[Route] = [
    route("/api/driver/auth/pin-login", pin_login, ["POST"]),
    route("/api/driver/auth/validate-token", validate_token, guard=driver_guard),
    route("/api/driver/status", set_status, ["POST"], guard=driver_guard),
    route("/api/driver/location", update_location, ["POST"], guard=driver_guard),
    route("/api/driver/orders/available", available_orders, guard=driver_guard),
    route("/api/driver/orders/my-deliveries", my_deliveries, guard=driver_guard),
    route("/api/driver/orders/completed", completed_deliveries, guard=driver_guard),
    route("/api/driver/orders/{id}/accept", accept, ["POST"], guard=driver_guard),
    route("/api/driver/orders/{id}/start", start, ["POST"], guard=driver_guard),
    route("/api/driver/orders/{id}/complete", complete, ["POST"], guard=driver_guard),
]
