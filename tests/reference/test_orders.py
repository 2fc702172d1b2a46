"""Creating, listing and reading orders (API.md 4)."""

from __future__ import annotations

import copy
import re
from datetime import datetime
from http import HTTPStatus
from zoneinfo import ZoneInfo

import pytest
from bson import ObjectId

from .support import bearer, order_body


def test_create_prices_from_the_catalog_and_sets_server_fields(api, backend, customer, seed_coffee):
    """Prices, totals and server-set fields come from the server; the body is in the `_doc` form."""
    coffee = seed_coffee(
        price=65.0,
        variants=[{"size": "500gm", "weight": 500, "price": 120.0, "stock": 10, "isActive": True}],
    )
    body = order_body(
        coffee,
        items=[
            {"productId": str(coffee), "productName": "A", "quantity": 2, "selectedSize": "500g", "price": 1},
            {"coffeeId": str(coffee), "name": "B", "quantity": 1, "size": "250g", "grindSize": "fine"},
        ],
        totalAmount=1,
        currency="USD",
        paymentStatus="paid",
        specialInstructions="Ring twice",
        shippingAddress={"street": "1 St", "city": "Dubai", "secret": "x"},
        deliveryMethod="express",
    )
    response = api.post("/api/orders", json=body, headers=bearer(customer.token))
    assert response.status_code == HTTPStatus.CREATED, response.text
    created = response.json()
    assert created["message"] == "Order created successfully"
    assert "$__" in created["order"]
    order = created["order"]["_doc"]
    assert re.fullmatch(r"ALM-\d{8}-\d{6}", order["orderNumber"])
    assert [(item["price"], item["subtotal"]) for item in order["items"]] == [(120.0, 240.0), (65.0, 65.0)]
    assert "grindSize" not in order["items"][1]
    assert (order["subtotal"], order["totalAmount"], order["tax"], order["shipping"], order["discount"]) == (
        305,
        305,
        0,
        0,
        0,
    )
    assert (order["currency"], order["status"], order["paymentStatus"]) == ("AED", "pending", "pending")
    assert order["deliveryMethod"] == "delivery"
    assert order["deliveryAddress"] == {"street": "1 St", "city": "Dubai", "country": "UAE"}
    assert order["notes"] == "Ring twice"
    assert order["cancellation"] == {"isCancelled": False, "status": "none"}
    assert order["preparationTime"]["estimatedMinutes"] == 15
    assert order["deliveryTime"]["estimatedMinutes"] == 30
    assert order["statusTimestamps"]["placed"]
    stored = backend.db.orders.find_one({"_id": ObjectId(order["_id"])})
    assert stored["totalAmount"] == 305
    assert stored["user"] == ObjectId(customer.id)
    day = order["orderNumber"][4:12]
    assert backend.db.counters.find_one({"_id": f"order-{day}"})["seq"] >= int(order["orderNumber"][-6:])


INVALID_ORDERS = [
    pytest.param({"items": []}, id="no-items"),
    pytest.param({"items": None}, id="missing-items"),
    pytest.param({"shippingAddress": None}, id="missing-address"),
    pytest.param({"totalAmount": None}, id="missing-total"),
    pytest.param({"totalAmount": 0}, id="zero-total"),
    pytest.param({"paymentMethod": "cash_on_delivery"}, id="bad-payment-method"),
    pytest.param({"deliveryMethod": "drone"}, id="bad-delivery-method"),
    pytest.param({"specialInstructions": "x" * 501}, id="long-notes"),
    pytest.param({"items": [{"productName": "A", "quantity": 1}]}, id="missing-product-id"),
    pytest.param(
        {"items": [{"productId": "nope", "productName": "A", "quantity": 1}]}, id="malformed-product-id"
    ),
    pytest.param(
        {"items": [{"productId": {"$gt": ""}, "productName": "A", "quantity": 1}]}, id="operator-product-id"
    ),
    pytest.param(
        {"items": [{"productId": str(ObjectId()), "productName": "A", "quantity": 1}]}, id="unknown-coffee"
    ),
    pytest.param({"items": [{"productId": "COFFEE", "quantity": 1}]}, id="missing-name"),
    pytest.param({"items": [{"productId": "COFFEE", "productName": "A", "quantity": 0}]}, id="zero-quantity"),
    pytest.param(
        {"items": [{"productId": "COFFEE", "productName": "A", "quantity": 1.5}]}, id="fractional-quantity"
    ),
    pytest.param(
        {"items": [{"productId": "COFFEE", "productName": "A", "quantity": 1, "selectedSize": "2kg"}]},
        id="bad-size",
    ),
    pytest.param(
        {"items": [{"productId": "INACTIVE", "productName": "A", "quantity": 1}]}, id="inactive-coffee"
    ),
]


