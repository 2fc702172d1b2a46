"""Orders through their life: staff, drivers, admins (API.md 5)."""

from __future__ import annotations

import threading
from http import HTTPStatus

import httpx
import pytest
from bson import ObjectId

from .support import bearer


def test_delivery_happy_path(api, backend, customer, place_order, new_staff, new_driver):
    """Customer orders, staff accept and ready it, a driver delivers it; a cash order ends paid."""
    order = place_order(customer)
    order_id = order["_id"]
    staff, driver = new_staff(), new_driver()

    queue = api.get("/api/staff/orders", params={"status": "pending"}, headers=bearer(staff.token)).json()
    assert order_id in [entry["id"] for entry in queue["orders"]]

    accepted = api.post(f"/api/staff/orders/{order_id}/accept", headers=bearer(staff.token))
    assert accepted.status_code == HTTPStatus.OK, accepted.text
    staff_view = accepted.json()["order"]
    assert staff_view["status"] == "preparing"
    assert staff_view["isAssignedToMe"] is True
    assert staff_view["user"]["_doc"]["email"] == customer.email  # wire: hydrated `{$__, _doc}`
    assert "_doc" in staff_view["items"][0]

    ready = api.post(
        f"/api/staff/orders/{order_id}/ready", json={"staffNotes": "Bagged"}, headers=bearer(staff.token)
    )
    assert ready.status_code == HTTPStatus.OK, ready.text
    assert ready.json()["order"]["status"] == "ready"

    assert (
        api.post("/api/driver/status", json={"status": "available"}, headers=bearer(driver.token)).status_code
        == 200
    )
    available = api.get("/api/driver/orders/available", headers=bearer(driver.token)).json()
    assert order_id in [entry["_id"] for entry in available["orders"]]

    taken = api.post(f"/api/driver/orders/{order_id}/accept", headers=bearer(driver.token))
    assert taken.status_code == HTTPStatus.OK, taken.text
    assert taken.json()["order"]["status"] == "ready"
    assert taken.json()["order"]["assignedDriver"] == driver.id

    started = api.post(f"/api/driver/orders/{order_id}/start", headers=bearer(driver.token))
    assert started.json()["order"]["status"] == "out-for-delivery"
    location = api.post(
        "/api/driver/location", json={"latitude": 25.2, "longitude": 55.3}, headers=bearer(driver.token)
    )
    assert location.status_code == HTTPStatus.OK

    done = api.post(
        f"/api/driver/orders/{order_id}/complete",
        json={"notes": "Left at door"},
        headers=bearer(driver.token),
    )
    assert done.status_code == HTTPStatus.OK, done.text

    stored = backend.db.orders.find_one({"_id": ObjectId(order_id)})
    assert (stored["status"], stored["paymentStatus"]) == ("delivered", "paid")
    assert stored["assignedStaff"] == ObjectId(staff.id)
    assert stored["staffNotes"] == "Bagged"
    assert stored["driverTracking"]["currentLocation"]["latitude"] == 25.2
    assert stored["notes"].endswith("Left at door")
    stamps = stored["statusTimestamps"]
    for stamp in (
        "placed",
        "acceptedByStaff",
        "preparationStarted",
        "markedReady",
        "acceptedByDriver",
        "outForDelivery",
        "delivered",
    ):
        assert stamp in stamps, stamp
    assert stored["actualDeliveryTime"]
    driver_doc = backend.db.drivers.find_one({"_id": ObjectId(driver.id)})
    assert (driver_doc["status"], driver_doc["stats"]["totalDeliveries"]) == ("available", 1)
    seen = api.get(f"/api/orders/{order_id}", headers=bearer(customer.token)).json()["data"]
    assert seen["status"] == "delivered"


