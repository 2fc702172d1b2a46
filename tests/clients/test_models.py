"""Models read what the contract promises, tolerate missing keys, and refuse wrong types."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from fixtures.errors import ContractViolation
from fixtures.models import (
    AuthSession,
    Coffee,
    CoffeePage,
    Order,
    OrderList,
    OrderPage,
    OrderStatus,
    Size,
    StaffCreated,
    TokenPair,
    User,
    parse_model,
)

OID = "65f1c2d3e4f5a6b7c8d9e0f1"
OTHER = "65f1c2d3e4f5a6b7c8d9e0f2"


def order_body(**overrides):
    body = {
        "_id": OID,
        "orderNumber": "ALM-20250301-000001",
        "user": OTHER,
        "items": [{"coffee": OTHER, "name": "Yemen Mocha", "quantity": 2, "price": 65, "selectedSize": "250g",
                   "subtotal": 130}],
        "subtotal": 130, "tax": 0, "shipping": 0, "discount": 0, "totalAmount": 130, "currency": "AED",
        "status": "pending", "paymentStatus": "pending", "paymentMethod": "cash",
        "deliveryMethod": "delivery",
        "statusTimestamps": {"placed": "2025-03-01T08:30:00.000Z"},
        "cancellation": {"isCancelled": False},
        "preparationTime": {"estimatedMinutes": 15},
        "createdAt": "2025-03-01T08:30:00.000Z",
    }  # fmt: skip
    return body | overrides


def test_an_order_reads_with_snake_case_attributes():
    """camelCase on the wire, snake_case in tests; dates are aware datetimes."""
    order = parse_model(Order, order_body())

    assert order.id == OID
    assert order.order_number == "ALM-20250301-000001"
    assert order.status is OrderStatus.PENDING
    assert order.items[0].selected_size is Size.G250
    assert order.items[0].coffee_id == OTHER
    assert order.total_amount == 130
    assert order.status_timestamps.placed == datetime(2025, 3, 1, 8, 30, tzinfo=UTC)
    assert order.status_timestamps.delivered is None
    assert order.user_id == OTHER


def test_a_staff_order_object_uses_id_and_populated_refs():
    """Staff objects carry `id`, `isAssignedToMe` and a populated user (5.4)."""
    body = {
        "id": OID, "orderNumber": "ALM-20250301-000002", "status": "preparing", "isAssignedToMe": True,
        "user": {"_id": OTHER, "name": "Mariam Al Ketbi", "email": "m@example.com", "phone": "+971501234567"},
        "assignedStaff": {"_id": OTHER, "name": "Omar", "role": "barista"},
        "items": [{"coffee": {"_id": OTHER, "name": {"en": "Kenya AA", "ar": "كينيا"}, "price": 70},
                   "quantity": 1}],
    }  # fmt: skip

    order = parse_model(Order, body)

    assert order.id == OID
    assert order.is_assigned_to_me is True
    assert order.user_id == OTHER
    assert order.assigned_staff_id == OTHER
    assert order.items[0].coffee_id == OTHER


def test_missing_keys_read_as_none_or_empty_lists():
    """Empty values are stripped on the wire (8.2): absent lists are [], absent objects are None."""
    order = parse_model(Order, {"_id": OID, "status": "ready"})

    assert order.items == []
    assert order.assigned_driver is None
    assert order.delivery_address is None
    assert order.status_timestamps.placed is None


@pytest.mark.parametrize(
    ("model", "body", "attribute"),
    [
        pytest.param(
            OrderPage, {"pagination": {"currentPage": 1, "totalOrders": 0}}, "orders", id="order-page"
        ),
        pytest.param(OrderList, {"count": 0}, "orders", id="staff-and-driver-list"),
        pytest.param(CoffeePage, {"pagination": {"page": 1}}, "coffees", id="catalog"),
        pytest.param(
            Coffee, {"_id": OID, "name": {"en": "Kenya AA"}, "price": 70}, "variants", id="variants"
        ),
        pytest.param(User, {"_id": OID, "name": "Ali", "email": "a@example.com"}, "roles", id="roles"),
    ],
)
def test_absent_lists_read_as_empty(model, body, attribute):
    """`data` without `orders` (4.4) and every other stripped list read as []."""
    assert getattr(parse_model(model, body), attribute) == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        pytest.param(order_body(totalAmount="130"), "totalAmount", id="number-as-string"),
        pytest.param(order_body(status="shipped"), "status", id="unknown-status"),
        pytest.param(order_body(paymentStatus="cash_on_delivery"), "paymentStatus", id="unknown-payment"),
        pytest.param(
            order_body(statusTimestamps={"placed": "2025-03-01T08:30:00"}), "statusTimestamps.placed",
            id="naive-timestamp",
        ),
        pytest.param(order_body(createdAt=1740817800), "createdAt", id="epoch-number-date"),
        pytest.param(order_body(_id="42"), "_id", id="id-not-an-objectid"),
        pytest.param({"_id": OID}, "status", id="missing-status"),
        pytest.param(order_body(items=[{"quantity": 1.5}]), "items.0.quantity", id="fractional-quantity"),
        pytest.param(order_body(items=[{"quantity": 1, "selectedSize": "250gm"}]), "items.0.selectedSize",
                     id="catalog-size-in-an-order"),
    ],
)  # fmt: skip
def test_a_wrong_type_is_a_contract_violation_naming_the_field(body, field):
    """Strict validation: nothing is coerced, and the violation names the wire field."""
    with pytest.raises(ContractViolation) as caught:
        parse_model(Order, body, method="GET", path="/api/orders/x", at="data")

    assert caught.value.field == f"data.{field}"
    assert caught.value.model == "Order"
    assert "GET /api/orders/x" in str(caught.value)


def test_new_contract_fields_do_not_break_old_models():
    """Unknown fields are kept (`extra='allow'`), so a contract addition never fails a test."""
    order = parse_model(Order, order_body(loyaltyPoints=12))

    assert order.model_extra == {"loyaltyPoints": 12}


def test_catalog_variants_are_read_in_the_order_vocabulary():
    """Catalog `250gm` is `Size.G250`; the item price rule picks the active variant, else the base price."""
    coffee = parse_model(
        Coffee,
        {
            "_id": OID, "name": {"en": "Kenya AA", "ar": "كينيا"}, "price": 70,
            "variants": [
                {"size": "250gm", "price": 55.5, "isActive": True},
                {"size": "500gm", "price": 99, "isActive": False},
                {"size": "1kg", "price": 180},
            ],
        },
    )  # fmt: skip

    assert [variant.size for variant in coffee.variants] == [Size.G250, Size.G500, Size.KG1]
    assert coffee.unit_price(Size.G250) == Decimal("55.5")
    assert coffee.unit_price(Size.G500) == Decimal(70)
    assert coffee.unit_price(Size.KG1) == Decimal(180)


def test_secrets_stay_out_of_model_reprs():
    """Assertion messages print models; tokens and PINs must not appear in them."""
    session = parse_model(
        AuthSession,
        {"token": "tok-secret", "refreshToken": "ref-secret",
         "user": {"id": OID, "name": "Ali", "email": "a@example.com"}},
    )  # fmt: skip
    created = parse_model(
        StaffCreated,
        {
            "staff": {"id": OID, "employeeId": "BAR001"},
            "credentials": {"employeeId": "BAR001", "defaultPin": "4821"},
        },
    )

    assert "tok-secret" not in repr(session)
    assert "ref-secret" not in repr(session)
    assert "4821" not in repr(created)
    assert session.token == "tok-secret"


def test_with_tokens_keeps_the_user_and_rotates_the_tokens():
    """After a refresh the same user holds the new pair."""
    session = parse_model(
        AuthSession,
        {"token": "a", "refreshToken": "b", "user": {"id": OID, "name": "Ali", "email": "a@x.com"}},
    )

    rotated = session.with_tokens(TokenPair(token="c", refresh_token="d"))

    assert (rotated.token, rotated.refresh_token, rotated.user.id) == ("c", "d", OID)
