"""Cancellation requests (CANCELLATION.md 4): the customer asks, the order goes on, an admin decides.

The statuses that need a request and the refund share of an approval come from the policy file.
"""

from __future__ import annotations

from http import HTTPStatus

import allure
import pytest
from faker import Faker

from e2e.cancellation_support import (
    aed,
    assert_out_of_the_queues,
    fils,
    ids,
    mail_about,
    share,
    stripe_refunds,
)
from fixtures.api import CustomerApi
from fixtures.models import CancellationStatus, OrderStatus, PaymentStatus, RefundKind, RefundState
from fixtures.wire import same_id
from staging import dbtools
from staging.policy import load as load_policy

POLICY = load_policy()  # for parametrizing only; the tests themselves read the `policy` fixture (same file)
CONFLICT = (HTTPStatus.CONFLICT, HTTPStatus.BAD_REQUEST)  # "409 (or 400)"

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.destructive,
    allure.epic("Cancellation and refunds"),
    allure.feature("Cancellation requests"),
]


@allure.story("Requesting")
@pytest.mark.parametrize("status", POLICY.approval_statuses)
def test_the_owner_requests_cancellation_and_the_order_goes_on(
    status, customer: CustomerApi, admin, order_factory, move_order, db, faker: Faker
):
    """201 with the request; the order keeps its status, the staff carry on; the admin sees it listed."""
    order = move_order.to(order_factory(customer), status)
    reason = faker.sentence()

    request = customer.request_cancellation(order.id, reason)

    assert request.status is CancellationStatus.REQUESTED
    assert request.order_id == order.id
    assert request.reason == reason
    assert request.requested_at is not None
    kept = customer.order(order.id)
    assert kept.status == status, "a request does not change the order's status"
    assert kept.cancellation is not None
    assert kept.cancellation.status is CancellationStatus.REQUESTED
    assert kept.cancellation.request_id == request.id
    assert kept.cancellation.reason == reason
    assert kept.cancellation.requested_at is not None
    assert same_id(kept.cancellation.requested_by, customer.user.id)
    assert kept.cancellation.is_cancelled is not True
    assert [r["status"] for r in dbtools.cancellation_request_records(db, order.id)] == ["requested"]
    listed = {r.id: r for r in admin.cancellation_requests("requested")}
    assert request.id in listed, "the admin sees the open request"
    seen = listed[request.id]
    assert seen.order_number == order.order_number
    assert seen.order_status == status
    assert seen.reason == reason
    assert seen.customer is not None
    assert seen.customer.email == customer.user.email
    assert request.id not in {r.id for r in admin.cancellation_requests("approved")}

    with allure.step("The staff carry on with the order"):
        if status == OrderStatus.PREPARING:
            move_order.staff.ready(order.id)
            assert customer.order(order.id).status is OrderStatus.READY
        else:
            assert order.id in ids(move_order.driver.available()), "a ready order is still offered"


@allure.story("Requesting")
def test_the_request_list_is_newest_first(customer: CustomerApi, admin, order_factory, move_order):
    """`GET /api/orders/cancellation-requests` lists newest first."""
    first, second = (move_order.to(order_factory(customer), POLICY.approval_statuses[0]) for _ in range(2))
    older = customer.request_cancellation(first.id, "Changed my mind")
    newer = customer.request_cancellation(second.id, "Ordered twice")
    listed = [r.id for r in admin.cancellation_requests("requested")]
    assert listed.index(newer.id) < listed.index(older.id)


@allure.story("Requesting")
def test_a_second_open_request_is_refused(customer: CustomerApi, order_factory, move_order, db):
    """409 (or 400) while one is open; nothing is written."""
    order = move_order.to(order_factory(customer), POLICY.approval_statuses[0])
    customer.request_cancellation(order.id, "Changed my mind")
    with dbtools.nothing_written(db):
        customer.request_cancellation(order.id, "Really, please", expect=CONFLICT)
    assert len(dbtools.cancellation_request_records(db, order.id)) == 1


@allure.story("Requesting")
@pytest.mark.parametrize("status", POLICY.self_cancel_statuses)
def test_orders_that_can_be_cancelled_directly_take_no_request(
    status, customer: CustomerApi, order_factory, move_order, db
):
    """Other statuses answer 400 (the never-cancellable ones: see the self-cancel scenarios)."""
    order = move_order.to(order_factory(customer), status)
    with dbtools.nothing_written(db):
        customer.request_cancellation(order.id, "Please cancel", expect=HTTPStatus.BAD_REQUEST)
    assert customer.order(order.id).cancellation.status is CancellationStatus.NONE


