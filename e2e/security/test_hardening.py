"""Hardening (API.md 7.2, 7.3, 8.1, 8.2): CORS, security headers, sessions that end, caches that never cross
users or run before a guard, and public endpoints that list no user data."""

from __future__ import annotations

import json
from http import HTTPStatus

import allure
import pytest

from fixtures import factories, wire
from fixtures.api import AdminApi, AnonymousApi, CustomerApi, StaffApi
from fixtures.roles import OrderFactory
from staging import dbtools

pytestmark = [pytest.mark.e2e, allure.epic("Security"), allure.feature("Hardening")]

ANY = tuple(HTTPStatus)
ALLOWED_ORIGINS = ("http://localhost:3000", "http://localhost:8000", "http://localhost:5001")
FOREIGN_ORIGINS = ("https://evil.example", "http://localhost.evil.example:3000", "null")
HEADERS_EVERYWHERE = (
    "X-Content-Type-Options",
    "X-Frame-Options",
    "Referrer-Policy",
    "Strict-Transport-Security",
)


@allure.story("CORS")
@pytest.mark.destructive
@pytest.mark.parametrize("origin", FOREIGN_ORIGINS)
def test_a_disallowed_origin_is_refused_with_403_and_nothing_written(
    origin: str, anonymous: AnonymousApi, db
):
    """A browser request from a foreign origin gets 403 `Access denied by CORS policy`, no CORS grant, and
    a sign-up it carried is not stored (8.1)."""
    payload = factories.customer_payload()
    with dbtools.nothing_written(db):
        result = anonymous.request(
            "POST", "/api/auth/register", json=payload, headers={"Origin": origin}, expect=ANY
        )
    assert result.status == HTTPStatus.FORBIDDEN, result.status
    assert result.message == "Access denied by CORS policy"
    assert "access-control-allow-origin" not in result.headers
    read = anonymous.request("GET", "/api/coffees", headers={"Origin": origin}, expect=ANY)
    assert read.status == HTTPStatus.FORBIDDEN
    assert "access-control-allow-origin" not in read.headers


@allure.story("CORS")
@pytest.mark.parametrize("origin", ALLOWED_ORIGINS)
def test_an_allowed_origin_is_granted_by_name_and_preflights_pass(origin: str, anonymous: AnonymousApi):
    """The panel's origins get their own name back (never `*`, as credentials are sent) and a preflight
    for an authorised PUT succeeds (7.3)."""
    result = anonymous.request("GET", "/api/coffees", headers={"Origin": origin}, expect=HTTPStatus.OK)
    assert result.headers.get("access-control-allow-origin") == origin
    preflight = anonymous.request(
        "OPTIONS",
        "/api/admin/orders/0/status",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "PUT",
            "Access-Control-Request-Headers": "authorization,content-type",
        },
        expect=ANY,
    )
    assert 200 <= preflight.status < 300, preflight.status
    assert preflight.headers.get("access-control-allow-origin") == origin
    assert "PUT" in preflight.headers.get("access-control-allow-methods", "")
    assert "authorization" in preflight.headers.get("access-control-allow-headers", "").lower()


@allure.story("Security headers")
@pytest.mark.parametrize(
    ("path", "status"),
    [
        pytest.param("/api/coffees", HTTPStatus.OK, id="catalog"),
        pytest.param("/api/orders", HTTPStatus.UNAUTHORIZED, id="refusal"),
        pytest.param("/api/no-such-route", HTTPStatus.NOT_FOUND, id="unknown-route"),
        pytest.param("/health", HTTPStatus.OK, id="health"),
    ],
)
def test_security_headers_are_on_every_answer(path: str, status: HTTPStatus, anonymous: AnonymousApi):
    """nosniff, frame options, referrer policy and HSTS on every answer; an API answer also forbids being
    run or framed (CSP) and being stored (`Cache-Control: no-store`, 8.2)."""
    result = anonymous.request("GET", path, expect=status)
    missing = [name for name in HEADERS_EVERYWHERE if name.lower() not in result.headers]
    assert not missing, f"{path} lacks {missing}"
    assert result.headers["x-content-type-options"] == "nosniff"
    assert result.headers["x-frame-options"].upper() in ("DENY", "SAMEORIGIN")
    assert "max-age=" in result.headers["strict-transport-security"]
    if path.startswith("/api/"):
        assert "content-security-policy" in result.headers, f"{path} has no Content-Security-Policy"
        assert result.headers.get("cache-control") == "no-store"


@allure.story("Sessions")
@pytest.mark.destructive
def test_an_access_token_is_refused_after_logout(customer: CustomerApi, db):
    """Logout ends the session: the same access token then gets 401 and writes nothing (2.1)."""
    assert customer.me().email == customer.user.email
    customer.logout()
    with dbtools.nothing_written(db):
        customer.me(expect=HTTPStatus.UNAUTHORIZED)


@allure.story("Caches")
@pytest.mark.destructive
def test_a_cached_list_is_never_served_to_another_user(
    customer: CustomerApi, another_customer: CustomerApi, order_factory: OrderFactory
):
    """The same URL asked by two customers, one right after the other, answers each with their own data."""
    mine = order_factory(customer)
    query = wire.cache_buster()
    first = customer.request("GET", "/api/orders", params=query, expect=HTTPStatus.OK)
    second = another_customer.request("GET", "/api/orders", params=query, expect=HTTPStatus.OK)
    assert mine.id in {o["_id"] for o in first.at("data", "orders") or []}
    assert mine.id not in json.dumps(second.body), "another customer was served the first one's list"


@allure.story("Caches")
@pytest.mark.parametrize("intruder", ["anonymous", "customer", "staff"])
def test_the_guard_runs_before_the_dashboard_cache(
    intruder: str, admin: AdminApi, anonymous: AnonymousApi, customer: CustomerApi, staff: StaffApi
):
    """Right after an admin read the dashboard, the very same URL refuses everyone else (7.2)."""
    query = wire.cache_buster()
    admin.request("GET", "/api/analytics/admin/dashboard", params=query, expect=HTTPStatus.OK)
    api = {"anonymous": anonymous, "customer": customer, "staff": staff}[intruder]
    result = api.request("GET", "/api/analytics/admin/dashboard", params=query, expect=ANY)
    expected = (
        (HTTPStatus.FORBIDDEN,) if intruder == "customer" else (HTTPStatus.UNAUTHORIZED, HTTPStatus.FORBIDDEN)
    )
    assert result.status in expected, f"{intruder} got {result.status} from the cached dashboard"
    assert result.at("data") is None, "the refusal carries the dashboard's figures"


@allure.story("Public endpoints")
@pytest.mark.parametrize("path", ["/api/metrics", "/health", "/api/health", "/", "/api/config/stripe"])
def test_public_endpoints_list_no_user_data(path: str, anonymous: AnonymousApi, customer: CustomerApi, stack):
    """Health, metrics and configuration answer without auth and name no user (5.6: user data is admin's)."""
    result = anonymous.request("GET", path, expect=(HTTPStatus.OK, HTTPStatus.SERVICE_UNAVAILABLE))
    text = json.dumps(result.body) if not isinstance(result.body, str) else result.body
    for personal in (customer.user.email, customer.user.id, stack.admin.email):
        assert personal not in text, f"{path} names a user"