def test_pickup_order_is_completed_by_its_assignee(api, customer, place_order, new_staff):
    """A ready pickup order ends with the assignee's `PUT status completed`."""
    order_id = place_order(customer, deliveryMethod="pickup")["_id"]
    staff = new_staff()
    api.post(f"/api/staff/orders/{order_id}/accept", headers=bearer(staff.token))
    api.post(f"/api/staff/orders/{order_id}/ready", headers=bearer(staff.token))
    done = api.put(
        f"/api/staff/orders/{order_id}/status", json={"status": "completed"}, headers=bearer(staff.token)
    )
    assert done.status_code == HTTPStatus.OK, done.text
    again = api.put(
        f"/api/staff/orders/{order_id}/status", json={"status": "on-hold"}, headers=bearer(staff.token)
    )
    assert again.status_code == HTTPStatus.BAD_REQUEST  # terminal stays terminal


@pytest.mark.parametrize(
    ("target", "status"),
    [
        pytest.param("ready", HTTPStatus.BAD_REQUEST, id="pending-to-ready"),
        pytest.param("cancelled", HTTPStatus.BAD_REQUEST, id="staff-cannot-cancel"),
        pytest.param("completed", HTTPStatus.BAD_REQUEST, id="pending-to-completed"),
    ],
)
def test_staff_moves_outside_the_table_are_refused(
    api, backend, customer, place_order, new_staff, target, status
):
    """A move not in 5.7 gets 400 and leaves the order unchanged."""
    order_id = place_order(customer)["_id"]
    staff = new_staff()
    backend.db.orders.update_one({"_id": ObjectId(order_id)}, {"$set": {"assignedStaff": ObjectId(staff.id)}})
    response = api.put(
        f"/api/staff/orders/{order_id}/status", json={"status": target}, headers=bearer(staff.token)
    )
    assert response.status_code == status
    assert backend.db.orders.find_one({"_id": ObjectId(order_id)})["status"] == "pending"


def test_other_staff_cannot_ready_an_order(api, customer, place_order, new_staff):
    """Only the assignee marks an order ready (403)."""
    order_id = place_order(customer)["_id"]
    owner, other = new_staff(), new_staff()
    api.post(f"/api/staff/orders/{order_id}/accept", headers=bearer(owner.token))
    assert (
        api.post(f"/api/staff/orders/{order_id}/ready", headers=bearer(other.token)).status_code
        == HTTPStatus.FORBIDDEN
    )


