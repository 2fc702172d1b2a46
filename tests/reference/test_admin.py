"""Admin routes, their guard and the dashboard (API.md 5.6, 5.7, 7.1, 7.2)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from http import HTTPStatus

import pytest
from bson import ObjectId

from .support import bearer

ADMIN_ROUTES = [
    pytest.param("GET", "/api/admin/orders", id="orders"),
    pytest.param("GET", "/api/admin/orders/stats", id="order-stats"),
    pytest.param("GET", "/api/admin/staff", id="staff"),
    pytest.param("POST", "/api/admin/drivers", id="create-driver"),
    pytest.param("GET", "/api/admin/no-such-route", id="unknown-admin-route"),
    pytest.param("GET", "/api/public-admin/orders", id="public-admin"),
    pytest.param("GET", "/api/analytics/admin/dashboard", id="dashboard"),
]


@pytest.mark.parametrize(("method", "path"), ADMIN_ROUTES)
@pytest.mark.parametrize(
    ("caller", "expected"),
    [
        pytest.param("nobody", {HTTPStatus.UNAUTHORIZED}, id="no-token"),
        pytest.param("customer", {HTTPStatus.FORBIDDEN}, id="customer"),
        pytest.param("staff", {HTTPStatus.UNAUTHORIZED, HTTPStatus.FORBIDDEN}, id="staff"),
        pytest.param("driver", {HTTPStatus.UNAUTHORIZED, HTTPStatus.FORBIDDEN}, id="driver"),
    ],
)
def test_admin_routes_refuse_everyone_else(request, api, admin_token, method, path, caller, expected):
    """No token 401, a customer 403, staff and drivers 401/403 — even right after an admin made the call."""
    assert (
        api.request(method, path, headers=bearer(admin_token), json={}).status_code != HTTPStatus.UNAUTHORIZED
    )
    token = {
        "nobody": None,
        "customer": lambda: request.getfixturevalue("customer").token,
        "staff": lambda: request.getfixturevalue("new_staff")().token,
        "driver": lambda: request.getfixturevalue("new_driver")().token,
    }[caller]
    headers = bearer(token()) if token else {}
    assert api.request(method, path, headers=headers, json={}).status_code in expected


def test_admin_status_change_sets_timestamps_and_terminal_stays_terminal(
    api, backend, customer, place_order, admin_token
):
    """Each admin move stamps its timestamp; a terminal order refuses any change."""
    order_id = place_order(customer)["_id"]
    path = f"/api/admin/orders/{order_id}/status"
    for status, stamp in [
        ("confirmed", "confirmed"),
        ("preparing", "preparationStarted"),
        ("ready", "markedReady"),
    ]:
        response = api.put(path, json={"status": status}, headers=bearer(admin_token))
        assert response.status_code == HTTPStatus.OK, response.text
        assert response.json()["data"]["statusTimestamps"][stamp]
    delivered = api.put(
        path,
        json={"status": "delivered", "trackingInfo": {"status": "Handed over"}},
        headers=bearer(admin_token),
    )
    assert delivered.json()["data"]["actualDeliveryTime"]
    assert delivered.json()["data"]["tracking"]["status"] == "Handed over"
    assert (
        api.put(path, json={"status": "pending"}, headers=bearer(admin_token)).status_code
        == HTTPStatus.BAD_REQUEST
    )
    assert backend.db.orders.find_one({"_id": ObjectId(order_id)})["status"] == "delivered"


@pytest.mark.parametrize(
    ("order_id", "body", "status"),
    [
        pytest.param(
            "0123456789abcdef01234567", {"status": "confirmed"}, HTTPStatus.NOT_FOUND, id="unknown-id"
        ),
        pytest.param("bad-id", {"status": "confirmed"}, HTTPStatus.BAD_REQUEST, id="malformed-id"),
        pytest.param(None, {"status": "teleported"}, HTTPStatus.BAD_REQUEST, id="unknown-status"),
        pytest.param(None, {}, HTTPStatus.BAD_REQUEST, id="missing-status"),
    ],
)
def test_admin_status_change_errors(api, customer, place_order, admin_token, order_id, body, status):
    """Unknown ids 404, malformed ids and bad statuses 400."""
    target = order_id or place_order(customer)["_id"]
    assert (
        api.put(f"/api/admin/orders/{target}/status", json=body, headers=bearer(admin_token)).status_code
        == status
    )


def test_admin_cancel_writes_cancellation(api, backend, customer, place_order, admin_token):
    """Cancelling stamps `cancelled` and records the cancellation; payment status is untouched."""
    order_id = place_order(customer)["_id"]
    response = api.put(
        f"/api/admin/orders/{order_id}/status", json={"status": "cancelled"}, headers=bearer(admin_token)
    )
    assert response.status_code == HTTPStatus.OK
    stored = backend.db.orders.find_one({"_id": ObjectId(order_id)})
    assert stored["cancellation"]["isCancelled"] is True
    assert stored["statusTimestamps"]["cancelled"]
    assert stored["paymentStatus"] == "pending"


def test_dashboard_counts_recent_delivered_revenue_and_caches(
    api, backend, customer, place_order, admin_token
):
    """totalRevenue counts delivered/completed orders of the last 30 days; the answer is cached (X-Cache)."""
    recent = place_order(customer)
    old = place_order(customer)
    backend.db.orders.update_many(
        {"_id": {"$in": [ObjectId(recent["_id"]), ObjectId(old["_id"])]}}, {"$set": {"status": "delivered"}}
    )
    long_ago = datetime.now(UTC) - timedelta(days=45)
    backend.db.orders.update_one(
        {"_id": ObjectId(old["_id"])}, {"$set": {"createdAt": long_ago, "statusTimestamps.placed": long_ago}}
    )
    expected = backend.db.orders.aggregate(
        [
            {
                "$match": {
                    "status": {"$in": ["delivered", "completed"]},
                    "createdAt": {"$gte": datetime.now(UTC) - timedelta(days=30)},
                }
            },
            {"$group": {"_id": None, "total": {"$sum": "$totalAmount"}}},
        ]
    ).next()["total"]
    params = {"nonce": str(ObjectId())}
    first = api.get("/api/analytics/admin/dashboard", params=params, headers=bearer(admin_token))
    assert first.status_code == HTTPStatus.OK
    data = first.json()["data"]
    assert data["totalRevenue"] == pytest.approx(expected)
    assert set(data["orderStats"]) == {"pending", "confirmed", "preparing", "ready", "delivered", "cancelled"}
    assert len(data["revenueData"]["labels"]) == len(data["revenueData"]["values"])
    second = api.get("/api/analytics/admin/dashboard", params=params, headers=bearer(admin_token))
    assert (first.headers["X-Cache"], second.headers["X-Cache"]) == ("MISS", "HIT")
    assert api.get("/api/analytics/admin/dashboard", params=params).status_code == HTTPStatus.UNAUTHORIZED


def test_drivers_are_created_offline_with_unique_contacts(api, backend, admin_token, new_driver):
    """A new driver is offline and active with a DRV id; a duplicate email or phone is 400."""
    driver = new_driver()
    stored = backend.db.drivers.find_one({"_id": ObjectId(driver.id)})
    assert (stored["status"], stored["isActive"]) == ("offline", True)
    assert stored["driverId"].startswith("DRV")
    body = {"name": "Copy", "email": stored["email"], "phone": "+971509999999", "pin": "9999"}
    assert (
        api.post("/api/admin/drivers", json=body, headers=bearer(admin_token)).status_code
        == HTTPStatus.BAD_REQUEST
    )
    assert backend.db.drivers.count_documents({"email": stored["email"]}) == 1
