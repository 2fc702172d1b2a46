"""Guards (API.md 2.1): who may call. Identity and role always come from the record the token names."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bson import ObjectId
from starlette.requests import Request

from staging.reference import revocations, tokens
from staging.reference.context import AppContext
from staging.reference.db import DRIVERS, STAFFS, USERS, Doc
from staging.reference.errors import ApiError
from staging.reference.validation import parse_object_id


@dataclass(frozen=True)
class UserPrincipal:
    user: Doc
    claims: dict[str, Any]

    @property
    def id(self) -> ObjectId:
        return self.user["_id"]

    @property
    def is_admin(self) -> bool:
        roles = self.user.get("roles")
        return isinstance(roles, list) and "admin" in roles


@dataclass(frozen=True)
class StaffPrincipal:
    staff: Doc
    claims: dict[str, Any]

    @property
    def id(self) -> ObjectId:
        return self.staff["_id"]


@dataclass(frozen=True)
class DriverPrincipal:
    driver: Doc
    claims: dict[str, Any]

    @property
    def id(self) -> ObjectId:
        return self.driver["_id"]


Principal = UserPrincipal | StaffPrincipal | DriverPrincipal
Guard = Callable[[AppContext, Request], Principal]

_STAFF_OR_DRIVER_TYPES = {tokens.STAFF, tokens.DRIVER, "staff-admin"}


def bearer_token(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(401, "Not authorized, no token")
    return token.strip()


def _claims(ctx: AppContext, request: Request) -> dict[str, Any]:
    token = bearer_token(request)
    try:
        claims = ctx.tokens.decode(token)
    except tokens.TokenError as exc:
        if not ctx.settings.defect_on("refresh_token_accepted_as_access"):
            raise ApiError(401, str(exc)) from None
        try:
            claims = ctx.tokens.decode(token, refresh=True)
        except tokens.TokenError:
            raise ApiError(401, str(exc)) from None
    if revocations.is_revoked(ctx.db, str(claims["jti"])):
        raise ApiError(401, "Token has been revoked")
    return claims


def _record_id(claims: dict[str, Any], key: str) -> ObjectId:
    value = claims.get(key)
    oid = parse_object_id(value) if isinstance(value, str) else None
    if oid is None:
        raise ApiError(401, "Invalid token format")
    return oid


def user_guard(ctx: AppContext, request: Request) -> UserPrincipal:
    claims = _claims(ctx, request)
    if claims["type"] in _STAFF_OR_DRIVER_TYPES or "staffId" in claims or "driverId" in claims:
        raise ApiError(401, "Invalid token format")
    accepted = {tokens.ACCESS}
    if ctx.settings.defect_on("refresh_token_accepted_as_access"):
        accepted.add(tokens.REFRESH)
    if claims["type"] not in accepted:
        raise ApiError(401, "Invalid token type")
    user = ctx.db[USERS].find_one({"_id": _record_id(claims, "userId")}, {"password": 0})
    if user is None:
        raise ApiError(401, "User not found")
    if user.get("isActive") is False:
        raise ApiError(401, "Account is deactivated")
    return UserPrincipal(user, claims)


def admin_guard(ctx: AppContext, request: Request) -> UserPrincipal:
    principal = user_guard(ctx, request)
    if not principal.is_admin:
        raise ApiError(403, "Access denied. Admin privileges required.")
    return principal


def staff_guard(ctx: AppContext, request: Request) -> StaffPrincipal:
    claims = _claims(ctx, request)
    if claims["type"] != tokens.STAFF:
        raise ApiError(401, "Invalid token format")
    staff = ctx.db[STAFFS].find_one({"_id": _record_id(claims, "staffId")}, {"pin": 0, "pinFingerprint": 0})
    if staff is None or staff.get("isDeleted") is True:
        raise ApiError(401, "Staff member not found")
    if staff.get("status") == "inactive":
        raise ApiError(401, "Staff account is inactive")
    return StaffPrincipal(staff, claims)


def driver_guard(ctx: AppContext, request: Request) -> DriverPrincipal:
    claims = _claims(ctx, request)
    if claims["type"] != tokens.DRIVER or claims.get("role") != "driver":
        raise ApiError(401, "Invalid token format")
    driver = ctx.db[DRIVERS].find_one(
        {"_id": _record_id(claims, "driverId")}, {"pin": 0, "pinFingerprint": 0}
    )
    # Wire quirk (API.md 8.1): the driver middleware answers `{message}` alone, without `success`.
    if driver is None:
        raise ApiError(401, "Driver not found", bare=True)
    if driver.get("isActive") is not True:
        raise ApiError(401, "Driver account is inactive", bare=True)
    return DriverPrincipal(driver, claims)
