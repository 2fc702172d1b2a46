"""Debug routes (API.md 5.6): user counts and Firebase-uid clean-up. They list user data: admin only."""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import Route

from staging.reference import wire
from staging.reference.db import USERS, Doc
from staging.reference.guards import admin_guard
from staging.reference.routing import Call, route

PROBLEM_LIMIT = 100


def _admin_only(call: Call) -> None:
    """The guard, run by the handler so that the injected defect can leave it out."""
    if not call.ctx.settings.defect_on("debug_routes_unguarded"):
        admin_guard(call.ctx, call.request)


def user_counts(call: Call) -> Response:
    _admin_only(call)
    users = call.ctx.db[USERS]
    data = {
        "total": users.count_documents({}),
        "customers": users.count_documents({"roles": "customer"}),
        "admins": users.count_documents({"roles": "admin"}),
        "active": users.count_documents({"isActive": {"$ne": False}}),
        "inactive": users.count_documents({"isActive": False}),
        "withFirebaseUid": users.count_documents({"firebaseUid": {"$exists": True}}),
        "emails": [user.get("email") for user in users.find({}, {"email": 1}).limit(PROBLEM_LIMIT)],
    }
    return wire.json_response({"success": True, "data": data})


def _problems(call: Call) -> list[Doc]:
    found: list[Doc] = []
    for user in (
        call.ctx.db[USERS]
        .find(
            {
                "$or": [
                    {"email": {"$exists": False}},
                    {"firebaseUid": {"$type": "null"}},
                    {"name": {"$exists": False}},
                ]
            },
            {"email": 1, "name": 1, "firebaseUid": 1},
        )
        .limit(PROBLEM_LIMIT)
    ):
        problem = "missing email" if not user.get("email") else "missing name or empty firebaseUid"
        found.append({"id": str(user["_id"]), "email": user.get("email"), "problem": problem})
    return found


def problematic_users(call: Call) -> Response:
    _admin_only(call)
    problems = _problems(call)
    return wire.json_response({"success": True, "count": len(problems), "users": problems})


def fix_duplicate_firebase_uid(call: Call) -> Response:
    _admin_only(call)
    # firebaseUid has a unique sparse index, so duplicates cannot exist; explicit nulls would collide.
    result = call.ctx.db[USERS].update_many(
        {"firebaseUid": {"$type": "null"}}, {"$unset": {"firebaseUid": ""}}
    )
    return wire.json_response({"success": True, "fixed": result.modified_count})


routes: list[Route] = [
    route("/api/debug/user-counts", user_counts),
    route("/api/debug/problematic-users", problematic_users),
    route("/api/debug/fix-duplicate-firebase-uid", fix_duplicate_firebase_uid, ["POST"]),
]
