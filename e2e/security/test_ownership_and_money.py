"""Ownership and money (API.md 4.1, 4.4; CANCELLATION.md 5, 7): a customer sees and changes only their own
orders, and what a client sends about money never decides what is stored or charged."""

from __future__ import annotations

from decimal import Decimal
from http import HTTPStatus
from typing import Any

import allure
import pytest
from bson import ObjectId
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fixtures import factories
from fixtures.api import AdminApi, CustomerApi
from fixtures.models import Coffee
from fixtures.roles import OrderFactory
from staging import dbtools

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.destructive,
    allure.epic("Security"),
    allure.feature("Ownership and money"),
]

ANY = tuple(HTTPStatus)
NOT_YOURS = (HTTPStatus.FORBIDDEN, HTTPStatus.NOT_FOUND)


@allure.story("Ownership")
def test_a_customer_cannot_read_another_customers_order(
    customer: CustomerApi, another_customer: CustomerApi, admin: AdminApi, order_factory: OrderFactory, db
):
    """Another customer gets 403 or 404 and nothing of the order; its owner and an admin read it (4.4)."""
    order = order_factory(customer)
    with dbtools.nothing_written(db):
        refused = another_customer.order(order.id, expect=NOT_YOURS)
    assert order.order_number not in str(refused.body), "the refusal leaks the order"
    assert customer.order(order.id).id == order.id
    assert admin.order(order.id).id == order.id


@allure.story("Ownership")
def test_each_customer_lists_only_their_own_orders(
    customer: CustomerApi, another_customer: CustomerApi, order_factory: OrderFactory
):
    """Two customers asking the very same URL each get exactly their own orders, never the other's."""
    mine = {order_factory(customer).id for _ in range(2)}
    theirs = {order_factory(another_customer).id}
    listed_mine = {o.id for o in customer.orders(limit=50).orders}
    listed_theirs = {o.id for o in another_customer.orders(limit=50).orders}
    assert listed_mine == mine, "a customer's list is not exactly their orders"
    assert listed_theirs == theirs, "the second customer got someone else's list"


@allure.story("Ownership")
def test_searching_for_another_customers_order_number_finds_nothing(
    customer: CustomerApi, another_customer: CustomerApi, order_factory: OrderFactory
):
    """The list's search runs inside the caller's own orders (4.4)."""
    order = order_factory(customer)
    found = another_customer.orders(search=order.order_number).orders
    assert order.id not in {o.id for o in found}


@allure.story("Ownership")
def test_each_user_reads_their_own_profile_and_activity(customer: CustomerApi, another_customer: CustomerApi):
    """`/api/auth/me` and the per-user activity answer each caller about themselves (7.2)."""
    assert customer.me().email == customer.user.email
    assert another_customer.me().email == another_customer.user.email
    for who in (customer, another_customer):
        activity = who.request("GET", "/api/analytics/user/activity", expect=HTTPStatus.OK)
        assert activity.at("data", "userId") == who.user.id


TAMPERING: dict[str, dict[str, Any]] = {
    "item-price-lowered": {"item": {"price": 0.01}},
    "item-subtotal-lowered": {"item": {"subtotal": 0.01}},
    "total-lowered": {"body": {"totalAmount": 1}},
    "subtotal-and-discount": {"body": {"subtotal": 1, "discount": 500, "tax": -10, "shipping": -5}},
    "currency-usd": {"body": {"currency": "USD"}},
    "paid-already": {"body": {"paymentStatus": "paid", "paidAt": "2020-01-01T00:00:00Z"}},
    "delivered-already": {"body": {"status": "delivered"}},
    "someone-elses": {"body": {"user": str(ObjectId()), "orderNumber": "ALM-20200101-000001"}},
    "assigned-already": {"body": {"assignedStaff": str(ObjectId()), "assignedDriver": str(ObjectId())}},
}


@allure.story("Money")
@pytest.mark.parametrize("tampering", list(TAMPERING))
def test_client_sent_money_and_state_never_decide_what_is_stored(
    tampering: str, customer: CustomerApi, catalog: list[Coffee], db
):
    """Prices, totals, currency, payment status, status, owner and number come from the server: the order
    is stored with the catalog's money and the server's defaults, or refused with nothing written."""
    coffee = catalog[0]
    payload = factories.order_payload([coffee], quantity=3)
    payload |= TAMPERING[tampering].get("body", {})
    payload["items"][0] |= TAMPERING[tampering].get("item", {})
    before = dbtools.snapshot(db)
    result = customer.place_order(payload, expect=(HTTPStatus.CREATED, HTTPStatus.BAD_REQUEST))
    if result.status == HTTPStatus.BAD_REQUEST:
        assert not dbtools.snapshot(db).changed_since(before), "a refused order wrote to the database"
        return
    stored = dbtools.orders_of_user(db, customer.user.id)
    assert len(stored) == 1, "the order is not stored as the caller's own"
    order = stored[0]
    expected = coffee.unit_price() * 3
    assert Decimal(str(order["items"][0]["price"])) == coffee.unit_price()
    assert Decimal(str(order["items"][0]["subtotal"])) == expected
    assert Decimal(str(order["subtotal"])) == expected
    assert Decimal(str(order["totalAmount"])) == expected
    assert (order["tax"], order["shipping"], order["discount"]) == (0, 0, 0)
    assert (order["currency"], order["paymentStatus"], order["status"]) == ("AED", "pending", "pending")
    assert not order.get("assignedStaff")
    assert not order.get("assignedDriver")
    assert order["orderNumber"] != "ALM-20200101-000001"


@allure.story("Money")
def test_an_unknown_product_refuses_the_whole_order(customer: CustomerApi, catalog: list[Coffee], db):
    """One unknown product id among valid items: 400 and nothing stored, not a partial order (4.1)."""
    payload = factories.order_payload(catalog[:2])
    payload["items"].append(payload["items"][0] | {"productId": str(ObjectId())})
    with dbtools.nothing_written(db):
        customer.place_order(payload, expect=HTTPStatus.BAD_REQUEST)


@allure.story("Money")
@settings(
    max_examples=15,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    picks=st.lists(
        st.tuples(st.integers(0, 4), st.integers(1, 20), st.sampled_from(["250g", "500g", "1kg"])),
        min_size=1,
        max_size=4,
        unique_by=lambda pick: pick[0],
    ),
    claimed_total=st.one_of(st.just(None), st.floats(min_value=0.01, max_value=1e6)),
)
def test_the_stored_total_is_always_the_catalogs(
    picks: list[tuple[int, int, str]],
    claimed_total: float | None,
    customer: CustomerApi,
    catalog: list[Coffee],
    db,
):
    """For any basket and any total the client claims, the stored total is price x quantity from the catalog,
    summed (4.1)."""
    coffees = [catalog[index % len(catalog)] for index, _, _ in picks]
    quantities = [quantity for _, quantity, _ in picks]
    size = picks[0][2]
    payload = factories.order_payload(coffees, quantity=quantities, size=size, total_amount=claimed_total)
    result = customer.place_order(payload, expect=(HTTPStatus.CREATED, HTTPStatus.BAD_REQUEST))
    expected = factories.expected_subtotal(coffees, quantities, size)
    if result.status == HTTPStatus.BAD_REQUEST:
        assert claimed_total is not None, "a valid order with the right total was refused"
        return
    stored = dbtools.order_document(db, str(result.at("order", "_id")))
    assert stored is not None
    assert Decimal(str(stored["totalAmount"])) == expected
