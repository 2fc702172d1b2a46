"""Staff sign-in beyond the PIN login (API.md 2.3): QR badges, PIN checks and changes, the legacy routes,
staff-admin credentials and the staff-admin product list."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from bson import ObjectId
from pymongo import DESCENDING, ReturnDocument
from pymongo.errors import DuplicateKeyError
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from staging.reference import tokens, views, wire
from staging.reference.context import AppContext
from staging.reference.db import COFFEES, STAFFS, Doc
from staging.reference.errors import ApiError
from staging.reference.guards import StaffPrincipal, admin_guard, bearer_token, staff_guard
from staging.reference.hashing import hash_secret, verify_secret
from staging.reference.pins import STAFF_PINS
from staging.reference.routing import Call, route
from staging.reference.validation import (
    PHONE,
    FieldErrors,
    is_email,
    is_pin,
    json_object,
    object_id_or_400,
    parse_object_id,
    password_problems,
)

PIN_FAILURES_BEFORE_LOCK = 3
PIN_LOCK = timedelta(minutes=15)
USERNAME = re.compile(r"^[A-Za-z0-9._-]{3,50}$")
_EMPLOYEE_ID = re.compile(r"^(BAR|MNG|CSH)[0-9]{3}$")
_PIN_IN_USE = "This PIN is already in use by another staff member"
_NOT_DELETED: Doc = {"isDeleted": {"$ne": True}}


def _staff_session(call: Call, staff: Doc, issued: tokens.Issued) -> Response:
    body = {
        "success": True,
        "message": "Login successful",
        "token": issued.token,
        "staff": views.public_staff(staff),
        "requirePinChange": bool(staff.get("requirePinChange", False)),
        "sessionExpiry": issued.expires_at,
    }
    return wire.json_response(body)


def login_qr(call: Call) -> Response:
    qr_token = json_object(call.body).get("qrToken")
    if not isinstance(qr_token, str) or not qr_token:
        raise ApiError(400, "qrToken is required")
    try:
        staff_id = parse_object_id(call.ctx.tokens.decode_badge(qr_token, tokens.STAFF_BADGE))
    except tokens.TokenError as exc:
        raise ApiError(401, str(exc)) from None
    staff = call.ctx.db[STAFFS].find_one({"_id": staff_id, **_NOT_DELETED}) if staff_id else None
    if staff is None or staff.get("status") == "inactive":
        raise ApiError(401, "Invalid QR code")
    issued = call.ctx.tokens.staff(
        str(staff["_id"]), str(staff.get("employeeId", "")), str(staff.get("role"))
    )
    return _staff_session(call, staff, issued)


def validate_pin(call: Call) -> Response:
    """Check a staff member's PIN; three failures lock it for 15 minutes, and a locked PIN gets 423."""
    body = json_object(call.body)
    employee_id, pin = body.get("employeeId"), body.get("pin")
    if not isinstance(employee_id, str) or not _EMPLOYEE_ID.match(employee_id) or not is_pin(pin):
        raise ApiError(400, "employeeId and a 4-digit pin are required")
    staffs = call.ctx.db[STAFFS]
    staff = staffs.find_one({"employeeId": employee_id, **_NOT_DELETED}, {"pin": 1, "pinLock": 1})
    if staff is None:
        raise ApiError(401, "Invalid employee ID or PIN")
    now = call.ctx.clock.now()
    locked_until = (staff.get("pinLock") or {}).get("lockedUntil")
    if locked_until is not None and locked_until > now:
        seconds = int((locked_until - now).total_seconds()) + 1
        raise ApiError(423, "PIN is locked after too many failed attempts", extra={"retryAfter": seconds})
    if verify_secret(str(pin), staff.get("pin")):
        staffs.update_one({"_id": staff["_id"]}, {"$unset": {"pinLock": ""}})
        return wire.json_response({"success": True, "valid": True})
    if locked_until is not None:  # an expired lock: counting starts again
        staffs.update_one({"_id": staff["_id"]}, {"$unset": {"pinLock": ""}})
    # Counting is one atomic increment, so parallel guesses cannot slip past the lock.
    counted = staffs.find_one_and_update(
        {"_id": staff["_id"]},
        {"$inc": {"pinLock.failures": 1}},
        projection={"pinLock": 1},
        return_document=ReturnDocument.AFTER,
    )
    if ((counted or {}).get("pinLock") or {}).get("failures", 0) >= PIN_FAILURES_BEFORE_LOCK:
        lock = {"pinLock.failures": 0, "pinLock.lockedUntil": now + PIN_LOCK}
        staffs.update_one({"_id": staff["_id"]}, {"$set": lock})
        raise ApiError(423, "PIN is locked after too many failed attempts")
    raise ApiError(401, "Invalid employee ID or PIN")