@allure.story("Approving")
@pytest.mark.parametrize("status", POLICY.approval_statuses)
def test_approving_cancels_and_refunds_the_policy_share(
    status, customer: CustomerApi, admin, order_factory, move_order, stripe, db, policy, mail, wait_until
):
    """Cancelled; refund = the policy's percentage for the status at decision time; out of the queues."""
    order = move_order.to(order_factory(customer, paid=True, quantity=3), status)
    if status == OrderStatus.READY:
        assert order.id in ids(move_order.driver.available()), "before: offered to drivers"
    request = customer.request_cancellation(order.id, "Plans changed")
    expected = share(order.total_amount, policy.refund_percent(status))
    allure.dynamic.parameter("refund_percent", str(policy.refund_percent(status)))

    decided = admin.decide_cancellation(order.id, request.id, "approve", "Approved on the phone")

    refund = decided.refund
    assert refund is not None
    assert refund.status is RefundState.COMPLETED
    assert aed(refund.amount) == expected
    assert refund.type is (RefundKind.FULL if expected == aed(order.total_amount) else RefundKind.PARTIAL)
    assert [c["amount"] for c in stripe_refunds(stripe, order)] == [fils(expected)]
    cancelled = admin.order(order.id)
    assert cancelled.status is OrderStatus.CANCELLED
    paid_back_all = expected == aed(order.total_amount)
    assert cancelled.payment_status is (
        PaymentStatus.REFUNDED if paid_back_all else PaymentStatus.PARTIALLY_REFUNDED
    )
    record = cancelled.cancellation
    assert record is not None
    assert record.status is CancellationStatus.APPROVED
    assert record.is_cancelled is True
    assert same_id(record.processed_by, admin.user.id)
    assert record.processed_at is not None
    assert record.admin_notes == "Approved on the phone"
    assert cancelled.status_timestamps.cancelled is not None
    status_now = customer.refund_status(order.id)
    assert aed(status_now.refunded_total) == expected
    assert aed(status_now.remaining) == aed(order.total_amount) - expected
    approved = {r.id: r for r in admin.cancellation_requests("approved")}
    assert request.id in approved
    assert approved[request.id].processed_at is not None
    assert request.id not in {r.id for r in admin.cancellation_requests("requested")}
    assert_out_of_the_queues(order, move_order.staff, move_order.driver)
    mail_about(mail, customer, order, "cancel", poll=wait_until)


@allure.story("Approving")
def test_the_refund_follows_the_status_at_decision_time(
    customer: CustomerApi, admin, order_factory, move_order, stripe, policy
):
    """Asked while in the first approval status, decided in the last: the last one's percentage applies."""
    first, last = POLICY.approval_statuses[0], POLICY.approval_statuses[-1]
    order = move_order.to(order_factory(customer, paid=True, quantity=2), first)
    request = customer.request_cancellation(order.id, "Plans changed")
    move_order.to(order, last)  # the staff carry on meanwhile

    decided = admin.decide_cancellation(order.id, request.id, "approve")

    expected = share(order.total_amount, policy.refund_percent(last))
    assert decided.refund is not None
    assert aed(decided.refund.amount) == expected
    assert [c["amount"] for c in stripe_refunds(stripe, order)] == [fils(expected)]


@allure.story("Approving")
def test_approving_an_unpaid_order_refunds_nothing(
    customer: CustomerApi, admin, order_factory, move_order, stripe, db
):
    """Nothing paid, nothing refunded: `refund` is null and Stripe is not called."""
    order = move_order.to(order_factory(customer), POLICY.approval_statuses[0])
    request = customer.request_cancellation(order.id, "Plans changed")
    refunds_before = len(stripe.calls("/v1/refunds"))
    decided = admin.decide_cancellation(order.id, request.id, "approve")
    assert decided.refund is None
    assert decided.order.status is OrderStatus.CANCELLED
    assert len(stripe.calls("/v1/refunds")) == refunds_before
    assert dbtools.refund_records(db, order.id) == []


@allure.story("Denying")
def test_denying_leaves_the_order_going_and_tells_the_customer(
    customer: CustomerApi, admin, order_factory, move_order, stripe, mail, wait_until
):
    """Denied: the order goes on unrefunded, the staff and then a driver take it; the customer is emailed."""
    order = move_order.to(order_factory(customer, paid=True), POLICY.approval_statuses[0])
    request = customer.request_cancellation(order.id, "Plans changed")

    decided = admin.decide_cancellation(order.id, request.id, "deny", "Already roasted for you")

    assert decided.refund is None
    kept = admin.order(order.id)
    assert kept.status == POLICY.approval_statuses[0]
    assert kept.payment_status is PaymentStatus.PAID
    assert kept.cancellation is not None
    assert kept.cancellation.status is CancellationStatus.DENIED
    assert kept.cancellation.is_cancelled is not True
    assert stripe_refunds(stripe, order) == []
    assert request.id in {r.id for r in admin.cancellation_requests("denied")}
    mail_about(mail, customer, order, "cancel", poll=wait_until)
    with allure.step("The order goes on as before"):
        ready = move_order.to(order, OrderStatus.READY)
        assert ready.id in ids(move_order.driver.available())
        move_order.driver.accept(order.id)


