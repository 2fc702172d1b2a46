"""Driver sign-in beyond the PIN login (API.md 2.4): QR badges and PIN changes."""

from __future__ import annotations

from pymongo.errors import DuplicateKeyError
from starlette.responses import Response
from starlette.routing import Route

from staging.reference import tokens, views, wire
from staging.reference.db import DRIVERS
from staging.reference.errors import ApiError
from staging.reference.guards import driver_guard
from staging.reference.hashing import verify_secret
from staging.reference.pins import DRIVER_PINS
from staging.reference.routing import Call, route
from staging.reference.validation import is_pin, json_object, parse_object_id

_PIN_IN_USE = "This PIN is already in use by another driver"


def qr_login(call: Call) -> Response:
    qr_code = json_object(call.body).get("qrCode")
    if not isinstance(qr_code, str) or not qr_code:
        raise ApiError(400, "qrCode is required")
    try:
        driver_id = parse_object_id(call.ctx.tokens.decode_badge(qr_code, tokens.DRIVER_BADGE))
    except tokens.TokenError as exc:
        raise ApiError(401, str(exc)) from None
    driver = call.ctx.db[DRIVERS].find_one({"_id": driver_id, "isActive": True}) if driver_id else None
    if driver is None:
        raise ApiError(401, "Invalid QR code")
    issued = call.ctx.tokens.driver(str(driver["_id"]))
    body = {
        "success": True,
        "message": "Login successful",
        "token": issued.token,
        "driver": views.driver_login_view(driver),
    }
    return wire.json_response(body)


def change_pin(call: Call) -> Response:
    body = json_object(call.body)
    current_pin, new_pin = body.get("currentPin"), body.get("newPin")
    if not is_pin(current_pin) or not is_pin(new_pin):
        raise ApiError(400, "currentPin and newPin must be exactly 4 digits")
    ctx, me = call.ctx, call.driver.id
    stored = ctx.db[DRIVERS].find_one({"_id": me}, {"pin": 1}) or {}
    if not verify_secret(str(current_pin), stored.get("pin")):
        raise ApiError(401, "The current PIN is wrong")
    if ctx.pins.is_held(DRIVER_PINS, str(new_pin), exclude=me):
        raise ApiError(400, _PIN_IN_USE)
    fields = ctx.pins.stored_fields(DRIVER_PINS, str(new_pin))
    try:
        ctx.db[DRIVERS].update_one({"_id": me}, {"$set": {**fields, "updatedAt": ctx.clock.now()}})
    except DuplicateKeyError:
        raise ApiError(400, _PIN_IN_USE) from None
    return wire.json_response({"success": True, "message": "PIN changed successfully"})


routes: list[Route] = [
    route("/api/driver/auth/qr-login", qr_login, ["POST"]),
    route("/api/driver/auth/change-pin", change_pin, ["POST"], guard=driver_guard),
]