def change_pin(call: Call) -> Response:
    body = json_object(call.body)
    new_pin, current_pin = body.get("newPin", body.get("pin")), body.get("currentPin")
    if not is_pin(new_pin):
        raise ApiError(400, "The new PIN must be exactly 4 digits")
    if current_pin is not None and not is_pin(current_pin):
        raise ApiError(400, "The current PIN must be exactly 4 digits")
    ctx, me = call.ctx, call.staff.id
    stored = ctx.db[STAFFS].find_one({"_id": me}, {"pin": 1}) or {}
    if current_pin is not None and not verify_secret(str(current_pin), stored.get("pin")):
        raise ApiError(400, "The current PIN is wrong")
    if ctx.pins.is_held(STAFF_PINS, str(new_pin), exclude=me):
        raise ApiError(400, _PIN_IN_USE)
    fields = {**ctx.pins.stored_fields(STAFF_PINS, str(new_pin)), "requirePinChange": False}
    try:
        ctx.db[STAFFS].update_one({"_id": me}, {"$set": {**fields, "updatedAt": ctx.clock.now()}})
    except DuplicateKeyError:
        raise ApiError(400, _PIN_IN_USE) from None
    return wire.json_response({"success": True, "message": "PIN changed successfully"})


def check_pin_uniqueness(call: Call) -> Response:
    pin = json_object(call.body).get("pin")
    if not is_pin(pin):
        raise ApiError(400, "PIN must be exactly 4 digits")
    in_use = call.ctx.pins.is_held(STAFF_PINS, str(pin))
    # Whether the PIN is taken, never by whom (API.md 2.3).
    return wire.json_response({"success": True, "isUnique": not in_use, "inUse": in_use})


def legacy_login(call: Call) -> Response:
    body = json_object(call.body)
    email, firebase_uid = body.get("email"), body.get("firebaseUid")
    if not is_email(email) or not isinstance(firebase_uid, str) or not firebase_uid:
        raise ApiError(400, "email and firebaseUid are required")
    staff = call.ctx.db[STAFFS].find_one({"email": str(email).strip().lower(), **_NOT_DELETED})
    stored = (staff or {}).get("firebaseUid")
    if staff is None or not isinstance(stored, str) or stored != firebase_uid:
        raise ApiError(401, "Invalid credentials")
    if staff.get("status") == "inactive":
        raise ApiError(401, "Staff account is inactive")
    issued = call.ctx.tokens.legacy_staff(str(staff["_id"]))
    return wire.json_response({"success": True, "token": issued.token, "staff": views.public_staff(staff)})


def legacy_register(call: Call) -> Response:
    """Self-registration from the old app: the record starts inactive, without a PIN, until an admin acts."""
    body = json_object(call.body)
    errors = FieldErrors()
    name, email, phone = body.get("name"), body.get("email"), body.get("phone")
    firebase_uid = body.get("firebaseUid")
    if not isinstance(name, str) or not 1 <= len(name.strip()) <= 100:
        errors.add("name", "Name is required (at most 100 characters)", name)
    if not is_email(email):
        errors.add("email", "A valid email is required", email)
    if phone is not None and (not isinstance(phone, str) or not PHONE.match(phone) or len(phone) > 20):
        errors.add("phone", "A valid phone number is required", phone)
    if firebase_uid is not None and (not isinstance(firebase_uid, str) or not 1 <= len(firebase_uid) <= 128):
        errors.add("firebaseUid", "firebaseUid must be a string", firebase_uid)
    errors.raise_if_any()
    staffs = call.ctx.db[STAFFS]
    normalized = str(email).strip().lower()
    if staffs.find_one({"email": normalized, **_NOT_DELETED}, {"_id": 1}):
        raise ApiError(400, "A staff member with this email already exists")
    now = call.ctx.clock.now()
    staff: Doc = {
        "name": str(name).strip(),
        "email": normalized,
        "role": "barista",
        "status": "inactive",
        "isDeleted": False,
        "hasAdminAccess": False,
        "assignedOrders": [],
        "employeeId": f"REG{ObjectId()}",
        "createdAt": now,
        "updatedAt": now,
    }
    if isinstance(phone, str):
        staff["phone"] = phone.strip()
    if isinstance(firebase_uid, str):
        staff["firebaseUid"] = firebase_uid
    try:
        staffs.insert_one(staff)
    except DuplicateKeyError:
        raise ApiError(400, "A staff member with this email already exists") from None
    message = "Registration received; an admin must activate the account"
    return wire.json_response({"success": True, "message": message, "staff": views.public_staff(staff)}, 201)


def staff_admin_login(call: Call) -> Response:
    body = json_object(call.body)
    username, password = body.get("username"), body.get("password")
    if not isinstance(username, str) or not username or not isinstance(password, str) or not password:
        raise ApiError(400, "username and password are required")
    staff = call.ctx.db[STAFFS].find_one({"adminCredentials.username": username.strip(), **_NOT_DELETED})
    hashed = ((staff or {}).get("adminCredentials") or {}).get("password")
    if staff is None or not verify_secret(password, hashed):
        raise ApiError(401, "Invalid credentials")
    if staff.get("status") == "inactive" or staff.get("hasAdminAccess") is not True:
        raise ApiError(403, "Admin access is not granted to this staff member")
    issued = call.ctx.tokens.staff_admin(str(staff["_id"]))
    body = {"success": True, "token": issued.token, "staff": views.public_staff(staff)}
    return wire.json_response(body)