@allure.story("Deciding")
@pytest.mark.parametrize(
    ("first", "second"),
    [
        pytest.param("approve", "approve", id="approve-twice"),
        pytest.param("approve", "deny", id="deny-after-approve"),
        pytest.param("deny", "approve", id="approve-after-deny"),
        pytest.param("deny", "deny", id="deny-twice"),
    ],
)
def test_a_request_is_decided_once(
    first, second, customer: CustomerApi, admin, order_factory, move_order, stripe, db
):
    """The second decision gets 409 (or 400) and changes nothing, refunds included."""
    order = move_order.to(order_factory(customer, paid=True), POLICY.approval_statuses[0])
    request = customer.request_cancellation(order.id, "Plans changed")
    admin.decide_cancellation(order.id, request.id, first)
    before = admin.order(order.id)
    refunds_before = stripe_refunds(stripe, order)
    with dbtools.nothing_written(db):
        admin.decide_cancellation(order.id, request.id, second, expect=CONFLICT)
    after = admin.order(order.id)
    assert (after.status, after.cancellation.status) == (before.status, before.cancellation.status)
    assert stripe_refunds(stripe, order) == refunds_before


@allure.story("Deciding")
def test_approving_after_the_order_moved_on_is_refused(
    customer: CustomerApi, admin, order_factory, move_order, stripe, db
):
    """Out for delivery by the time the admin decides: 409, nothing changes, nothing refunded."""
    order = move_order.to(order_factory(customer, paid=True), POLICY.approval_statuses[0])
    request = customer.request_cancellation(order.id, "Plans changed")
    move_order.to(order, OrderStatus.OUT_FOR_DELIVERY)
    with dbtools.nothing_written(db):
        admin.decide_cancellation(order.id, request.id, "approve", expect=HTTPStatus.CONFLICT)
    kept = admin.order(order.id)
    assert kept.status is OrderStatus.OUT_FOR_DELIVERY
    assert kept.payment_status is PaymentStatus.PAID
    assert stripe_refunds(stripe, order) == []


@allure.story("Deciding")
def test_bad_decisions_and_unknown_requests_are_refused(
    customer: CustomerApi, admin, order_factory, move_order, db
):
    """An unknown decision 400; an unknown request 404; nothing changes."""
    order = move_order.to(order_factory(customer), POLICY.approval_statuses[0])
    request = customer.request_cancellation(order.id, "Plans changed")
    with dbtools.nothing_written(db):
        admin.decide_cancellation(order.id, request.id, "maybe", expect=HTTPStatus.BAD_REQUEST)
        admin.decide_cancellation(order.id, "0" * 24, "approve", expect=HTTPStatus.NOT_FOUND)
    assert admin.order(order.id).cancellation.status is CancellationStatus.REQUESTED


@allure.story("Deciding")
def test_only_admins_list_and_decide(customer: CustomerApi, order_factory, move_order, db):
    """A customer listing or deciding requests gets 403, even on their own order."""
    order = move_order.to(order_factory(customer), POLICY.approval_statuses[0])
    request = customer.request_cancellation(order.id, "Plans changed")
    with dbtools.nothing_written(db):
        customer.request("GET", "/api/orders/cancellation-requests", expect=HTTPStatus.FORBIDDEN)
        customer.request(
            "PUT",
            f"/api/orders/{order.id}/cancellation-requests/{request.id}",
            json={"decision": "approve"},
            expect=HTTPStatus.FORBIDDEN,
        )
    assert customer.order(order.id).status == POLICY.approval_statuses[0]


@allure.story("Deciding")
def test_an_admin_cancelling_outright_settles_the_open_request(
    customer: CustomerApi, admin, order_factory, move_order
):
    """An admin's cancel of an order with an open request: the request is no longer open."""
    order = move_order.to(order_factory(customer), POLICY.approval_statuses[0])
    request = customer.request_cancellation(order.id, "Plans changed")
    admin.cancel(order.id, "Out of stock")
    assert request.id not in {r.id for r in admin.cancellation_requests("requested")}
    assert request.id in {r.id for r in admin.cancellation_requests("approved")}
    admin.decide_cancellation(order.id, request.id, "deny", expect=CONFLICT)
