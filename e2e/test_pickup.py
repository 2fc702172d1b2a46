"""A pickup order ends at the counter: ready → completed by its staff member, no driver (API.md 5.2)."""

from __future__ import annotations

from http import HTTPStatus

import allure
import pytest

from fixtures.api import CustomerApi, DriverApi, StaffApi
from fixtures.models import DeliveryMethod, OrderStatus
from staging import dbtools

pytestmark = [pytest.mark.e2e, pytest.mark.destructive, allure.epic("Orders"), allure.feature("Pickup")]


@allure.story("Happy path")
def test_a_pickup_order_is_completed_by_its_staff_member_without_a_driver(
    customer: CustomerApi, staff: StaffApi, driver: DriverApi, order_factory, db
):
    """ready → completed through the assignee's status change; drivers never see it."""
    order = order_factory(customer, delivery="pickup")
    assert order.delivery_method is DeliveryMethod.PICKUP
    staff.accept(order.id)
    staff.ready(order.id)
    assert order.id not in {o.id for o in driver.available()}, "pickup orders are not offered to drivers"
    driver.accept(order.id, expect=(HTTPStatus.BAD_REQUEST, HTTPStatus.CONFLICT))

    staff.set_status(order.id, "completed")

    completed = customer.order(order.id)
    assert completed.status is OrderStatus.COMPLETED
    assert completed.assigned_driver_id is None
    stamps = completed.status_timestamps
    assert stamps.placed <= stamps.accepted_by_staff <= stamps.marked_ready
    stored = dbtools.order_document(db, order.id)
    assert stored is not None
    assert stored["status"] == "completed"
    assert stored.get("assignedDriver") is None


@allure.story("Staff rules")
def test_only_the_assignee_completes_a_pickup_order(customer: CustomerApi, make_staff, order_factory):
    """Another staff member's status change is refused (403) and the order stays ready."""
    order = order_factory(customer, delivery="pickup")
    assignee, colleague = make_staff(), make_staff()
    assignee.accept(order.id)
    assignee.ready(order.id)
    colleague.set_status(order.id, "completed", expect=HTTPStatus.FORBIDDEN)
    assert customer.order(order.id).status is OrderStatus.READY


@allure.story("Staff rules")
def test_a_completed_pickup_order_stays_completed(customer: CustomerApi, staff: StaffApi, order_factory):
    """A terminal order refuses further moves and is left unchanged (API.md 5.7)."""
    order = order_factory(customer, delivery="pickup")
    staff.accept(order.id)
    staff.ready(order.id)
    staff.set_status(order.id, "completed")
    staff.set_status(order.id, "preparing", expect=(HTTPStatus.BAD_REQUEST, HTTPStatus.CONFLICT))
    assert customer.order(order.id).status is OrderStatus.COMPLETED
