"""The public shapes of records: what each route shows of a user, staff member, driver or order."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from bson import ObjectId
from pymongo.database import Database

from staging.reference.db import USERS, Doc
from staging.reference.wire import DocList, hydrated

_SECRET_FIELDS = ("password", "pin", "pinFingerprint")


def without_secrets(doc: Doc) -> Doc:
    return {key: value for key, value in doc.items() if key not in _SECRET_FIELDS}


def auth_user(user: Doc, *, with_login: bool = False) -> Doc:
    """The user in register/login answers (API.md 2.2)."""
    view = {
        "id": str(user["_id"]),
        "name": user.get("name"),
        "email": user.get("email"),
        "phone": user.get("phone"),
        "roles": user.get("roles") or ["customer"],
        "isEmailVerified": bool(user.get("isEmailVerified", False)),
    }
    if with_login:
        view["lastLogin"] = user.get("lastLogin")
    return view


def profile_user(user: Doc) -> Doc:
    """The user in `GET /api/auth/me`."""
    return {
        **auth_user(user, with_login=True),
        "isActive": user.get("isActive", True),
        "authProvider": user.get("authProvider"),
        "createdAt": user.get("createdAt"),
        "updatedAt": user.get("updatedAt"),
    }


_STAFF_KEYS = (
    "employeeId", "name", "email", "phone", "role", "status", "photo", "shiftStartTime", "shiftEndTime",
    "hasAdminAccess", "requirePinChange", "stats", "assignedOrders", "lastLogin", "createdAt", "updatedAt",
)  # fmt: skip


def public_staff(staff: Doc) -> Doc:
    return {"id": str(staff["_id"]), **{key: staff.get(key) for key in _STAFF_KEYS}}


def public_driver(driver: Doc) -> Doc:
    """A driver without secrets; keeps `_id` (so the record passes the empty-stripping untouched)."""
    return {"id": str(driver["_id"]), **without_secrets(driver)}


def driver_login_view(driver: Doc) -> Doc:
    keys = ("driverId", "name", "email", "phone", "status", "vehicleInfo", "stats")
    return {"id": str(driver["_id"]), **{key: driver.get(key) for key in keys}}


def customer_refs(db: Database[Doc], user_ids: Iterable[Any]) -> dict[Any, Doc]:
    """Users by id as populated references: `{_id, name, email, phone}` (API.md 4.4)."""
    ids = {uid for uid in user_ids if isinstance(uid, ObjectId)}
    if not ids:
        return {}
    projection = {"name": 1, "email": 1, "phone": 1}
    return {user["_id"]: user for user in db[USERS].find({"_id": {"$in": list(ids)}}, projection)}


def with_customer(db: Database[Doc], order: Doc) -> Doc:
    """The order with `user` populated."""
    refs = customer_refs(db, [order.get("user")])
    return {**order, "user": refs.get(order.get("user"), order.get("user"))}


def staff_order(order: Doc, customer: Doc | None, me: ObjectId) -> Doc:
    """The staff app's order object (API.md 5.4); `user` and `items` in the hydrated `{$__, _doc}` form."""
    return {
        "id": str(order["_id"]),
        "orderNumber": order.get("orderNumber"),
        "user": hydrated(customer),
        "items": DocList(hydrated(item) for item in order.get("items") or []),
        "totalAmount": order.get("totalAmount"),
        "status": order.get("status"),
        "paymentMethod": order.get("paymentMethod"),
        "paymentStatus": order.get("paymentStatus"),
        "deliveryMethod": order.get("deliveryMethod"),
        "deliveryAddress": order.get("deliveryAddress"),
        "notes": order.get("notes"),
        "staffNotes": order.get("staffNotes"),
        "assignedStaff": order.get("assignedStaff"),
        "assignedDriver": order.get("assignedDriver"),
        "statusTimestamps": order.get("statusTimestamps"),
        "preparationTime": order.get("preparationTime"),
        "createdAt": order.get("createdAt"),
        "updatedAt": order.get("updatedAt"),
        "isAssignedToMe": order.get("assignedStaff") == me,
    }


def staff_orders(db: Database[Doc], orders: list[Doc], me: ObjectId) -> list[Doc]:
    refs = customer_refs(db, (order.get("user") for order in orders))
    return [staff_order(order, refs.get(order.get("user")), me) for order in orders]
