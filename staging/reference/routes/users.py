"""User administration (API.md 5.6): `GET /api/users` and `GET`/`PUT`/`DELETE /api/users/:id`, admin only."""

from __future__ import annotations

import math
from typing import Any

from pymongo import DESCENDING, ReturnDocument
from starlette.responses import Response
from starlette.routing import Route

from staging.reference import views, wire
from staging.reference.db import USERS, Doc
from staging.reference.errors import ApiError
from staging.reference.guards import admin_guard
from staging.reference.routing import Call, route
from staging.reference.validation import (
    PHONE,
    FieldChecks,
    FieldErrors,
    checked_fields,
    int_query,
    json_object,
    object_id_or_400,
    search_pattern,
)

ROLES = ("customer", "admin")
NAME_MAX = 50
_NO_SECRETS = {"password": 0}


def _user(call: Call) -> Doc:
    found = call.ctx.db[USERS].find_one({"_id": object_id_or_400(call.path("id"), "user")}, _NO_SECRETS)
    if found is None:
        raise ApiError(404, "User not found")
    return found


def list_users(call: Call) -> Response:
    page = int_query(call.query, "page", 1, 1, 1_000_000)
    limit = int_query(call.query, "limit", 20, 1, 100)
    conditions: list[Doc] = [{}]
    if pattern := search_pattern(call.query.get("search")):
        conditions.append({"$or": [{"name": pattern}, {"email": pattern}]})
    if (role := call.query.get("role")) in ROLES:
        conditions.append({"roles": role})
    users = call.ctx.db[USERS]
    found = users.find({"$and": conditions}, _NO_SECRETS).sort(
        [("createdAt", DESCENDING), ("_id", DESCENDING)]
    )
    total = users.count_documents({"$and": conditions})
    page_docs = [views.profile_user(user) for user in found.skip((page - 1) * limit).limit(limit)]
    pagination = {"page": page, "limit": limit, "total": total, "pages": math.ceil(total / limit)}
    return wire.json_response({"success": True, "data": {"users": page_docs, "pagination": pagination}})


def get_user(call: Call) -> Response:
    return wire.json_response({"success": True, "data": {"user": views.profile_user(_user(call))}})


def _name(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and 1 <= len(value.strip()) <= NAME_MAX else None


def _phone(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and PHONE.match(value) and len(value) <= 20 else None


def _roles(value: Any) -> list[str] | None:
    valid = isinstance(value, list) and value and all(role in ROLES for role in value)
    return sorted(set(value)) if valid else None


def _flag(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


# field -> (check returning the stored value or None, the message when it is None)
_EDITABLE: FieldChecks = {
    "name": (_name, f"Name must be between 1 and {NAME_MAX} characters"),
    "phone": (_phone, "Please provide a valid phone number"),
    "roles": (_roles, f"Roles must be a non-empty list of {', '.join(ROLES)}"),
    "isActive": (_flag, "isActive must be true or false"),
}


def _changes(body: dict[str, Any]) -> Doc:
    errors = FieldErrors()
    changes: Doc = checked_fields(body, _EDITABLE, errors)
    errors.raise_if_any()
    if not changes:
        raise ApiError(400, "Nothing to update: send name, phone, roles or isActive")
    return changes


def update_user(call: Call) -> Response:
    changes = _changes(json_object(call.body))
    user = _user(call)
    if user["_id"] == call.user.id and ("roles" in changes or changes.get("isActive") is False):
        raise ApiError(400, "Admins cannot change their own roles or deactivate themselves")
    updated = call.ctx.db[USERS].find_one_and_update(
        {"_id": user["_id"]},
        {"$set": {**changes, "updatedAt": call.ctx.clock.now()}},
        projection=_NO_SECRETS,
        return_document=ReturnDocument.AFTER,
    )
    if updated is None:
        raise ApiError(404, "User not found")
    return wire.json_response({"success": True, "data": {"user": views.profile_user(updated)}})


def delete_user(call: Call) -> Response:
    user = _user(call)
    if user["_id"] == call.user.id:
        raise ApiError(400, "Admins cannot delete themselves")
    call.ctx.db[USERS].delete_one({"_id": user["_id"]})
    return wire.json_response({"success": True, "message": "User deleted"})


routes: list[Route] = [
    route("/api/users", list_users, guard=admin_guard),
    route("/api/users/{id}", get_user, guard=admin_guard),
    route("/api/users/{id}", update_user, ["PUT"], guard=admin_guard),
    route("/api/users/{id}", delete_user, ["DELETE"], guard=admin_guard),
]
