"""What the server decides when an order is placed: money, number, defaults, refusals (API.md 4.1, 4.2)."""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from http import HTTPStatus
from zoneinfo import ZoneInfo

import allure
import pytest

from fixtures import factories
from fixtures.api import CustomerApi
from fixtures.models import Coffee, OrderStatus, PaymentStatus
from staging import dbtools
from staging.backend import TIMEZONE

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.destructive,
    allure.epic("Orders"),
    allure.feature("Placing an order"),
]

ORDER_NUMBER = re.compile(r"^ALM-(\d{8})-(\d{6})$")


def by_name(catalog: list[Coffee], name: str) -> Coffee:
    return next(c for c in catalog if c.name.en == name)


@allure.story("Money")
@pytest.mark.parametrize("size", ["250g", "500g", "1kg"])
def test_the_server_prices_every_item_from_the_catalog(customer: CustomerApi, catalog, size, db):
    """Item prices come from the active variant for the size, else the base price; totals add up."""
    coffees = [
        c for c in catalog if c.name.en in {"Ethiopia Yirgacheffe", "Colombia Supremo", "Brazil Santos"}
    ]
    quantities = [2, 1, 3]
    order = customer.place_order(factories.order_payload(coffees, quantity=quantities, size=size))
    expected = factories.expected_subtotal(coffees, quantities, size)
    by_coffee = {item.coffee_id: item for item in order.items}
    assert set(by_coffee) == {c.id for c in coffees}
    for coffee, quantity in zip(coffees, quantities, strict=True):
        item = by_coffee[coffee.id]
        assert item.quantity == quantity
        assert Decimal(str(item.price)) == coffee.unit_price(size), f"{coffee.name.en} {size}"
        assert Decimal(str(item.subtotal)) == coffee.unit_price(size) * quantity
    assert Decimal(str(order.subtotal)) == expected
    assert (order.tax, order.shipping, order.discount) == (0, 0, 0)
    assert Decimal(str(order.total_amount)) == expected
    assert order.currency == "AED"
    stored = dbtools.order_document(db, order.id)
    assert stored is not None
    assert Decimal(str(stored["totalAmount"])) == expected


@allure.story("Money")
@pytest.mark.parametrize(
    "tampering",
    [
        pytest.param({"total_amount": 1.0}, id="lowered-total"),
        pytest.param({"item_prices": True, "total_amount": 999.0}, id="inflated-total"),
    ],
)
def test_a_client_sent_total_never_decides_what_is_stored(customer: CustomerApi, catalog, tampering, db):
    """A tampered total is refused (400, nothing written) or ignored (the server's total is stored)."""
    coffee = by_name(catalog, "Yemen Mocha Matari")
    payload = factories.order_payload([coffee], quantity=2, **tampering)
    result = customer.place_order(payload, expect=(HTTPStatus.CREATED, HTTPStatus.BAD_REQUEST))
    expected = coffee.unit_price() * 2
    if result.status == HTTPStatus.BAD_REQUEST:
        assert not dbtools.orders_of_user(db, customer.user.id), "a refused order was stored"
    else:
        assert Decimal(str(result.at("order", "totalAmount"))) == expected
        stored = dbtools.order_document(db, result.at("order", "_id") or result.at("order", "id"))
        assert stored is not None
        assert Decimal(str(stored["totalAmount"])) == expected


@allure.story("Money")
def test_client_sent_payment_status_and_currency_are_ignored(customer: CustomerApi, catalog, db):
    """``paymentStatus: paid`` from a client never marks an order paid (API.md 4.1)."""
    payload = factories.order_payload(catalog[:1]) | {"paymentStatus": "paid", "currency": "USD"}
    result = customer.place_order(payload, expect=(HTTPStatus.CREATED, HTTPStatus.BAD_REQUEST))
    stored = dbtools.orders_of_user(db, customer.user.id)
    if result.status == HTTPStatus.BAD_REQUEST:
        assert not stored
    else:
        assert [(o["paymentStatus"], o["currency"]) for o in stored] == [("pending", "AED")]


