"""A delivery order from the customer's tap to the doorstep (API.md 5.2), seen by every actor on the way."""

from __future__ import annotations

from http import HTTPStatus

import allure
import pytest

from fixtures.api import CustomerApi, DriverApi, StaffApi
from fixtures.models import DeliveryMethod, OrderStatus, PaymentStatus
from fixtures.wire import same_id
from staging import dbtools

pytestmark = [pytest.mark.e2e, pytest.mark.destructive, allure.epic("Orders"), allure.feature("Delivery")]


def ids(orders: list) -> set[str]:
    return {o.id for o in orders}


@allure.story("Happy path")
def test_a_cash_delivery_order_goes_from_placement_to_delivered(
    customer: CustomerApi, staff: StaffApi, driver: DriverApi, order_factory, db
):
    """Customer orders; staff accepts and readies; a driver accepts, starts, reports and completes."""
    placed = order_factory(customer, delivery="standard", payment="cash")
    assert placed.status is OrderStatus.PENDING
    assert placed.delivery_method is DeliveryMethod.DELIVERY
    assert placed.payment_status is PaymentStatus.PENDING
    assert placed.id in ids(staff.queue()), "a new order must be in the staff queue"
    assert placed.id in ids(staff.queue("pending")), "and among the orders waiting to be accepted"
    assert placed.id not in ids(driver.available()), "a pending order is not for drivers yet"

    accepted = staff.accept(placed.id)
    assert accepted.status is OrderStatus.PREPARING
    assert placed.id in ids(staff.queue()), "an order being prepared stays in the active queue"
    assert same_id(accepted.assigned_staff_id, staff.staff.id)
    assert customer.order(placed.id).status is OrderStatus.PREPARING

    staff.ready(placed.id)
    assert customer.order(placed.id).status is OrderStatus.READY
    assert placed.id in ids(driver.available()), "a ready delivery order is offered to drivers"

    taken = driver.accept(placed.id)
    assert taken.status is OrderStatus.READY, "a driver's accept assigns but does not move the order"
    assert same_id(taken.assigned_driver_id, driver.driver.id)
    assert placed.id not in ids(driver.available()), "an assigned order leaves the available list"
    assert placed.id in ids(driver.my_deliveries())

    driver.start(placed.id)
    assert customer.order(placed.id).status is OrderStatus.OUT_FOR_DELIVERY
    driver.send_location(25.0772, 55.1390)
    driver.complete(placed.id, notes="Handed to the customer")

    delivered = customer.order(placed.id)
    assert delivered.status is OrderStatus.DELIVERED
    assert delivered.payment_status is PaymentStatus.PAID, "cash is collected on delivery"
    assert delivered.actual_delivery_time is not None
    assert placed.id in ids(driver.completed())
    assert placed.id not in ids(staff.queue()), "a delivered order leaves the active queue"
    assert placed.id in ids(staff.queue("completed"))

    with allure.step("Every status timestamp is present and in order"):
        stamps = delivered.status_timestamps
        sequence = [
            stamps.placed,
            stamps.accepted_by_staff,
            stamps.preparation_started,
            stamps.marked_ready,
            stamps.accepted_by_driver,
            stamps.out_for_delivery,
            stamps.delivered,
        ]
        assert all(sequence), f"missing timestamps: {stamps}"
        assert sequence == sorted(sequence), f"timestamps out of order: {stamps}"

    with allure.step("The database holds the delivered order"):
        stored = dbtools.order_document(db, placed.id)
        assert stored is not None
        assert stored["status"] == "delivered"
        assert stored["paymentStatus"] == "paid"
        assert str(stored["assignedDriver"]) == driver.driver.id
        assert "Handed to the customer" in stored.get("notes", "")


@allure.story("Tracking")
def test_the_customer_tracks_each_step_by_polling_their_order(
    customer: CustomerApi, staff: StaffApi, driver: DriverApi, order_factory, wait_until
):
    """Each actor's move is what the customer's next read of the order shows."""
    order = order_factory(customer)
    steps = [
        (lambda: staff.accept(order.id), OrderStatus.PREPARING),
        (lambda: staff.ready(order.id), OrderStatus.READY),
        (lambda: driver.accept(order.id), OrderStatus.READY),
        (lambda: driver.start(order.id), OrderStatus.OUT_FOR_DELIVERY),
        (lambda: driver.complete(order.id), OrderStatus.DELIVERED),
    ]
    for act, expected in steps:
        act()
        seen = wait_until(
            lambda e=expected: customer.order(order.id).status is e,
            description=f"the customer to see {expected}",
        )
        assert seen
    history = customer.orders()
    assert [o.status for o in history.orders if o.id == order.id] == [OrderStatus.DELIVERED]


@allure.story("Ownership")
def test_another_customer_can_neither_read_nor_list_the_order(
    customer: CustomerApi, another_customer: CustomerApi, order_factory
):
    """Only the owner (or an admin) reads an order; other customers get 403 or 404 (API.md 4.4)."""
    order = order_factory(customer)
    refused = another_customer.order(order.id, expect=(HTTPStatus.FORBIDDEN, HTTPStatus.NOT_FOUND))
    assert refused.at("data") is None
    assert order.id not in ids(another_customer.orders().orders)
    assert order.id in ids(customer.orders().orders)


@allure.story("Driver rules")
def test_a_driver_cannot_start_or_complete_another_drivers_delivery(
    customer: CustomerApi, staff: StaffApi, make_driver, order_factory
):
    """Start and complete belong to the assigned driver (else 403, API.md 5.5)."""
    order = order_factory(customer)
    staff.accept(order.id)
    staff.ready(order.id)
    assignee, stranger = make_driver(), make_driver()
    assignee.accept(order.id)
    stranger.start(order.id, expect=HTTPStatus.FORBIDDEN)
    assert customer.order(order.id).status is OrderStatus.READY
    assignee.start(order.id)
    stranger.complete(order.id, expect=HTTPStatus.FORBIDDEN)
    assert customer.order(order.id).status is OrderStatus.OUT_FOR_DELIVERY
