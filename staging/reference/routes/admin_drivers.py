"""Admin management of drivers (API.md 2.4): create and list."""

from __future__ import annotations

from typing import Any

from pymongo import DESCENDING
from pymongo.collection import Collection
from pymongo.errors import DuplicateKeyError
from starlette.responses import Response
from starlette.routing import Route

from staging.reference import views, wire
from staging.reference.db import DRIVERS, Doc, duplicate_field
from staging.reference.errors import ApiError
from staging.reference.guards import admin_guard
from staging.reference.pins import DRIVER_PINS
from staging.reference.routing import Call, route
from staging.reference.validation import (
    FieldErrors,
    contact_fields,
    is_pin,
    json_object,
    optional_string,
    search_pattern,
)

DRIVER_STATUSES = ("available", "on_delivery", "offline", "on_break")
_ID_ATTEMPTS = 5
_PIN_IN_USE = "This PIN is already in use by another driver"


def _driver_fields(body: dict[str, Any]) -> Doc:
    errors = FieldErrors()
    contact = contact_fields(body, errors)
    pin = body.get("pin")
    if not is_pin(pin):
        errors.add("pin", "PIN must be exactly 4 digits")
    vehicle = {
        "type": optional_string(body, "vehicleType", errors, 50) or "motorcycle",
        "plateNumber": optional_string(body, "plateNumber", errors, 30),
        "color": optional_string(body, "vehicleColor", errors, 30),
    }
    errors.raise_if_any()
    return {
        **contact,
        "pin": str(pin),
        "vehicleInfo": {key: value for key, value in vehicle.items() if value is not None},
    }


def _next_driver_id(drivers: Collection[Doc]) -> str:
    # DRV + digits; zero-padded to 3 so that sorting the strings sorts the numbers up to DRV999.
    numbers = [
        int(found["driverId"][3:])
        for found in drivers.find({"driverId": {"$regex": "^DRV[0-9]+$"}}, {"driverId": 1})
    ]
    return f"DRV{max(numbers, default=0) + 1:03d}"


def _duplicate_message(field: str | None) -> str:
    if field == "pinFingerprint":
        return _PIN_IN_USE
    return f"A driver with this {field or 'value'} already exists"


def create_driver(call: Call) -> Response:
    fields = _driver_fields(json_object(call.body))
    ctx = call.ctx
    drivers = ctx.db[DRIVERS]
    for key in ("email", "phone"):
        if drivers.find_one({key: fields[key]}, {"_id": 1}):
            raise ApiError(400, _duplicate_message(key))
    pin = fields.pop("pin")
    if ctx.pins.is_held(DRIVER_PINS, pin):
        raise ApiError(400, _PIN_IN_USE)
    now = ctx.clock.now()
    driver: Doc = {
        **fields,
        **ctx.pins.stored_fields(DRIVER_PINS, pin),
        "status": "offline",
        "isActive": True,
        "stats": {"totalDeliveries": 0, "completedToday": 0, "rating": 5},
        "createdBy": call.user.id,
        "createdAt": now,
        "updatedAt": now,
    }
    for _ in range(_ID_ATTEMPTS):
        driver.pop("_id", None)
        driver["driverId"] = _next_driver_id(drivers)
        try:
            drivers.insert_one(driver)
            break
        except DuplicateKeyError as exc:
            field = duplicate_field(exc)
            if field != "driverId":
                raise ApiError(400, _duplicate_message(field)) from None
    else:
        raise ApiError(409, "Could not allocate a driver ID, please retry")
    body = {"success": True, "message": "Driver created successfully", "driver": views.public_driver(driver)}
    return wire.json_response(body, 201)


def list_drivers(call: Call) -> Response:
    conditions: list[Doc] = [{}]
    if (status := call.query.get("status")) in DRIVER_STATUSES:
        conditions.append({"status": status})
    if pattern := search_pattern(call.query.get("search")):
        conditions.append({"$or": [{"name": pattern}, {"email": pattern}, {"driverId": pattern}]})
    found = (
        call.ctx.db[DRIVERS].find({"$and": conditions}).sort([("createdAt", DESCENDING), ("_id", DESCENDING)])
    )
    exposed = call.ctx.settings.defect_on("driver_pin_hash_exposed")
    drivers = [{"id": str(d["_id"]), **d} if exposed else views.public_driver(d) for d in found]
    return wire.json_response({"success": True, "count": len(drivers), "drivers": drivers})


routes: list[Route] = [
    route("/api/admin/drivers", create_driver, ["POST"], guard=admin_guard),
    route("/api/admin/drivers", list_drivers, guard=admin_guard),
]
