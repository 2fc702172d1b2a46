"""Self-cancel (CANCELLATION.md 3): who may cancel which order when, and what a cancellation does.

Every status, window and percentage comes from the policy file (CANCELLATION.md 1), never from a test.
"""

from __future__ import annotations

from datetime import timedelta
from http import HTTPStatus

import allure
import pytest
from faker import Faker

from e2e.cancellation_support import (
    NOT_THEIRS,
    REFUSED,
    aed,
    assert_out_of_the_queues,
    at_once,
    fils,
    ids,
    mail_about,
    stripe_refunds,
)
from fixtures.api import CustomerApi
from fixtures.models import CancellationStatus, OrderStatus, PaymentStatus, RefundKind, RefundState
from fixtures.wire import same_id
from staging import dbtools
from staging.policy import load as load_policy

POLICY = load_policy()  # for parametrizing only; the tests themselves read the `policy` fixture (same file)
EDGE = timedelta(seconds=10)  # how close to the window's end "just inside" and "just outside" are
DEFAULT_REASON = "Customer requested cancellation"  # CANCELLATION.md 3

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.destructive,
    allure.epic("Cancellation and refunds"),
    allure.feature("Self-cancel"),
]


def pickup_for(status: str) -> str:
    """Completed is where pickup orders end; every other status is reached by a delivery order."""
    return "pickup" if status == OrderStatus.COMPLETED else "standard"


@allure.story("Within the window")
@pytest.mark.parametrize("status", POLICY.self_cancel_statuses)
def test_the_owner_cancels_an_unpaid_order_at_once(
    status, customer: CustomerApi, order_factory, move_order, db, mail, wait_until, faker: Faker
):
    """Cancelled with its record and timestamp, no refund, out of the queues, and the customer is told."""
    order = move_order.to(order_factory(customer), status)
    staff, driver = move_order.staff, move_order.driver
    assert order.id in ids(staff.queue()), "before: the order is in the staff queue"
    reason = faker.sentence()

    result = customer.cancel(order.id, reason)

    assert result.refund is None, "nothing was paid, so nothing is refunded"
    cancelled = customer.order(order.id)
    assert cancelled.status is OrderStatus.CANCELLED
    assert cancelled.payment_status is PaymentStatus.PENDING
    record = cancelled.cancellation
    assert record is not None
    assert record.is_cancelled is True
    assert record.status is CancellationStatus.APPROVED
    assert record.reason == reason
    assert record.cancelled_at is not None
    assert same_id(record.cancelled_by, customer.user.id)
    assert cancelled.status_timestamps.cancelled is not None
    assert result.order.status is OrderStatus.CANCELLED, "the answer shows the cancelled order"
    with allure.step("The database holds the cancellation"):
        stored = dbtools.order_document(db, order.id)
        assert stored is not None
        assert stored["status"] == "cancelled"
        assert stored["cancellation"]["isCancelled"] is True
        assert stored["statusTimestamps"]["cancelled"] is not None
        assert dbtools.refund_records(db, order.id) == []
    assert_out_of_the_queues(order, staff, driver)
    mail_about(mail, customer, order, "cancel", poll=wait_until)


@allure.story("Within the window")
def test_a_cancellation_without_a_reason_gets_the_default_reason(customer: CustomerApi, order_factory):
    """`reason` is optional; the record then says why in the contract's words."""
    order = order_factory(customer)
    customer.cancel(order.id)
    cancellation = customer.order(order.id).cancellation
    assert cancellation is not None
    assert cancellation.reason == DEFAULT_REASON