def _credentials(body: dict[str, Any]) -> tuple[str, str]:
    errors = FieldErrors()
    username, password = body.get("username"), body.get("password")
    if not isinstance(username, str) or not USERNAME.match(username):
        errors.add("username", "username: 3-50 letters, digits, dots, dashes or underscores", username)
    if not isinstance(password, str):
        errors.add("password", "Password is required")
    else:
        for problem in password_problems(password):
            errors.add("password", problem)
    errors.raise_if_any()
    return str(username), str(password)


def _staff_record(call: Call) -> Doc:
    staff_id = object_id_or_400(call.path("staffId"), "staff")
    staff = call.ctx.db[STAFFS].find_one({"_id": staff_id, **_NOT_DELETED}, {"pin": 0, "pinFingerprint": 0})
    if staff is None:
        raise ApiError(404, "Staff member not found")
    return staff


def grant_admin_credentials(call: Call) -> Response:
    username, password = _credentials(json_object(call.body))
    staff = _staff_record(call)
    staffs = call.ctx.db[STAFFS]
    taken = staffs.find_one({"adminCredentials.username": username, "_id": {"$ne": staff["_id"]}}, {"_id": 1})
    if taken:
        raise ApiError(409, "This username is already taken")
    credentials = {"username": username, "password": hash_secret(password, call.ctx.settings.bcrypt_rounds)}
    changes = {"hasAdminAccess": True, "adminCredentials": credentials, "updatedAt": call.ctx.clock.now()}
    staffs.update_one({"_id": staff["_id"]}, {"$set": changes})
    return wire.json_response({"success": True, "message": "Admin access granted", "username": username})


def revoke_admin_credentials(call: Call) -> Response:
    staff = _staff_record(call)
    call.ctx.db[STAFFS].update_one(
        {"_id": staff["_id"]},
        {
            "$set": {"hasAdminAccess": False, "updatedAt": call.ctx.clock.now()},
            "$unset": {"adminCredentials": ""},
        },
    )
    return wire.json_response({"success": True, "message": "Admin access revoked"})


def staff_admin_guard(ctx: AppContext, request: Request) -> StaffPrincipal:
    """`type:'staff-admin'` tokens of an active staff member who still has admin access (API.md 2.1)."""
    try:
        claims = ctx.tokens.decode(bearer_token(request))
    except tokens.TokenError as exc:
        raise ApiError(401, str(exc)) from None
    staff_id = parse_object_id(claims.get("staffId"))
    if claims.get("type") != tokens.STAFF_ADMIN or staff_id is None:
        raise ApiError(401, "Invalid token format")
    staff = ctx.db[STAFFS].find_one({"_id": staff_id, **_NOT_DELETED}, {"pin": 0, "pinFingerprint": 0})
    if staff is None or staff.get("status") == "inactive":
        raise ApiError(401, "Staff member not found")
    if staff.get("hasAdminAccess") is not True:
        raise ApiError(403, "Admin access has been revoked")
    return StaffPrincipal(staff, claims)


def staff_products(call: Call) -> Response:
    found = call.ctx.db[COFFEES].find().sort([("createdAt", DESCENDING), ("_id", DESCENDING)]).limit(200)
    products = list(found)
    return wire.json_response({"success": True, "count": len(products), "data": products})


def fcm_token(call: Call) -> Response:
    token = json_object(call.body).get("fcmToken")
    if not isinstance(token, str) or not 1 <= len(token) <= 4096:
        raise ApiError(400, "fcmToken is required")
    call.ctx.db[STAFFS].update_one({"_id": call.staff.id}, {"$set": {"fcmToken": token}})
    return wire.json_response({"success": True, "message": "FCM token saved"})


routes: list[Route] = [
    route("/api/staff/auth/login-qr", login_qr, ["POST"]),
    route("/api/staff/auth/validate-pin", validate_pin, ["POST"]),
    route("/api/staff/auth/change-pin", change_pin, ["POST"], guard=staff_guard),
    route("/api/staff/auth/check-pin-uniqueness", check_pin_uniqueness, ["POST"], guard=admin_guard),
    route("/api/staff/login", legacy_login, ["POST"]),
    route("/api/staff/register", legacy_register, ["POST"]),
    route("/api/staff/admin/login", staff_admin_login, ["POST"]),
    route("/api/staff/products", staff_products, guard=staff_admin_guard),
    route("/api/staff/fcm-token", fcm_token, ["POST"], guard=staff_guard),
    route("/api/staff/{staffId}/admin-credentials", grant_admin_credentials, ["POST"], guard=admin_guard),
    route("/api/staff/{staffId}/admin-credentials", revoke_admin_credentials, ["DELETE"], guard=admin_guard),
]
