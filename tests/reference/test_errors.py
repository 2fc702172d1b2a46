"""Error bodies, headers and input filtering (API.md 8)."""

from __future__ import annotations

from http import HTTPStatus

import pytest
from starlette.requests import Request

from staging.reference import errors

from .support import bearer


def test_unknown_route_has_the_global_not_found_shape(api):
    """404, `error.code` NOT_FOUND_ERROR and "Route GET /api/x not found"; no stack outside development."""
    response = api.get("/api/x")
    assert response.status_code == HTTPStatus.NOT_FOUND
    body = response.json()
    assert body["success"] is False
    assert body["error"]["code"] == "NOT_FOUND_ERROR"
    assert body["error"]["message"] == "Route GET /api/x not found"
    assert body["error"]["statusCode"] == HTTPStatus.NOT_FOUND
    assert "stack" not in body


def test_malformed_json_gets_400(api, customer):
    """A body that is not JSON is a 400, not a 500."""
    response = api.post(
        "/api/orders",
        content=b'{"items": [',
        headers={**bearer(customer.token), "Content-Type": "application/json"},
    )
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json()["success"] is False


@pytest.mark.parametrize("value", ["o'brien", "a--b", "../etc", "x#y"])
def test_suspicious_query_values_get_400(api, value):
    """Wire: query values with ', #, -- or .. get 400 "Invalid input detected"."""
    response = api.get("/api/coffees", params={"search": value})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json()["message"] == "Invalid input detected"


def test_api_responses_carry_the_contract_headers(api):
    """X-Response-Time and X-Timestamp everywhere, Cache-Control: no-store on /api."""
    response = api.get("/api/health")
    assert response.headers["X-Response-Time"].endswith("ms")
    assert response.headers["X-Timestamp"].endswith("Z")
    assert response.headers["Cache-Control"] == "no-store"


def test_health_endpoints_answer(api):
    """/health, /ready, /alive, /api/metrics and / answer while the database is up."""
    assert api.get("/health").json()["database"]["status"] == "connected"
    assert api.get("/ready").status_code == HTTPStatus.OK
    assert api.get("/alive").status_code == HTTPStatus.OK
    assert api.get("/api/metrics").json()["success"] is True
    root = api.get("/").json()
    assert set(root) == {"message", "status", "mongodb", "version"}
    assert "text/html" in api.get("/", headers={"Accept": "text/html"}).headers["content-type"]


def test_trailing_slash_routes_like_express(api, customer):
    """`/api/orders/` is `/api/orders`."""
    assert api.get("/api/orders/", headers=bearer(customer.token)).status_code == HTTPStatus.OK


@pytest.mark.parametrize(("development", "has_stack"), [(True, True), (False, False)])
def test_global_error_bodies_carry_a_stack_only_in_development(development, has_stack):
    """`path`, `method` and `stack` appear in development only."""
    request = Request({"type": "http", "method": "GET", "path": "/boom", "headers": [], "query_string": b""})
    try:
        raise RuntimeError("boom")
    except RuntimeError as exc:
        body = errors.global_body(500, "Internal server error", request, development=development, exc=exc)
    assert body["error"]["code"] == "INTERNAL_SERVER_ERROR"
    assert ("stack" in body) is has_stack
    assert ("path" in body) is has_stack
