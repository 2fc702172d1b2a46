"""Staff sign-in by PIN (API.md 2.3): login, session, logout."""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import Route

from staging.reference import revocations, tokens, views, wire
from staging.reference.db import STAFFS
from staging.reference.errors import ApiError
from staging.reference.guards import staff_guard
from staging.reference.pins import STAFF_PINS
from staging.reference.routing import Call, route
from staging.reference.validation import is_pin, json_object


def login_pin(call: Call) -> Response:
    pin = json_object(call.body).get("pin")
    if not is_pin(pin):
        raise ApiError(400, "PIN must be exactly 4 digits")
    ctx = call.ctx
    staff = ctx.pins.find_holder(STAFF_PINS, str(pin))
    if staff is None:
        raise ApiError(401, "Invalid PIN")
    if staff.get("status") == "inactive":
        raise ApiError(401, "Staff account is inactive")
    issued = ctx.tokens.staff(str(staff["_id"]), str(staff.get("employeeId", "")), str(staff.get("role", "")))
    now = ctx.clock.now()
    ctx.db[STAFFS].update_one({"_id": staff["_id"]}, {"$set": {"lastLogin": now}})
    staff = {**staff, "lastLogin": now}
    body = {
        "success": True,
        "message": "Login successful",
        "token": issued.token,
        "staff": views.public_staff(staff),
        "requirePinChange": bool(staff.get("requirePinChange", False)),
        "sessionExpiry": issued.expires_at,
    }
    return wire.json_response(body)


def session(call: Call) -> Response:
    body = {
        "success": True,
        "staff": views.public_staff(call.staff.staff),
        "sessionExpiry": tokens.expires_at(call.staff.claims),
    }
    return wire.json_response(body)


def logout(call: Call) -> Response:
    claims = call.staff.claims
    revocations.revoke(call.ctx.db, str(claims["jti"]), tokens.expires_at(claims), "staff-logout")
    return wire.json_response({"success": True, "message": "Logged out successfully"})


routes: list[Route] = [
    route("/api/staff/auth/login-pin", login_pin, ["POST"]),
    route("/api/staff/auth/session", session, guard=staff_guard),
    route("/api/staff/auth/logout", logout, ["POST"], guard=staff_guard),
]
