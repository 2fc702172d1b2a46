"""The contract's routes as data (API.md and CANCELLATION.md), for the capability report.

Each row names the route, its guard and how it may be probed. Probes are never destructive: reads go out
as they are; writes go only to routes behind the user or admin guard, with the admin's token, an id that
names nothing (``000000000000000000000000``) and an empty body, so the answer is a validation error or
"not found" from the route itself. Routes whose probe could cost something are not probed: logins and
registration count against the login rate limit (API.md 8.3), PIN logins against PIN lockout (2.3), and
a few admin routes act without an id (logout, tracking, repairing users).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Guard(StrEnum):
    NONE = "none"
    USER = "user"
    ADMIN = "admin"
    STAFF = "staff"
    STAFF_ADMIN = "staff-admin"
    DRIVER = "driver"
    FIREBASE = "firebase"


class Probe(StrEnum):
    SAFE = "safe"
    RATE_LIMITED = "not probed: counts against a login or PIN limit"
    SIDE_EFFECT = "not probed: acts without naming a record"


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str
    guard: Guard
    source: str
    probe: Probe = Probe.SAFE
    # Statuses that prove the route exists, where a shadowing route could answer in its place (e.g.
    # GET /api/orders/cancellation-requests would otherwise reach GET /api/orders/:id and answer 400).
    proof: frozenset[int] = frozenset()

    @property
    def key(self) -> str:
        return f"{self.method} {self.path}"


def _e(
    method: str,
    path: str,
    guard: Guard,
    source: str,
    probe: Probe = Probe.SAFE,
    *,
    proof: frozenset[int] = frozenset(),
) -> Endpoint:
    return Endpoint(method, path, guard, source, probe, proof)


N, U, A, S, SA, D, F = (
    Guard.NONE,
    Guard.USER,
    Guard.ADMIN,
    Guard.STAFF,
    Guard.STAFF_ADMIN,
    Guard.DRIVER,
    Guard.FIREBASE,
)
LIMITED, ACTS = Probe.RATE_LIMITED, Probe.SIDE_EFFECT
OK_ONLY = frozenset({200})

ENDPOINTS: tuple[Endpoint, ...] = (
    # API.md 1: health
    _e("GET", "/", N, "API.md 1"),
    _e("GET", "/health", N, "API.md 1"),
    _e("GET", "/api/health", N, "API.md 1"),
    _e("GET", "/ready", N, "API.md 1"),
    _e("GET", "/alive", N, "API.md 1"),
    _e("GET", "/api/metrics", N, "API.md 1"),
    # 2.2 customers and admins
    _e("POST", "/api/auth/register", N, "API.md 2.2", LIMITED),
    _e("POST", "/api/auth/login", N, "API.md 2.2", LIMITED),
    _e("POST", "/api/auth/admin-login", N, "API.md 2.2", LIMITED),
    _e("GET", "/api/auth/me", U, "API.md 2.2"),
    _e("POST", "/api/auth/refresh", N, "API.md 2.2", LIMITED),
    _e("POST", "/api/auth/logout", U, "API.md 2.2", ACTS),
    _e("POST", "/api/auth/forgot-password", N, "API.md 2.2", LIMITED),
    # 2.3 staff
    _e("POST", "/api/admin/staff/create", A, "API.md 2.3"),
    _e("POST", "/api/staff/auth/login-pin", N, "API.md 2.3", LIMITED),
    _e("POST", "/api/staff/auth/login-qr", N, "API.md 2.3", LIMITED),
    _e("POST", "/api/staff/auth/validate-pin", N, "API.md 2.3", LIMITED),
    _e("GET", "/api/staff/auth/session", S, "API.md 2.3"),
    _e("POST", "/api/staff/auth/logout", S, "API.md 2.3"),
    _e("POST", "/api/staff/auth/change-pin", S, "API.md 2.3"),
    _e("POST", "/api/staff/auth/check-pin-uniqueness", A, "API.md 2.3"),
    _e("POST", "/api/staff/login", N, "API.md 2.3", LIMITED),
    _e("POST", "/api/staff/register", N, "API.md 2.3", ACTS),
    _e("POST", "/api/staff/admin/login", N, "API.md 2.3", LIMITED),
    _e("POST", "/api/staff/:staffId/admin-credentials", A, "API.md 2.3"),
    _e("DELETE", "/api/staff/:staffId/admin-credentials", A, "API.md 2.3"),
    # 2.4 drivers
    _e("POST", "/api/admin/drivers", A, "API.md 2.4"),
    _e("GET", "/api/admin/drivers", A, "API.md 2.4"),
    _e("POST", "/api/driver/auth/pin-login", N, "API.md 2.4", LIMITED),
    _e("POST", "/api/driver/auth/qr-login", N, "API.md 2.4", LIMITED),
    _e("GET", "/api/driver/auth/validate-token", D, "API.md 2.4"),
    _e("POST", "/api/driver/auth/change-pin", D, "API.md 2.4"),
    # 3 catalog
    _e("GET", "/api/coffees", N, "API.md 3"),
    _e("GET", "/api/coffees/:id", N, "API.md 3"),
    _e("POST", "/api/coffees", A, "API.md 3"),
    _e("PUT", "/api/coffees/:id", A, "API.md 3"),
    _e("DELETE", "/api/coffees/:id", A, "API.md 3"),
    # 4 orders
    _e("POST", "/api/orders", U, "API.md 4.1"),
    _e("GET", "/api/orders", U, "API.md 4.4"),
    _e("GET", "/api/orders/:id", U, "API.md 4.4"),
    # 5.4 staff app
    _e("GET", "/api/staff/orders", S, "API.md 5.4"),
    _e("GET", "/api/staff/orders/:id", S, "API.md 5.4"),
    _e("POST", "/api/staff/orders/:id/accept", S, "API.md 5.4"),
    _e("POST", "/api/staff/orders/:id/start", S, "API.md 5.4"),
    _e("POST", "/api/staff/orders/:id/ready", S, "API.md 5.4"),
    _e("PUT", "/api/staff/orders/:id/status", S, "API.md 5.4"),
    _e("PUT", "/api/staff/status", S, "API.md 5.4"),
    _e("GET", "/api/staff/profile", S, "API.md 5.4"),
    _e("GET", "/api/staff/stats", S, "API.md 5.4"),
    _e("POST", "/api/staff/fcm-token", S, "API.md 5.4"),
    # 5.5 driver app
    _e("GET", "/api/driver/orders/available", D, "API.md 5.5"),
    _e("POST", "/api/driver/orders/:id/accept", D, "API.md 5.5"),
    _e("POST", "/api/driver/orders/:id/start", D, "API.md 5.5"),
    _e("POST", "/api/driver/orders/:id/complete", D, "API.md 5.5"),
    _e("POST", "/api/driver/location", D, "API.md 5.5"),
    _e("POST", "/api/driver/status", D, "API.md 5.5"),
    _e("GET", "/api/driver/orders/my-deliveries", D, "API.md 5.5"),
    _e("GET", "/api/driver/orders/completed", D, "API.md 5.5"),
    # 5.6 admin
    _e("GET", "/api/admin/orders", A, "API.md 5.6"),
    _e("GET", "/api/admin/orders/stats", A, "API.md 5.6", proof=OK_ONLY),
    _e("GET", "/api/admin/orders/analytics", A, "API.md 5.6", proof=OK_ONLY),
    _e("GET", "/api/admin/orders/export", A, "API.md 5.6", proof=OK_ONLY),
    _e("GET", "/api/admin/orders/:id", A, "API.md 5.6"),
    _e("PUT", "/api/admin/orders/:id/status", A, "API.md 5.6"),
    _e("PUT", "/api/admin/orders/:id/payment", A, "API.md 5.6"),
    _e("DELETE", "/api/admin/orders/:id", A, "API.md 5.6"),
    _e("POST", "/api/admin/orders/guest", A, "API.md 5.6"),
    _e("POST", "/api/admin/orders", A, "API.md 5.6"),
    _e("GET", "/api/admin/orders/my-orders", A, "API.md 5.6", proof=OK_ONLY),
    _e("PUT", "/api/admin/orders/:id/cancel", A, "API.md 5.6"),
    _e("GET", "/api/public-admin/orders", A, "API.md 5.6"),
    _e("GET", "/api/admin/staff", A, "API.md 5.6"),
    _e("GET", "/api/admin/performance", A, "API.md 5.6"),
    _e("GET", "/api/admin/cache-stats", A, "API.md 5.6"),
    _e("GET", "/api/users", A, "API.md 5.6"),
    _e("GET", "/api/users/:id", A, "API.md 5.6"),
    _e("PUT", "/api/users/:id", A, "API.md 5.6"),
    _e("DELETE", "/api/users/:id", A, "API.md 5.6"),
    _e("GET", "/api/debug/user-counts", A, "API.md 5.6"),
    _e("GET", "/api/debug/problematic-users", A, "API.md 5.6"),
    _e("POST", "/api/debug/fix-duplicate-firebase-uid", A, "API.md 5.6", ACTS),
    # 6 payments
    _e("GET", "/api/config/stripe", N, "API.md 6.1"),
    _e("POST", "/api/payment/create-intent", F, "API.md 6.1"),
    _e("GET", "/api/payment/details/:orderId", F, "API.md 6.1"),
    _e("POST", "/api/payment/refund/:orderId", A, "API.md 6.2"),
    _e("POST", "/api/payment/webhook", N, "API.md 6.3"),  # unsigned: refused before anything happens
    # 7 analytics, reports, panel
    _e("GET", "/api/analytics/admin/dashboard", A, "API.md 7.1"),
    _e("GET", "/api/analytics/admin/users", A, "API.md 7.1"),
    _e("GET", "/api/analytics/admin/products", A, "API.md 7.1"),
    _e("GET", "/api/analytics/products/popular", N, "API.md 7.1"),
    _e("GET", "/api/analytics/products/top-performers", N, "API.md 7.1"),
    _e("GET", "/api/analytics/conversion-funnel", N, "API.md 7.1"),
    _e("GET", "/api/analytics/product/:productId", N, "API.md 7.1"),
    _e("POST", "/api/analytics/track", U, "API.md 7.1", ACTS),
    _e("GET", "/api/admin/reports/sales", A, "API.md 7.1"),
    _e("GET", "/api/admin/reports/users", A, "API.md 7.1"),
    _e("GET", "/api/admin/reports/products", A, "API.md 7.1"),
    _e("GET", "/admin", N, "API.md 7.3"),
    # CANCELLATION.md
    _e("POST", "/api/orders/:id/cancel", U, "CANCELLATION.md 3"),
    _e("POST", "/api/orders/:id/cancel-request", U, "CANCELLATION.md 4"),
    _e("GET", "/api/orders/cancellation-requests", A, "CANCELLATION.md 4", proof=OK_ONLY),
    _e("PUT", "/api/orders/:id/cancellation-requests/:requestId", A, "CANCELLATION.md 4"),
    _e("POST", "/api/orders/:id/refund", A, "CANCELLATION.md 5"),
    _e("GET", "/api/refunds", A, "CANCELLATION.md 5"),
    _e("GET", "/api/orders/:id/refund-status", U, "CANCELLATION.md 5"),
)