def _race(base_url, path, tokens):
    """POST `path` once per token, all released together; the status codes in token order."""
    barrier = threading.Barrier(len(tokens))
    results: list[int] = [0] * len(tokens)

    def post(index, token):
        with httpx.Client(base_url=base_url, timeout=30) as client:
            barrier.wait(timeout=30)
            results[index] = client.post(path, headers=bearer(token)).status_code

    threads = [threading.Thread(target=post, args=(i, token)) for i, token in enumerate(tokens)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_concurrent_staff_accepts_have_exactly_one_winner(backend, customer, place_order, new_staff):
    """Of concurrent accepts one wins; the others get 409/400 and `assignedStaff` names the winner."""
    order_id = place_order(customer)["_id"]
    staff = [new_staff() for _ in range(4)]
    results = _race(
        backend.base_url, f"/api/staff/orders/{order_id}/accept", [member.token for member in staff]
    )
    assert results.count(HTTPStatus.OK) == 1, results
    assert all(
        code in (HTTPStatus.CONFLICT, HTTPStatus.BAD_REQUEST) for code in results if code != HTTPStatus.OK
    )
    winner = staff[results.index(HTTPStatus.OK)]
    assert backend.db.orders.find_one({"_id": ObjectId(order_id)})["assignedStaff"] == ObjectId(winner.id)


def test_concurrent_driver_accepts_have_exactly_one_winner(
    api, backend, customer, place_order, new_staff, new_driver
):
    """Of concurrent driver accepts one wins; `assignedDriver` names the winner."""
    order_id = place_order(customer)["_id"]
    staff = new_staff()
    api.post(f"/api/staff/orders/{order_id}/accept", headers=bearer(staff.token))
    api.post(f"/api/staff/orders/{order_id}/ready", headers=bearer(staff.token))
    drivers = [new_driver() for _ in range(3)]
    for driver in drivers:
        api.post("/api/driver/status", json={"status": "available"}, headers=bearer(driver.token))
    results = _race(
        backend.base_url, f"/api/driver/orders/{order_id}/accept", [driver.token for driver in drivers]
    )
    assert results.count(HTTPStatus.OK) == 1, results
    winner = drivers[results.index(HTTPStatus.OK)]
    assert backend.db.orders.find_one({"_id": ObjectId(order_id)})["assignedDriver"] == ObjectId(winner.id)


def test_staff_pin_must_be_unique_and_login_identifies_by_pin(api, backend, admin_token, new_staff):
    """A held PIN is refused at creation; PIN login names its holder; wrong PINs are 401, bad ones 400."""
    staff = new_staff()
    body = {
        "name": "Dup",
        "email": "dup.staff@example.com",
        "phone": "+971500000000",
        "role": "cashier",
        "pin": staff.pin,
    }
    duplicate = api.post("/api/admin/staff/create", json=body, headers=bearer(admin_token))
    assert duplicate.status_code in (HTTPStatus.BAD_REQUEST, HTTPStatus.CONFLICT)
    assert backend.db.staffs.count_documents({"email": "dup.staff@example.com"}) == 0
    login = api.post("/api/staff/auth/login-pin", json={"pin": staff.pin}).json()
    assert login["staff"]["id"] == staff.id
    assert login["staff"]["employeeId"].startswith("BAR")
    assert api.post("/api/staff/auth/login-pin", json={"pin": "12345"}).status_code == HTTPStatus.BAD_REQUEST
    assert (
        api.post("/api/staff/auth/login-pin", json={"pin": {"$ne": "0"}}).status_code
        == HTTPStatus.BAD_REQUEST
    )
    stored = backend.db.staffs.find_one({"_id": ObjectId(staff.id)})
    assert stored["pin"].startswith("$2")


def test_staff_logout_revokes_the_session(api, new_staff):
    """After staff logout the token gets 401."""
    staff = new_staff()
    assert api.get("/api/staff/auth/session", headers=bearer(staff.token)).status_code == HTTPStatus.OK
    assert api.post("/api/staff/auth/logout", headers=bearer(staff.token)).status_code == HTTPStatus.OK
    assert (
        api.get("/api/staff/auth/session", headers=bearer(staff.token)).status_code == HTTPStatus.UNAUTHORIZED
    )


@pytest.mark.parametrize(
    "location",
    [
        pytest.param({"latitude": 91, "longitude": 0}, id="latitude-range"),
        pytest.param({"latitude": 0, "longitude": -181}, id="longitude-range"),
        pytest.param({"latitude": "25", "longitude": 55}, id="string-latitude"),
    ],
)
def test_bad_locations_get_400_with_errors(api, new_driver, location):
    """Out-of-range or mistyped coordinates get 400 with `errors[]`."""
    response = api.post("/api/driver/location", json=location, headers=bearer(new_driver().token))
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json()["errors"]


def test_a_deactivated_driver_is_refused(api, backend, new_driver):
    """Identity comes from the database: an inactive driver's token gets 401 (a bare `{message}`)."""
    driver = new_driver()
    backend.db.drivers.update_one({"_id": ObjectId(driver.id)}, {"$set": {"isActive": False}})
    response = api.get("/api/driver/auth/validate-token", headers=bearer(driver.token))
    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert set(response.json()) == {"message"}


def test_a_gigantic_coordinate_is_a_400_not_a_500(api, new_driver):
    """An integer too large for a float is refused like any other bad value."""
    body = {"latitude": 10**400, "longitude": 0}
    response = api.post("/api/driver/location", json=body, headers=bearer(new_driver().token))
    assert response.status_code == HTTPStatus.BAD_REQUEST
