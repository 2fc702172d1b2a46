"""Admin management of staff (API.md 2.3): create and list."""

from __future__ import annotations

from typing import Any

from pymongo import DESCENDING
from pymongo.collection import Collection
from pymongo.errors import DuplicateKeyError
from starlette.responses import Response
from starlette.routing import Route

from staging.reference import views, wire
from staging.reference.db import STAFFS, Doc, duplicate_field
from staging.reference.errors import ApiError
from staging.reference.guards import admin_guard
from staging.reference.pins import STAFF_PINS
from staging.reference.routing import Call, route
from staging.reference.validation import (
    HH_MM,
    FieldErrors,
    contact_fields,
    is_pin,
    json_object,
    optional_string,
    search_pattern,
)

ROLE_PREFIX = {"barista": "BAR", "manager": "MNG", "cashier": "CSH"}
STAFF_STATUSES = ("active", "inactive", "on_break")
DEFAULT_PIN = "1234"
_EMPLOYEE_ID_ATTEMPTS = 5
_PIN_IN_USE = "This PIN is already in use by another staff member"


def _staff_fields(body: dict[str, Any]) -> Doc:
    errors = FieldErrors()
    contact = contact_fields(body, errors)
    role = body.get("role")
    if role not in ROLE_PREFIX:
        errors.add("role", f"Role must be one of {', '.join(ROLE_PREFIX)}", role)
    pin = body.get("pin")
    if pin is not None and not is_pin(pin):
        errors.add("pin", "PIN must be exactly 4 digits")
    fields: Doc = {}
    for key in ("shiftStartTime", "shiftEndTime"):
        value = body.get(key)
        if value is None or value == "":
            continue
        if not isinstance(value, str) or not HH_MM.match(value):
            errors.add(key, f"{key} must be HH:MM", value)
        else:
            fields[key] = value
    photo = optional_string(body, "photo", errors, 2000)
    errors.raise_if_any()
    return {
        **contact,
        "role": str(role),
        "pin": pin if isinstance(pin, str) else DEFAULT_PIN,
        "photo": photo,
        **fields,
    }


def _next_employee_id(staffs: Collection[Doc], prefix: str) -> str:
    last = staffs.find_one(
        {"employeeId": {"$regex": f"^{prefix}[0-9]{{3}}$"}}, sort=[("employeeId", DESCENDING)]
    )
    number = int(last["employeeId"][3:]) + 1 if last else 1
    if number > 999:
        raise ApiError(400, f"No employee IDs left for prefix {prefix}")
    return f"{prefix}{number:03d}"


def create_staff(call: Call) -> Response:
    fields = _staff_fields(json_object(call.body))
    ctx = call.ctx
    staffs = ctx.db[STAFFS]
    if staffs.find_one({"email": fields["email"], "isDeleted": {"$ne": True}}, {"_id": 1}):
        raise ApiError(400, "A staff member with this email already exists")
    pin = fields.pop("pin")
    if ctx.pins.is_held(STAFF_PINS, pin):
        raise ApiError(400, _PIN_IN_USE)
    now = ctx.clock.now()
    staff: Doc = {
        **{key: value for key, value in fields.items() if value is not None},
        **ctx.pins.stored_fields(STAFF_PINS, pin),
        "status": "active",
        "isDeleted": False,
        "hasAdminAccess": False,
        "requirePinChange": pin == DEFAULT_PIN,
        "assignedOrders": [],
        "stats": {"ordersCompleted": 0, "totalPreparationMinutes": 0, "averagePreparationTime": 0},
        "createdBy": call.user.id,
        "createdAt": now,
        "updatedAt": now,
    }
    prefix = ROLE_PREFIX[fields["role"]]
    for _ in range(_EMPLOYEE_ID_ATTEMPTS):
        staff.pop("_id", None)
        staff["employeeId"] = _next_employee_id(staffs, prefix)
        try:
            staffs.insert_one(staff)
            break
        except DuplicateKeyError as exc:
            field = duplicate_field(exc)
            if field == "email":
                raise ApiError(400, "A staff member with this email already exists") from None
            if field == "pinFingerprint":
                raise ApiError(400, _PIN_IN_USE) from None
            # employeeId: a concurrent creation took it; take the next one.
    else:
        raise ApiError(409, "Could not allocate an employee ID, please retry")
    body = {
        "success": True,
        "message": "Staff member created successfully",
        "staff": views.public_staff(staff),
        "credentials": {"employeeId": staff["employeeId"], "defaultPin": pin},
    }
    return wire.json_response(body, 201)


def list_staff(call: Call) -> Response:
    conditions: list[Doc] = [{"isDeleted": {"$ne": True}}]
    if (role := call.query.get("role")) in ROLE_PREFIX:
        conditions.append({"role": role})
    if (status := call.query.get("status")) in STAFF_STATUSES:
        conditions.append({"status": status})
    if pattern := search_pattern(call.query.get("search")):
        conditions.append({"$or": [{"name": pattern}, {"email": pattern}, {"employeeId": pattern}]})
    found = (
        call.ctx.db[STAFFS].find({"$and": conditions}).sort([("createdAt", DESCENDING), ("_id", DESCENDING)])
    )
    staff = [views.public_staff(member) for member in found]
    return wire.json_response({"success": True, "count": len(staff), "staff": staff})


routes: list[Route] = [
    route("/api/admin/staff/create", create_staff, ["POST"], guard=admin_guard),
    route("/api/admin/staff", list_staff, guard=admin_guard),
]
