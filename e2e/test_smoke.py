"""Read-only checks, safe against any target, production included."""

from __future__ import annotations

from http import HTTPStatus

import allure
import pytest

from fixtures.api import AnonymousApi

pytestmark = [pytest.mark.smoke, allure.epic("Platform"), allure.feature("Smoke")]


def test_the_backend_is_healthy_and_ready(anonymous: AnonymousApi):
    """``/health`` reports a connected database and ``/ready`` answers 200."""
    health = anonymous.health()
    assert health.status in {"healthy", "ok", "OK", "degraded"}
    anonymous.ready(expect=HTTPStatus.OK)


def test_the_catalog_lists_only_active_coffees_with_prices(anonymous: AnonymousApi):
    """Every listed coffee is active and has a price for a 250 g bag."""
    page = anonymous.coffees(limit=50, fresh=True)
    assert page.coffees, "the catalog is empty"
    for coffee in page.coffees:
        assert coffee.is_active is not False
        assert coffee.unit_price() > 0


def test_an_unknown_route_answers_404_with_the_error_shape(anonymous: AnonymousApi):
    """Unknown routes get 404 ``NOT_FOUND_ERROR`` (API.md 8.1), and tracking routes do not exist."""
    missing = anonymous.request(
        "GET", "/api/orders/000000000000000000000000/tracking", expect=HTTPStatus.NOT_FOUND
    )
    assert missing.at("success") is False


def test_protected_routes_refuse_anonymous_callers(anonymous: AnonymousApi):
    """Orders and admin routes need a token: 401 without one."""
    for path in ("/api/orders", "/api/admin/orders", "/api/auth/me"):
        refused = anonymous.request("GET", path, expect=HTTPStatus.UNAUTHORIZED)
        assert refused.at("success") is False
