"""The authorization matrix as data: every endpoint of API.md and CANCELLATION.md, its guard, and from the
guard (API.md 2.1, 4.4, 5.6) what each kind of caller must get. The test walks this table.

Path placeholders are filled per test: `{order}` a pending delivery order of the owner, `{user}` the owner's
user id, `{staff}` and `{driver}` the cast's staff member and driver, `{unknown}` an id nobody has.
Bodies are deliberately empty or invalid where a call could change shared data: an allowed caller then gets
a 400 or 404, which still proves the guard let it through.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Caller(StrEnum):
    ANONYMOUS = "anonymous"
    OWNER = "owner"
    OTHER_CUSTOMER = "other customer"
    STAFF = "staff"
    DRIVER = "driver"
    ADMIN = "admin"
    EXPIRED = "expired token"
    BAD_SIGNATURE = "bad signature"
    ALG_NONE = "alg:none token"
    REFRESH = "refresh token"
    RESET = "password-reset token"
    FIREBASE = "Firebase ID token"


class Outcome(StrEnum):
    """What a cell must answer. Every cell also never 5xx, never leaks a stack or secret."""

    REFUSED_401 = "401"
    REFUSED_403 = "403"
    REFUSED_401_403 = "401 or 403"
    REFUSED_403_404 = "403 or 404"
    PASSES_GUARD = "not 401/403"  # user and admin guards refuse with 401 or 403 only
    PASSES_401_GUARD = "not 401"  # staff and driver guards refuse with 401 only; 403 is "not yours"
    OPEN = "any 2xx-4xx"  # no guard: the route only has to exist and not fail

    @property
    def refused(self) -> bool:
        return self.value[0] == "4"

    def accepts(self, status: int) -> bool:
        allowed = {
            Outcome.REFUSED_401: status == 401,
            Outcome.REFUSED_403: status == 403,
            Outcome.REFUSED_401_403: status in (401, 403),
            Outcome.REFUSED_403_404: status in (403, 404),
            Outcome.PASSES_GUARD: status not in (401, 403),
            Outcome.PASSES_401_GUARD: status != 401,
            Outcome.OPEN: True,
        }
        return allowed[self] and status < 500


class Guard(StrEnum):
    NONE = "none"
    USER = "user"
    OWNER = "owner or admin"  # a user route that also checks the record's owner
    ADMIN = "admin"
    STAFF = "staff"
    STAFF_ADMIN = "staff-admin"
    DRIVER = "driver"
    FIREBASE = "firebase"


FORGED = (Caller.EXPIRED, Caller.BAD_SIGNATURE, Caller.ALG_NONE, Caller.REFRESH, Caller.RESET)
_R401, _R401_403, _R403_404 = Outcome.REFUSED_401, Outcome.REFUSED_401_403, Outcome.REFUSED_403_404

# API.md 2.1: what each guard answers each kind of caller. Forged and foreign tokens always get 401.
RULES: dict[Guard, dict[Caller, Outcome]] = {
    Guard.NONE: {Caller.ANONYMOUS: Outcome.OPEN},
    Guard.USER: {
        Caller.ANONYMOUS: _R401,
        Caller.OWNER: Outcome.PASSES_GUARD,
        Caller.OTHER_CUSTOMER: Outcome.PASSES_GUARD,
        Caller.STAFF: _R401,  # "Invalid token format"
        Caller.DRIVER: _R401,
        Caller.ADMIN: Outcome.PASSES_GUARD,
        Caller.FIREBASE: _R401,
    },
    Guard.OWNER: {
        Caller.ANONYMOUS: _R401,
        Caller.OWNER: Outcome.PASSES_GUARD,
        Caller.OTHER_CUSTOMER: _R403_404,
        Caller.STAFF: _R401,
        Caller.DRIVER: _R401,
        Caller.ADMIN: Outcome.PASSES_GUARD,
        Caller.FIREBASE: _R401,
    },
    Guard.ADMIN: {
        Caller.ANONYMOUS: _R401,
        Caller.OWNER: Outcome.REFUSED_403,  # "403 for a customer"
        Caller.OTHER_CUSTOMER: Outcome.REFUSED_403,
        Caller.STAFF: _R401_403,
        Caller.DRIVER: _R401_403,
        Caller.ADMIN: Outcome.PASSES_GUARD,
        Caller.FIREBASE: _R401,
    },
    Guard.STAFF: {
        Caller.ANONYMOUS: _R401,
        Caller.OWNER: _R401,
        Caller.OTHER_CUSTOMER: _R401,
        Caller.STAFF: Outcome.PASSES_401_GUARD,
        Caller.DRIVER: _R401,
        Caller.ADMIN: _R401,
        Caller.FIREBASE: _R401,
    },
    Guard.STAFF_ADMIN: {
        Caller.ANONYMOUS: _R401,
        Caller.OWNER: _R401_403,
        Caller.OTHER_CUSTOMER: _R401_403,
        Caller.STAFF: _R401_403,  # a PIN session is not a staff-admin session
        Caller.DRIVER: _R401_403,
        Caller.ADMIN: _R401_403,
        Caller.FIREBASE: _R401,
    },
    Guard.DRIVER: {
        Caller.ANONYMOUS: _R401,
        Caller.OWNER: _R401,
        Caller.OTHER_CUSTOMER: _R401,
        Caller.STAFF: _R401,
        Caller.DRIVER: Outcome.PASSES_401_GUARD,
        Caller.ADMIN: _R401,
        Caller.FIREBASE: _R401,
    },
    Guard.FIREBASE: {
        Caller.ANONYMOUS: _R401,
        Caller.OWNER: _R401,  # our JWTs are not Firebase ID tokens
        Caller.OTHER_CUSTOMER: _R401,
        Caller.STAFF: _R401,
        Caller.DRIVER: _R401,
        Caller.ADMIN: _R401,
        Caller.FIREBASE: Outcome.PASSES_GUARD,
    },
}
for _guard, _cells in RULES.items():
    if _guard is not Guard.NONE:
        _cells.update(dict.fromkeys(FORGED, _R401))

# Whose real token a forged one copies: the caller the guard is made for, so a forgery that passed would
# pass with that caller's full rights.
NATURAL_CALLER = {
    Guard.USER: Caller.OWNER,
    Guard.OWNER: Caller.OWNER,
    Guard.ADMIN: Caller.ADMIN,
    Guard.STAFF: Caller.STAFF,
    Guard.STAFF_ADMIN: Caller.STAFF,
    Guard.DRIVER: Caller.DRIVER,
    Guard.FIREBASE: Caller.OWNER,
}


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str
    guard: Guard
    source: str
    body: Any = field(default_factory=dict)
    overrides: Mapping[Caller, Outcome] = field(default_factory=dict)
    skip: str | None = None

    @property
    def id(self) -> str:
        return f"{self.method} {self.path}"

    def expected(self) -> dict[Caller, Outcome]:
        return {**RULES[self.guard], **self.overrides}


def _admin_orders(prefix: str) -> list[Endpoint]:
    src = "API.md 5.6"
    return [
        Endpoint("GET", prefix, Guard.ADMIN, src),
        Endpoint("POST", prefix, Guard.ADMIN, src),
        Endpoint("GET", f"{prefix}/stats", Guard.ADMIN, src),
        Endpoint("GET", f"{prefix}/analytics", Guard.ADMIN, src),
        Endpoint("GET", f"{prefix}/export", Guard.ADMIN, src),
        Endpoint("GET", f"{prefix}/my-orders", Guard.ADMIN, src),
        Endpoint("POST", f"{prefix}/guest", Guard.ADMIN, src),
        Endpoint("GET", f"{prefix}/{{order}}", Guard.ADMIN, src),
        Endpoint("PUT", f"{prefix}/{{order}}/status", Guard.ADMIN, src),
        Endpoint("PUT", f"{prefix}/{{order}}/payment", Guard.ADMIN, src),
        Endpoint("PUT", f"{prefix}/{{order}}/cancel", Guard.ADMIN, src, body={"reason": ""}),
        Endpoint("DELETE", f"{prefix}/{{unknown}}", Guard.ADMIN, src),
    ]


_STAFF_OR_DRIVER_401_403 = {Caller.STAFF: _R401_403, Caller.DRIVER: _R401_403}

ENDPOINTS: tuple[Endpoint, ...] = (
    # --- health (API.md 1) ---
    Endpoint("GET", "/health", Guard.NONE, "API.md 1"),
    Endpoint("GET", "/api/health", Guard.NONE, "API.md 1"),
    Endpoint("GET", "/ready", Guard.NONE, "API.md 1"),
    Endpoint("GET", "/alive", Guard.NONE, "API.md 1"),
    Endpoint("GET", "/api/metrics", Guard.NONE, "API.md 1"),
    Endpoint("GET", "/", Guard.NONE, "API.md 1"),
    # --- customers and admins (API.md 2.2) ---
    Endpoint("POST", "/api/auth/register", Guard.NONE, "API.md 2.2"),
    Endpoint("POST", "/api/auth/login", Guard.NONE, "API.md 2.2"),
    Endpoint("POST", "/api/auth/admin-login", Guard.NONE, "API.md 2.2"),
    Endpoint("GET", "/api/auth/me", Guard.USER, "API.md 2.2"),
    Endpoint(
        "POST",
        "/api/auth/refresh",
        Guard.NONE,
        "API.md 2.2",
        skip="limited to 5 calls per 15 min per client (8.3): test_abuse_limits and test_sessions cover it",
    ),
    Endpoint("POST", "/api/auth/logout", Guard.USER, "API.md 2.2"),
    Endpoint("POST", "/api/auth/forgot-password", Guard.NONE, "API.md 2.2"),
    # --- staff (API.md 2.3) ---
    Endpoint("POST", "/api/staff/auth/login-pin", Guard.NONE, "API.md 2.3"),
    Endpoint("POST", "/api/staff/auth/login-qr", Guard.NONE, "API.md 2.3"),
    Endpoint("POST", "/api/staff/auth/validate-pin", Guard.NONE, "API.md 2.3"),
    Endpoint("GET", "/api/staff/auth/session", Guard.STAFF, "API.md 2.3"),
    Endpoint("POST", "/api/staff/auth/logout", Guard.STAFF, "API.md 2.3"),
    Endpoint("POST", "/api/staff/auth/change-pin", Guard.STAFF, "API.md 2.3"),
    Endpoint("POST", "/api/staff/auth/check-pin-uniqueness", Guard.ADMIN, "API.md 2.3"),
    Endpoint("POST", "/api/staff/login", Guard.NONE, "API.md 2.3"),
    Endpoint("POST", "/api/staff/register", Guard.NONE, "API.md 2.3"),
    Endpoint("POST", "/api/staff/admin/login", Guard.NONE, "API.md 2.3"),
    Endpoint("POST", "/api/staff/{staff}/admin-credentials", Guard.ADMIN, "API.md 2.3"),
    Endpoint("DELETE", "/api/staff/{staff}/admin-credentials", Guard.ADMIN, "API.md 2.3"),
    Endpoint("GET", "/api/staff/products", Guard.STAFF_ADMIN, "API.md 2.3"),
    Endpoint("POST", "/api/admin/staff/create", Guard.ADMIN, "API.md 2.3"),
    Endpoint("GET", "/api/admin/staff", Guard.ADMIN, "API.md 7.2"),
    # --- drivers (API.md 2.4) ---
    Endpoint("POST", "/api/admin/drivers", Guard.ADMIN, "API.md 2.4"),
    Endpoint("GET", "/api/admin/drivers", Guard.ADMIN, "API.md 2.4"),
    Endpoint("PUT", "/api/admin/drivers/{driver}", Guard.ADMIN, "API.md 2.4"),
    Endpoint("POST", "/api/admin/drivers/{driver}/reset-pin", Guard.ADMIN, "API.md 2.4"),
    Endpoint("DELETE", "/api/admin/drivers/{unknown}", Guard.ADMIN, "API.md 2.4"),
    Endpoint("POST", "/api/driver/auth/pin-login", Guard.NONE, "API.md 2.4"),
    Endpoint("POST", "/api/driver/auth/qr-login", Guard.NONE, "API.md 2.4"),
    Endpoint("GET", "/api/driver/auth/validate-token", Guard.DRIVER, "API.md 2.4"),
    Endpoint("POST", "/api/driver/auth/change-pin", Guard.DRIVER, "API.md 2.4"),
    # --- catalog (API.md 3) ---
    Endpoint("GET", "/api/coffees", Guard.NONE, "API.md 3"),
    Endpoint("GET", "/api/coffees/{unknown}", Guard.NONE, "API.md 3"),
    Endpoint("POST", "/api/coffees", Guard.ADMIN, "API.md 3"),
    Endpoint("PUT", "/api/coffees/{unknown}", Guard.ADMIN, "API.md 3"),
    Endpoint("DELETE", "/api/coffees/{unknown}", Guard.ADMIN, "API.md 3"),
    # --- orders (API.md 4) ---
    Endpoint("POST", "/api/orders", Guard.USER, "API.md 4.1"),
    Endpoint("GET", "/api/orders", Guard.USER, "API.md 4.4"),
    Endpoint("GET", "/api/orders/{order}", Guard.OWNER, "API.md 4.4"),
    # --- cancellation and refunds (CANCELLATION.md) ---
    Endpoint(
        "POST",
        "/api/orders/{order}/cancel",
        Guard.OWNER,
        "CANCELLATION.md 3",
        overrides=_STAFF_OR_DRIVER_401_403,
    ),
    Endpoint(
        "POST",
        "/api/orders/{order}/cancel-request",
        Guard.OWNER,
        "CANCELLATION.md 4",
        body={"reason": "Ordered the wrong beans"},  # valid, so ownership is the only reason to refuse
        # "owner only": an admin passes the guard but is no owner, so any refusal but 401 is right.
        overrides={**_STAFF_OR_DRIVER_401_403, Caller.ADMIN: Outcome.PASSES_401_GUARD},
    ),
    Endpoint("GET", "/api/orders/cancellation-requests", Guard.ADMIN, "CANCELLATION.md 4"),
    Endpoint(
        "PUT",
        "/api/orders/{order}/cancellation-requests/{unknown}",
        Guard.ADMIN,
        "CANCELLATION.md 4",
        body={"decision": "approve"},
    ),
    Endpoint("POST", "/api/orders/{order}/refund", Guard.ADMIN, "CANCELLATION.md 5"),
    Endpoint("GET", "/api/refunds", Guard.ADMIN, "CANCELLATION.md 5"),
    Endpoint(
        "GET",
        "/api/orders/{order}/refund-status",
        Guard.OWNER,
        "CANCELLATION.md 5",
        overrides=_STAFF_OR_DRIVER_401_403,
    ),
    # --- staff app (API.md 5.4) ---
    Endpoint("GET", "/api/staff/orders", Guard.STAFF, "API.md 5.4"),
    Endpoint("GET", "/api/staff/orders/{order}", Guard.STAFF, "API.md 5.4"),
    Endpoint("POST", "/api/staff/orders/{order}/accept", Guard.STAFF, "API.md 5.4"),
    Endpoint("POST", "/api/staff/orders/{order}/start", Guard.STAFF, "API.md 5.4"),
    Endpoint("POST", "/api/staff/orders/{order}/ready", Guard.STAFF, "API.md 5.4"),
    Endpoint("PUT", "/api/staff/orders/{order}/status", Guard.STAFF, "API.md 5.4"),
    Endpoint("PUT", "/api/staff/status", Guard.STAFF, "API.md 5.4"),
    Endpoint("GET", "/api/staff/profile", Guard.STAFF, "API.md 5.4"),
    Endpoint("GET", "/api/staff/stats", Guard.STAFF, "API.md 5.4"),
    Endpoint("POST", "/api/staff/fcm-token", Guard.STAFF, "API.md 5.4"),
    # --- driver app (API.md 5.5) ---
    Endpoint("GET", "/api/driver/orders/available", Guard.DRIVER, "API.md 5.5"),
    Endpoint("POST", "/api/driver/orders/{order}/accept", Guard.DRIVER, "API.md 5.5"),
    Endpoint("POST", "/api/driver/orders/{order}/start", Guard.DRIVER, "API.md 5.5"),
    Endpoint("POST", "/api/driver/orders/{order}/complete", Guard.DRIVER, "API.md 5.5"),
    Endpoint("POST", "/api/driver/location", Guard.DRIVER, "API.md 5.5"),
    Endpoint("POST", "/api/driver/status", Guard.DRIVER, "API.md 5.5"),
    Endpoint("GET", "/api/driver/orders/my-deliveries", Guard.DRIVER, "API.md 5.5"),
    Endpoint("GET", "/api/driver/orders/completed", Guard.DRIVER, "API.md 5.5"),
    # --- admin (API.md 5.6) ---
    *_admin_orders("/api/admin/orders"),
    *_admin_orders("/api/public-admin/orders"),
    Endpoint("GET", "/api/admin/reports/sales", Guard.ADMIN, "API.md 7.1"),
    Endpoint("GET", "/api/admin/reports/users", Guard.ADMIN, "API.md 7.1"),
    Endpoint("GET", "/api/admin/reports/products", Guard.ADMIN, "API.md 7.1"),
    Endpoint("GET", "/api/admin/performance", Guard.ADMIN, "API.md 5.6"),
    Endpoint("GET", "/api/admin/cache-stats", Guard.ADMIN, "API.md 5.6"),
    Endpoint("GET", "/api/users", Guard.ADMIN, "API.md 5.6"),
    Endpoint("GET", "/api/users/{user}", Guard.ADMIN, "API.md 5.6"),
    Endpoint("PUT", "/api/users/{user}", Guard.ADMIN, "API.md 5.6"),
    Endpoint("DELETE", "/api/users/{unknown}", Guard.ADMIN, "API.md 5.6"),
    Endpoint("GET", "/api/debug/user-counts", Guard.ADMIN, "API.md 5.6"),
    Endpoint("GET", "/api/debug/problematic-users", Guard.ADMIN, "API.md 5.6"),
    Endpoint("POST", "/api/debug/fix-duplicate-firebase-uid", Guard.ADMIN, "API.md 5.6"),
    # --- analytics (API.md 7.1) ---
    Endpoint("GET", "/api/analytics/admin/dashboard", Guard.ADMIN, "API.md 7.1"),
    Endpoint("GET", "/api/analytics/admin/users", Guard.ADMIN, "API.md 7.1"),
    Endpoint("GET", "/api/analytics/admin/products", Guard.ADMIN, "API.md 7.1"),
    Endpoint("GET", "/api/analytics/products/popular", Guard.NONE, "API.md 7.1"),
    Endpoint("GET", "/api/analytics/products/top-performers", Guard.NONE, "API.md 7.1"),
    Endpoint("GET", "/api/analytics/conversion-funnel", Guard.NONE, "API.md 7.1"),
    Endpoint("GET", "/api/analytics/product/{unknown}", Guard.NONE, "API.md 7.1"),
    Endpoint("POST", "/api/analytics/track", Guard.USER, "API.md 7.1"),
    Endpoint("GET", "/api/analytics/user/activity", Guard.USER, "API.md 7.2"),
    # --- payments (API.md 6) ---
    Endpoint("GET", "/api/config/stripe", Guard.NONE, "API.md 6.1"),
    Endpoint("POST", "/api/payment/create-intent", Guard.FIREBASE, "API.md 6.1"),
    Endpoint("GET", "/api/payment/details/{order}", Guard.FIREBASE, "API.md 6.1"),
    Endpoint("POST", "/api/payment/refund/{order}", Guard.ADMIN, "API.md 6.2"),
    Endpoint("POST", "/api/payment/webhook", Guard.NONE, "API.md 6.3"),
)