@allure.story("Window edges")
@pytest.mark.parametrize(
    "inside", [pytest.param(True, id="just-inside"), pytest.param(False, id="just-outside")]
)
@pytest.mark.parametrize("status", POLICY.self_cancel_statuses)
def test_the_self_cancel_window_ends_where_the_policy_says(
    status, inside: bool, customer: CustomerApi, order_factory, move_order, db, policy
):
    """Placed just under the window ago: cancelled. Just over: 400 'Cancellation window expired'."""
    allure.dynamic.parameter("self_cancel_window_minutes", policy.self_cancel_window_minutes)
    order = move_order.to(order_factory(customer), status)
    age = policy.self_cancel_window - EDGE if inside else policy.self_cancel_window + EDGE
    dbtools.age_order(db, order.id, minutes=age.total_seconds() / 60)
    if inside:
        customer.cancel(order.id)
        assert customer.order(order.id).status is OrderStatus.CANCELLED
        return
    with dbtools.nothing_written(db):
        refused = customer.cancel(order.id, expect=HTTPStatus.BAD_REQUEST)
    assert refused.message == "Cancellation window expired"
    assert customer.order(order.id).status == status


@allure.story("Approval needed")
@pytest.mark.parametrize("status", POLICY.approval_statuses)
def test_the_owner_cannot_cancel_an_order_in_preparation_directly(
    status, customer: CustomerApi, order_factory, move_order, db
):
    """400 naming cancel-request; nothing changes."""
    order = move_order.to(order_factory(customer), status)
    with dbtools.nothing_written(db):
        refused = customer.cancel(order.id, expect=HTTPStatus.BAD_REQUEST)
    assert "cancel-request" in (refused.message or ""), refused.message
    assert customer.order(order.id).status == status


@allure.story("Never cancellable")
@pytest.mark.parametrize("status", POLICY.never_cancellable)
def test_a_never_cancellable_order_is_neither_cancelled_nor_requested(
    status, customer: CustomerApi, admin, order_factory, move_order, db
):
    """Owner and admin cancel, and the owner's cancel-request, all answer 400; nothing changes."""
    order = move_order.to(order_factory(customer, delivery=pickup_for(status)), status)
    with dbtools.nothing_written(db):
        refused = customer.cancel(order.id, expect=HTTPStatus.BAD_REQUEST)
        admin.cancel(order.id, expect=HTTPStatus.BAD_REQUEST)
        customer.request_cancellation(order.id, "Please cancel", expect=HTTPStatus.BAD_REQUEST)
    assert refused.message is not None
    assert refused.message.startswith(f"Cannot cancel order with status: {status}"), refused.message
    assert customer.order(order.id).status == status


@allure.story("Card payments")
def test_cancelling_a_card_paid_order_refunds_it_once_in_full(
    customer: CustomerApi, order_factory, stripe, db, mail, wait_until
):
    """Intent → signed payment_intent.succeeded → paid, confirmed → cancel → one Stripe refund of it all."""
    order = order_factory(customer, paid=True, quantity=2)
    assert order.status is OrderStatus.CONFIRMED, "a successful payment confirms a pending order"
    assert order.paid_at is not None

    result = customer.cancel(order.id)

    refund = result.refund
    assert refund is not None
    assert refund.status is RefundState.COMPLETED
    assert refund.type is RefundKind.FULL
    assert aed(refund.amount) == aed(order.total_amount)
    assert refund.currency == "AED"
    calls = stripe_refunds(stripe, order)
    assert len(calls) == 1, calls
    assert calls[0]["payment_intent"] == order.transaction_id
    assert calls[0]["amount"] == fils(order.total_amount), "Stripe takes fils"
    assert refund.stripe_refund_id, "the refund names Stripe's refund"
    cancelled = customer.order(order.id)
    assert cancelled.status is OrderStatus.CANCELLED
    assert cancelled.payment_status is PaymentStatus.REFUNDED
    status = customer.refund_status(order.id)
    assert aed(status.refunded_total) == aed(status.amount_paid) == aed(order.total_amount)
    assert aed(status.remaining) == 0
    assert [r.id for r in status.refunds] == [refund.id]
    records = dbtools.refund_records(db, order.id)
    assert [r["status"] for r in records] == ["completed"]
    mail_about(mail, customer, order, "cancel", "refund", poll=wait_until)

    with allure.step("A repeated cancel is refused and refunds nothing more"), dbtools.nothing_written(db):
        customer.cancel(order.id, expect=HTTPStatus.BAD_REQUEST)
    assert len(stripe_refunds(stripe, order)) == 1


