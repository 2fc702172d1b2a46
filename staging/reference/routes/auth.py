"""Customer and admin accounts (API.md 2.2): register, login, tokens, logout."""

from __future__ import annotations

from typing import Any

from pymongo.errors import DuplicateKeyError
from starlette.responses import Response
from starlette.routing import Route

from staging.reference import notifications, revocations, tokens, views, wire
from staging.reference.context import AppContext
from staging.reference.db import USERS, Doc
from staging.reference.errors import ApiError
from staging.reference.guards import user_guard
from staging.reference.hashing import hash_secret, verify_secret
from staging.reference.routing import Call, route
from staging.reference.validation import (
    PHONE,
    FieldErrors,
    is_email,
    json_object,
    normalize_email,
    parse_object_id,
    password_problems,
)

NAME_MAX = 50
_INVALID_CREDENTIALS = "Invalid credentials"


def _token_pair(ctx: AppContext, user: Doc) -> dict[str, str]:
    user_id = str(user["_id"])
    return {"token": ctx.tokens.access(user_id).token, "refreshToken": ctx.tokens.refresh(user_id).token}


def _register_fields(body: dict[str, Any]) -> tuple[str, str, str, str | None]:
    errors = FieldErrors()
    name = body.get("name")
    if not isinstance(name, str) or not 1 <= len(name.strip()) <= NAME_MAX:
        errors.add("name", f"Name must be between 1 and {NAME_MAX} characters", name)
    email = body.get("email")
    if not is_email(email):
        errors.add("email", "Please provide a valid email", email)
    password = body.get("password")
    if not isinstance(password, str):
        errors.add("password", "Password is required", None)
    else:
        for problem in password_problems(password):
            errors.add("password", problem, None)  # never echo a password back
    phone = body.get("phone")
    if (
        phone is not None
        and phone != ""
        and (not isinstance(phone, str) or not PHONE.match(phone) or len(phone) > 20)
    ):
        errors.add("phone", "Please provide a valid phone number", phone)
    normalized = normalize_email(str(email))
    if not errors.errors and not is_email(normalized):  # e.g. a gmail address that was only a +tag
        errors.add("email", "Please provide a valid email", email)
    errors.raise_if_any()
    return (
        str(name).strip(),
        normalized,
        str(password),
        phone.strip() if isinstance(phone, str) and phone.strip() else None,
    )


def register(call: Call) -> Response:
    body = json_object(call.body)
    name, email, password, phone = _register_fields(body)
    users = call.ctx.db[USERS]
    if users.find_one({"email": email}, {"_id": 1}) is not None:
        raise ApiError(400, "User already exists with this email")
    now = call.ctx.clock.now()
    user: Doc = {
        "name": name,
        "email": email,
        "password": hash_secret(password, call.ctx.settings.bcrypt_rounds),
        "roles": ["customer"],
        "isActive": True,
        "isEmailVerified": False,
        "authProvider": "email",
        "createdAt": now,
        "updatedAt": now,
    }
    if phone:
        user["phone"] = phone
    if call.ctx.settings.defect_on("register_mass_assignment"):
        user |= {key: body[key] for key in ("roles", "isActive", "isEmailVerified") if key in body}
    if call.ctx.settings.jwt_refresh_secret is None:
        # Fail before writing: the answer must carry a refresh token.
        raise RuntimeError("JWT_REFRESH_SECRET is not configured")
    try:
        users.insert_one(user)
    except DuplicateKeyError:
        raise ApiError(400, "User already exists with this email") from None
    data = {"user": views.auth_user(user), **_token_pair(call.ctx, user)}
    return wire.json_response({"success": True, "message": "User registered successfully", "data": data}, 201)


def _credentials(body: dict[str, Any]) -> tuple[str, str]:
    email, password = body.get("email"), body.get("password")
    errors = FieldErrors()
    if not isinstance(email, str) or not email.strip():
        errors.add("email", "Email is required", email if not isinstance(email, str) else None)
    if not isinstance(password, str) or not password:
        errors.add("password", "Password is required")
    errors.raise_if_any()
    return normalize_email(str(email)), str(password)


def _authenticate(call: Call) -> Doc:
    email, password = _credentials(json_object(call.body))
    user = call.ctx.db[USERS].find_one({"email": email})
    if user is None or not verify_secret(password, user.get("password")):
        raise ApiError(401, _INVALID_CREDENTIALS)
    if user.get("isActive") is False:
        raise ApiError(401, "Account is deactivated")
    return user