@pytest.mark.parametrize("overrides", INVALID_ORDERS)
def test_invalid_orders_get_400_and_store_nothing(api, backend, customer, seed_coffee, overrides):
    """Every invalid body is a 400 with a message; no order is stored and no number is taken."""
    coffee, inactive = str(seed_coffee()), str(seed_coffee(active=False))
    overrides = copy.deepcopy(overrides)  # the table is shared; this test fills in its own coffee ids
    for item in overrides.get("items") or []:
        if item.get("productId") == "COFFEE":
            item["productId"] = coffee
        if item.get("productId") == "INACTIVE":
            item["productId"] = inactive
    orders_before, counters_before = backend.db.orders.count_documents({}), list(backend.db.counters.find())
    response = api.post("/api/orders", json=order_body(coffee, **overrides), headers=bearer(customer.token))
    assert response.status_code == HTTPStatus.BAD_REQUEST, response.text
    assert response.json()["success"] is False
    assert response.json()["message"]
    assert backend.db.orders.count_documents({}) == orders_before
    assert list(backend.db.counters.find()) == counters_before


def test_an_empty_list_has_no_orders_key(api, new_customer):
    """Wire: with no orders, `data` has no `orders` key."""
    response = api.get("/api/orders", headers=bearer(new_customer().token))
    assert response.status_code == HTTPStatus.OK
    data = response.json()["data"]
    assert "orders" not in data
    assert data["pagination"]["totalOrders"] == 0


def test_customers_list_only_their_own_orders_and_admins_list_all(
    api, new_customer, place_order, admin_token
):
    """A customer sees their orders; an admin token lists every order."""
    alice, bob = new_customer(), new_customer()
    mine = place_order(alice)
    theirs = place_order(bob)
    listed = api.get("/api/orders", params={"limit": 100}, headers=bearer(alice.token)).json()["data"][
        "orders"
    ]
    assert [order["_id"] for order in listed] == [mine["_id"]]
    everything = api.get("/api/orders", params={"limit": 100}, headers=bearer(admin_token)).json()["data"]
    assert {mine["_id"], theirs["_id"]} <= {order["_id"] for order in everything["orders"]}


def test_read_populates_user_for_the_owner_and_refuses_others(api, new_customer, place_order, new_staff):
    """Owner reads with `user` populated; another customer gets 403; a staff token 401."""
    owner, other = new_customer(), new_customer()
    order = place_order(owner)
    path = f"/api/orders/{order['_id']}"
    read = api.get(path, headers=bearer(owner.token))
    assert read.status_code == HTTPStatus.OK
    assert read.json()["data"]["user"]["email"] == owner.email
    assert api.get(path, headers=bearer(other.token)).status_code == HTTPStatus.FORBIDDEN
    assert api.get(path, headers=bearer(new_staff().token)).status_code == HTTPStatus.UNAUTHORIZED


@pytest.mark.parametrize(
    ("suffix", "status"),
    [
        pytest.param("not-an-id", HTTPStatus.BAD_REQUEST, id="malformed"),
        pytest.param("0123456789abcdef01234567", HTTPStatus.NOT_FOUND, id="unknown"),
        pytest.param("0123456789abcdef01234567/tracking", HTTPStatus.NOT_FOUND, id="no-tracking-route"),
    ],
)
def test_bad_order_paths(api, customer, suffix, status):
    """Malformed ids are 400, unknown ids and tracking routes 404."""
    assert api.get(f"/api/orders/{suffix}", headers=bearer(customer.token)).status_code == status


def test_order_numbers_use_the_server_local_date(api, customer, seed_coffee, backend):
    """`YYYYMMDD` is the date in TZ (Asia/Dubai here), and the counter document is named after it."""
    before = datetime.now(ZoneInfo("Asia/Dubai")).strftime("%Y%m%d")
    response = api.post("/api/orders", json=order_body(seed_coffee()), headers=bearer(customer.token))
    after = datetime.now(ZoneInfo("Asia/Dubai")).strftime("%Y%m%d")
    number = response.json()["order"]["_doc"]["orderNumber"]
    assert number[4:12] in {before, after}
    assert backend.db.counters.find_one({"_id": f"order-{number[4:12]}"}) is not None


def test_list_filters_by_status(api, customer, place_order, admin_token):
    """`status` filters the list; an unknown status is a 400."""
    order = place_order(customer)
    api.put(
        f"/api/admin/orders/{order['_id']}/status", json={"status": "confirmed"}, headers=bearer(admin_token)
    )
    confirmed = api.get("/api/orders", params={"status": "confirmed"}, headers=bearer(customer.token)).json()
    assert [entry["_id"] for entry in confirmed["data"]["orders"]] == [order["_id"]]
    bad = api.get("/api/orders", params={"status": "lost"}, headers=bearer(customer.token))
    assert bad.status_code == HTTPStatus.BAD_REQUEST