@allure.story("Card payments")
def test_two_cancels_at_once_cancel_and_refund_only_once(
    customer: CustomerApi, client_config, order_factory, stripe, db
):
    """Of two concurrent cancels exactly one succeeds; Stripe sees one refund."""
    order = order_factory(customer, paid=True)
    with CustomerApi(client_config, customer.session) as twin:
        answers = at_once(
            "The customer cancels twice at the same moment",
            [
                lambda api=api: api.cancel(order.id, expect=(HTTPStatus.OK, HTTPStatus.BAD_REQUEST))
                for api in (customer, twin)
            ],
        )
    assert sorted(a.status for a in answers) == [HTTPStatus.OK, HTTPStatus.BAD_REQUEST], answers
    assert len(stripe_refunds(stripe, order)) == 1
    assert len(dbtools.refund_records(db, order.id)) == 1
    assert customer.order(order.id).payment_status is PaymentStatus.REFUNDED


@allure.story("Card payments")
def test_a_failed_stripe_refund_leaves_a_failed_refund_and_no_false_refunded(
    customer: CustomerApi, admin, order_factory, stripe, db, faker: Faker
):
    """The order is cancelled; the refund is `failed`, listed for retry; the payment stays `paid`."""
    order = order_factory(customer, paid=True)
    stripe.fail_next_refund()

    result = customer.cancel(order.id)

    assert result.refund is not None
    assert result.refund.status is RefundState.FAILED
    kept = customer.order(order.id)
    assert kept.status is OrderStatus.CANCELLED
    assert kept.payment_status is PaymentStatus.PAID, "no refund went through, so nothing is refunded"
    assert stripe_refunds(stripe, order) == []
    assert aed(customer.refund_status(order.id).refunded_total) == 0
    failed = admin.refunds(status="failed", order_id=order.id).refunds
    assert [r.id for r in failed] == [result.refund.id], "the failed refund is listed for retry"

    with allure.step("The admin retries: now it goes through"):
        retried = admin.refund(order.id, "full", faker.sentence())
    assert retried.status is RefundState.COMPLETED
    assert customer.order(order.id).payment_status is PaymentStatus.REFUNDED
    assert [c["amount"] for c in stripe_refunds(stripe, order)] == [fils(order.total_amount)]


@allure.story("Ownership")
def test_another_customer_can_neither_cancel_request_nor_read_refunds(
    customer: CustomerApi, another_customer: CustomerApi, order_factory, move_order, db
):
    """403 (or 404) for cancel, cancel-request and refund status; nothing changes."""
    waiting = order_factory(customer)
    preparing = move_order.to(order_factory(customer), POLICY.approval_statuses[0])
    with dbtools.nothing_written(db):
        another_customer.cancel(waiting.id, expect=REFUSED)
        another_customer.request_cancellation(preparing.id, "Not mine", expect=REFUSED)
        refused = another_customer.refund_status(waiting.id, expect=REFUSED)
    assert refused.at("refunds") is None
    assert refused.at("amountPaid") is None
    assert customer.order(waiting.id).status is OrderStatus.PENDING
    assert customer.order(preparing.id).cancellation.status is CancellationStatus.NONE


@allure.story("Ownership")
def test_staff_and_driver_tokens_cannot_cancel(customer: CustomerApi, order_factory, staff, driver, db):
    """Only users cancel: staff and driver tokens get 401 or 403."""
    order = order_factory(customer)
    with dbtools.nothing_written(db):
        for worker in (staff, driver):
            worker.request("POST", f"/api/orders/{order.id}/cancel", json={}, expect=NOT_THEIRS)
    assert customer.order(order.id).status is OrderStatus.PENDING