def _login_response(call: Call, user: Doc) -> Response:
    now = call.ctx.clock.now()
    call.ctx.db[USERS].update_one({"_id": user["_id"]}, {"$set": {"lastLogin": now}})
    user = {**user, "lastLogin": now}
    data = {"user": views.auth_user(user, with_login=True), **_token_pair(call.ctx, user)}
    return wire.json_response({"success": True, "message": "Login successful", "data": data})


def login(call: Call) -> Response:
    return _login_response(call, _authenticate(call))


def admin_login(call: Call) -> Response:
    user = _authenticate(call)
    roles = user.get("roles")
    if not isinstance(roles, list) or "admin" not in roles:
        raise ApiError(403, "Access denied. Admin privileges required.")
    return _login_response(call, user)


def me(call: Call) -> Response:
    return wire.json_response({"success": True, "data": {"user": views.profile_user(call.user.user)}})


def refresh(call: Call) -> Response:
    raw = json_object(call.body).get("refreshToken")
    if not isinstance(raw, str) or not raw:
        raise ApiError(401, "Refresh token is required")
    try:
        claims = call.ctx.tokens.decode(raw, refresh=True)
    except tokens.TokenError:
        raise ApiError(401, "Invalid refresh token") from None
    user_id = parse_object_id(claims.get("userId"))
    if claims["type"] != tokens.REFRESH or user_id is None:
        raise ApiError(401, "Invalid refresh token")
    user = call.ctx.db[USERS].find_one({"_id": user_id}, {"password": 0})
    if user is None or user.get("isActive") is False:
        raise ApiError(401, "Invalid refresh token")
    # Rotation: spending the token id is atomic, so a refresh token works exactly once.
    spent = revocations.consume(call.ctx.db, str(claims["jti"]), tokens.expires_at(claims), "refresh-rotated")
    if not spent and not call.ctx.settings.defect_on("refresh_token_reusable"):
        raise ApiError(401, "Refresh token has already been used")
    return wire.json_response({"success": True, "data": _token_pair(call.ctx, user)})


def logout(call: Call) -> Response:
    claims = call.user.claims
    ctx = call.ctx
    if not ctx.settings.defect_on("logout_keeps_token_valid"):
        revocations.revoke(ctx.db, str(claims["jti"]), tokens.expires_at(claims), "logout")
    body = call.body if isinstance(call.body, dict) else {}
    raw_refresh = body.get("refreshToken")
    if isinstance(raw_refresh, str) and raw_refresh:
        try:
            refresh_claims = ctx.tokens.decode(raw_refresh, refresh=True)
        except tokens.TokenError:
            refresh_claims = None
        if refresh_claims and refresh_claims.get("userId") == str(call.user.id):
            revocations.revoke(
                ctx.db, str(refresh_claims["jti"]), tokens.expires_at(refresh_claims), "logout"
            )
    return wire.json_response({"success": True, "message": "Logged out successfully"})


def forgot_password(call: Call) -> Response:
    email = json_object(call.body).get("email")
    if not is_email(email):
        raise ApiError(400, "Please provide a valid email")
    ctx = call.ctx
    projection = {"name": 1, "email": 1, "isActive": 1}
    user = ctx.db[USERS].find_one({"email": normalize_email(str(email))}, projection)
    task = None
    if user is not None and user.get("isActive") is not False:
        token = ctx.tokens.password_reset(str(user["_id"])).token
        site = (ctx.settings.frontend_url or ctx.settings.base_url or "http://localhost:5001").rstrip("/")
        link = f"{site}/reset-password?token={token}"
        task = notifications.send_later(ctx.mailer, notifications.password_reset(user, link))
    # Same answer whether or not the account exists, and nothing visible is written.
    return wire.json_response(
        {"success": True, "message": "If an account with that email exists, a reset link has been sent"},
        background=task,
    )


routes: list[Route] = [
    route("/api/auth/register", register, ["POST"]),
    route("/api/auth/login", login, ["POST"]),
    route("/api/auth/admin-login", admin_login, ["POST"]),
    route("/api/auth/me", me, guard=user_guard),
    route("/api/auth/refresh", refresh, ["POST"]),
    route("/api/auth/logout", logout, ["POST"], guard=user_guard),
    route("/api/auth/forgot-password", forgot_password, ["POST"]),
]
