"""Admin changes to one driver (API.md 2.4): update, PIN reset and delete under /api/admin/drivers/:id."""

from __future__ import annotations

from typing import Any

from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError
from starlette.responses import Response
from starlette.routing import Route

from staging.reference import views, wire
from staging.reference.db import DRIVERS, ORDERS, Doc, duplicate_field
from staging.reference.errors import ApiError
from staging.reference.guards import admin_guard
from staging.reference.pins import DRIVER_PINS
from staging.reference.routing import Call, route
from staging.reference.validation import (
    PHONE,
    FieldChecks,
    FieldErrors,
    checked_fields,
    is_email,
    is_pin,
    json_object,
    object_id_or_400,
    optional_string,
)

_STATUSES = ("available", "offline", "on_break")
_PIN_IN_USE = "This PIN is already in use by another driver"


def _driver(call: Call) -> Doc:
    driver = call.ctx.db[DRIVERS].find_one({"_id": object_id_or_400(call.path("id"), "driver")})
    if driver is None:
        raise ApiError(404, "Driver not found")
    return driver


def _name(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and 1 <= len(value.strip()) <= 100 else None


def _email(value: Any) -> str | None:
    return str(value).strip().lower() if is_email(value) else None


def _phone(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and PHONE.match(value) and len(value) <= 20 else None


def _status(value: Any) -> str | None:
    return value if value in _STATUSES else None


# field -> (check returning the stored value or None, the message when it is None)
_EDITABLE: FieldChecks = {
    "name": (_name, "Name is required (at most 100 characters)"),
    "email": (_email, "A valid email is required"),
    "phone": (_phone, "A valid phone number is required"),
    "status": (_status, f"Status must be one of {', '.join(_STATUSES)}"),
}


def _changes(body: dict[str, Any]) -> Doc:
    errors = FieldErrors()
    changes: Doc = checked_fields(body, _EDITABLE, errors)
    for key, field in (("vehicleType", "type"), ("plateNumber", "plateNumber"), ("vehicleColor", "color")):
        value = optional_string(body, key, errors, 50)
        if value is not None:
            changes[f"vehicleInfo.{field}"] = value
    errors.raise_if_any()
    if not changes:
        raise ApiError(400, "Nothing to update")
    return changes


def update_driver(call: Call) -> Response:
    changes = _changes(json_object(call.body))
    driver = _driver(call)
    try:
        updated = call.ctx.db[DRIVERS].find_one_and_update(
            {"_id": driver["_id"]},
            {"$set": {**changes, "updatedAt": call.ctx.clock.now()}},
            return_document=ReturnDocument.AFTER,
        )
    except DuplicateKeyError as exc:
        raise ApiError(400, f"A driver with this {duplicate_field(exc) or 'value'} already exists") from None
    if updated is None:
        raise ApiError(404, "Driver not found")
    return wire.json_response({"success": True, "driver": views.public_driver(updated)})


def reset_pin(call: Call) -> Response:
    pin = json_object(call.body).get("pin")
    if not is_pin(pin):
        raise ApiError(400, "PIN must be exactly 4 digits")
    driver = _driver(call)
    ctx = call.ctx
    if ctx.pins.is_held(DRIVER_PINS, str(pin), exclude=driver["_id"]):
        raise ApiError(400, _PIN_IN_USE)
    try:
        ctx.db[DRIVERS].update_one(
            {"_id": driver["_id"]},
            {"$set": {**ctx.pins.stored_fields(DRIVER_PINS, str(pin)), "updatedAt": ctx.clock.now()}},
        )
    except DuplicateKeyError:
        raise ApiError(400, _PIN_IN_USE) from None
    return wire.json_response({"success": True, "message": "PIN reset"})


def delete_driver(call: Call) -> Response:
    """A soft delete: the record stays for the orders it delivered, but it can no longer sign in."""
    driver = _driver(call)
    if call.ctx.db[ORDERS].count_documents({"assignedDriver": driver["_id"], "status": "out-for-delivery"}):
        raise ApiError(400, "The driver has a delivery under way")
    now = call.ctx.clock.now()
    call.ctx.db[DRIVERS].update_one(
        {"_id": driver["_id"]},
        {"$set": {"isActive": False, "status": "offline", "deletedAt": now, "updatedAt": now}},
    )
    return wire.json_response({"success": True, "message": "Driver deleted"})


routes: list[Route] = [
    route("/api/admin/drivers/{id}", update_driver, ["PUT"], guard=admin_guard),
    route("/api/admin/drivers/{id}/reset-pin", reset_pin, ["POST"], guard=admin_guard),
    route("/api/admin/drivers/{id}", delete_driver, ["DELETE"], guard=admin_guard),
]