@allure.story("Bad ids")
@pytest.mark.parametrize(
    ("order_id", "expected"),
    [
        pytest.param("0" * 24, (HTTPStatus.NOT_FOUND,), id="unknown"),
        pytest.param("not-an-id", (HTTPStatus.BAD_REQUEST, HTTPStatus.NOT_FOUND), id="malformed"),
    ],
)
def test_cancelling_an_unknown_or_malformed_id_is_a_clean_refusal(customer: CustomerApi, order_id, expected):
    """404 for an unknown order, 400 or 404 for a malformed id, never 500."""
    customer.cancel(order_id, expect=expected)


@allure.story("Admin")
@pytest.mark.parametrize("status", POLICY.cancellable_by_admin)
def test_an_admin_cancels_with_no_window_and_refunds_in_full(
    status, customer: CustomerApi, admin, order_factory, move_order, stripe, db, policy, mail, wait_until
):
    """Any self-cancel or approval status, placed long before the window: cancelled, everything refunded."""
    order = move_order.to(order_factory(customer, paid=True), status)
    dbtools.age_order(db, order.id, minutes=2 * policy.self_cancel_window_minutes)

    result = admin.cancel(order.id)

    assert result.refund is not None
    assert result.refund.type is RefundKind.FULL
    assert aed(result.refund.amount) == aed(order.total_amount), "admins refund in full, whatever the status"
    assert [c["amount"] for c in stripe_refunds(stripe, order)] == [fils(order.total_amount)]
    cancelled = admin.order(order.id)
    assert cancelled.status is OrderStatus.CANCELLED
    assert cancelled.payment_status is PaymentStatus.REFUNDED
    assert cancelled.cancellation is not None
    assert same_id(cancelled.cancellation.cancelled_by, admin.user.id)
    mail_about(mail, customer, order, "cancel", poll=wait_until)


@allure.story("Admin")
def test_the_admin_status_change_to_cancelled_follows_the_same_rules(
    customer: CustomerApi, admin, order_factory, move_order, stripe, db
):
    """`PUT /api/admin/orders/:id/status {cancelled}` refunds a paid order; out for delivery it is refused."""
    order = move_order.to(order_factory(customer, paid=True), POLICY.approval_statuses[-1])
    admin.set_order_status(order.id, OrderStatus.CANCELLED, notes="Out of stock")
    cancelled = admin.order(order.id)
    assert cancelled.status is OrderStatus.CANCELLED
    assert cancelled.payment_status is PaymentStatus.REFUNDED, "a paid order is refunded"
    assert cancelled.status_timestamps.cancelled is not None
    assert [c["amount"] for c in stripe_refunds(stripe, order)] == [fils(order.total_amount)]

    gone = move_order.to(order_factory(customer), OrderStatus.OUT_FOR_DELIVERY)
    with dbtools.nothing_written(db):
        admin.set_order_status(gone.id, OrderStatus.CANCELLED, expect=HTTPStatus.BAD_REQUEST)
    assert admin.order(gone.id).status is OrderStatus.OUT_FOR_DELIVERY


@allure.story("Admin")
def test_the_admin_cancel_route_under_the_admin_prefix_cancels_and_refunds(
    customer: CustomerApi, admin, order_factory, stripe, faker: Faker
):
    """`PUT /api/admin/orders/:id/cancel` (API.md 5.6) is the admin's cancel: cancelled, refunded in full."""
    order = order_factory(customer, paid=True)
    reason = faker.sentence()
    answer = admin.request("PUT", f"/api/admin/orders/{order.id}/cancel", json={"reason": reason})
    assert answer.status == HTTPStatus.OK
    cancelled = admin.order(order.id)
    assert cancelled.status is OrderStatus.CANCELLED
    assert cancelled.cancellation is not None
    assert cancelled.cancellation.reason == reason
    assert cancelled.payment_status is PaymentStatus.REFUNDED
    assert [c["amount"] for c in stripe_refunds(stripe, order)] == [fils(order.total_amount)]
    customer.request("PUT", f"/api/admin/orders/{order.id}/cancel", json={}, expect=HTTPStatus.FORBIDDEN)