@allure.story("Order number")
def test_order_numbers_are_well_formed_dated_today_and_unique(customer: CustomerApi, order_factory):
    """``ALM-YYYYMMDD-NNNNNN`` with the server's local date; numbers rise within the day."""
    orders = [order_factory(customer) for _ in range(4)]
    numbers = [o.order_number for o in orders]
    assert len(set(numbers)) == len(numbers)
    today = datetime.now(ZoneInfo(TIMEZONE)).strftime("%Y%m%d")
    counters = []
    for number in numbers:
        match = ORDER_NUMBER.match(number or "")
        assert match, f"malformed order number {number!r}"
        assert match.group(1) == today
        counters.append(int(match.group(2)))
    assert counters == sorted(counters)


@allure.story("Defaults")
def test_a_new_order_carries_the_server_set_fields(customer: CustomerApi, order_factory, db):
    """Status, payment status, estimates, cancellation default and the owner are set by the server."""
    order = order_factory(customer, notes="Please grind for V60")
    assert order.status is OrderStatus.PENDING
    assert order.payment_status is PaymentStatus.PENDING
    assert order.status_timestamps.placed is not None
    assert order.user_id == customer.user.id
    assert order.notes == "Please grind for V60"
    stored = dbtools.order_document(db, order.id)
    assert stored is not None
    assert stored["preparationTime"]["estimatedMinutes"] == 15
    assert stored["deliveryTime"]["estimatedMinutes"] == 30
    assert stored["cancellation"]["isCancelled"] is False
    assert stored["deliveryAddress"]["country"] == "UAE"
    assert set(stored["deliveryAddress"]) <= {"street", "city", "state", "zipCode", "country", "instructions"}


def _invalid_payloads(catalog: list[Coffee]) -> dict[str, dict]:
    valid = factories.order_payload(catalog[:1])
    item = valid["items"][0]
    return {
        "no-items": valid | {"items": []},
        "missing-items": {k: v for k, v in valid.items() if k != "items"},
        "missing-address": {k: v for k, v in valid.items() if k != "shippingAddress"},
        "missing-total": {k: v for k, v in valid.items() if k != "totalAmount"},
        "unknown-coffee": valid | {"items": [item | {"productId": "0" * 24}]},
        "malformed-coffee-id": valid | {"items": [item | {"productId": "not-an-id"}]},
        "missing-product-id": valid | {"items": [{k: v for k, v in item.items() if k != "productId"}]},
        "missing-name": valid | {"items": [{k: v for k, v in item.items() if k != "productName"}]},
        "zero-quantity": valid | {"items": [item | {"quantity": 0}]},
        "fractional-quantity": valid | {"items": [item | {"quantity": 1.5}]},
        "bad-size": valid | {"items": [item | {"selectedSize": "2kg"}]},
        "bad-payment-method": valid | {"paymentMethod": "cash_on_delivery"},
        "bad-delivery-method": valid | {"deliveryMethod": "drone"},
        "notes-too-long": valid | {"specialInstructions": "x" * 501},
        "string-total": valid | {"totalAmount": {"$gt": 0}},
    }


INVALID_CASES = [
    "no-items",
    "missing-items",
    "missing-address",
    "missing-total",
    "unknown-coffee",
    "malformed-coffee-id",
    "missing-product-id",
    "missing-name",
    "zero-quantity",
    "fractional-quantity",
    "bad-size",
    "bad-payment-method",
    "bad-delivery-method",
    "notes-too-long",
    "string-total",
]


@allure.story("Validation")
@pytest.mark.parametrize("case", INVALID_CASES)
def test_an_invalid_order_is_refused_and_nothing_is_written(customer: CustomerApi, catalog, case, db):
    """400 with a message, never 500, and no order or counter is stored (API.md 4.1)."""
    payload = _invalid_payloads(catalog)[case]
    with dbtools.nothing_written(db):
        refused = customer.place_order(payload, expect=HTTPStatus.BAD_REQUEST)
    assert refused.message, "a refusal explains itself"
    assert refused.at("success") is False


@allure.story("Validation")
def test_an_inactive_coffee_cannot_be_ordered(customer: CustomerApi, db):
    """The retired coffee is not in the catalog and ordering it is refused with nothing written."""
    retired = dbtools.inactive_coffee(db)
    payload = {
        "items": [
            {
                "productId": str(retired["_id"]),
                "productName": retired["name"]["en"],
                "quantity": 1,
                "selectedSize": "250g",
            }
        ],
        "shippingAddress": factories.address(),
        "totalAmount": retired["price"],
        "paymentMethod": "cash",
        "deliveryMethod": "standard",
    }
    with dbtools.nothing_written(db):
        customer.place_order(payload, expect=HTTPStatus.BAD_REQUEST)
