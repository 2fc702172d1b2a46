"""Refunds (CANCELLATION.md 5): full, partial and store credit; never more than was paid, even at once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from http import HTTPStatus
from typing import Any

import allure
import pytest
from faker import Faker

from e2e.cancellation_support import NOT_THEIRS, aed, at_once, fils, mail_about, share, stripe_refunds
from fixtures.api import AdminApi, CustomerApi
from fixtures.models import Order, PaymentStatus, RefundKind, RefundState
from fixtures.wire import same_id
from staging import dbtools

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.destructive,
    allure.epic("Cancellation and refunds"),
    allure.feature("Refunds"),
]


def paid_in_cash(order_factory, admin: AdminApi, customer: CustomerApi, quantity: int = 2) -> Order:
    """A cash order recorded as paid by the admin (API.md 5.6): refunds of it never involve Stripe."""
    order = order_factory(customer, payment="cash", quantity=quantity)
    paid = admin.set_payment(order.id, PaymentStatus.PAID)
    assert paid.payment_status is PaymentStatus.PAID
    return paid


@allure.story("Full")
def test_a_full_refund_of_a_card_order_goes_through_stripe_once(
    customer: CustomerApi, admin: AdminApi, order_factory, stripe, db, mail, wait_until, faker: Faker
):
    """One Stripe refund of the amount in fils against the payment intent; the order is `refunded`."""
    order = order_factory(customer, paid=True, quantity=2)
    reason = faker.sentence()

    refund = admin.refund(order.id, RefundKind.FULL, reason)

    assert refund.status is RefundState.COMPLETED
    assert refund.type is RefundKind.FULL
    assert refund.order_id == order.id
    assert aed(refund.amount) == aed(order.total_amount)
    assert refund.currency == "AED"
    assert refund.reason == reason
    assert refund.stripe_refund_id
    assert same_id(refund.processed_by, admin.user.id)
    calls = stripe_refunds(stripe, order)
    assert len(calls) == 1
    assert calls[0]["payment_intent"] == order.transaction_id
    assert calls[0]["amount"] == fils(order.total_amount)
    assert customer.order(order.id).payment_status is PaymentStatus.REFUNDED
    status = customer.refund_status(order.id)
    assert status.payment_status is PaymentStatus.REFUNDED
    assert aed(status.amount_paid) == aed(status.refunded_total) == aed(order.total_amount)
    assert aed(status.remaining) == 0
    assert [r.id for r in status.refunds] == [refund.id]
    assert admin.refund_status(order.id) == status, "the admin reads the same refund status"
    assert refund.id in {r.id for r in admin.refunds(status="completed", order_id=order.id).refunds}
    stored = dbtools.refund_records(db, order.id)
    assert [r["status"] for r in stored] == ["completed"]
    mail_about(mail, customer, order, "refund", poll=wait_until)


@allure.story("Partial")
def test_partial_refunds_add_up_to_the_amount_paid(
    customer: CustomerApi, admin: AdminApi, order_factory, stripe, db, faker: Faker
):
    """`partially_refunded` after the first; `refunded` when they reach the amount paid; then nothing more."""
    order = order_factory(customer, paid=True, quantity=3)
    total = aed(order.total_amount)
    first = share(total, Decimal(faker.random_int(10, 60)))
    second = total - first

    admin.refund(order.id, RefundKind.PARTIAL, "Damaged bag", float(first))
    midway = customer.refund_status(order.id)
    assert midway.payment_status is PaymentStatus.PARTIALLY_REFUNDED
    assert aed(midway.refunded_total) == first
    assert aed(midway.remaining) == second

    admin.refund(order.id, RefundKind.PARTIAL, "Late delivery", float(second))
    done = customer.refund_status(order.id)
    assert done.payment_status is PaymentStatus.REFUNDED
    assert aed(done.refunded_total) == total
    assert aed(done.remaining) == 0
    assert [c["amount"] for c in stripe_refunds(stripe, order)] == [fils(first), fils(second)]

    with allure.step("Nothing is left to refund"), dbtools.nothing_written(db):
        admin.refund(order.id, RefundKind.PARTIAL, "One more", 0.01, expect=HTTPStatus.BAD_REQUEST)
        admin.refund(order.id, RefundKind.FULL, "One more", expect=HTTPStatus.BAD_REQUEST)


@allure.story("Full")
def test_a_full_refund_after_a_partial_one_refunds_the_rest(
    customer: CustomerApi, admin: AdminApi, order_factory, stripe
):
    """`full` refunds what remains, not the whole amount again."""
    order = order_factory(customer, paid=True, quantity=2)
    part = share(order.total_amount, Decimal(25))
    admin.refund(order.id, RefundKind.PARTIAL, "Damaged bag", float(part))
    rest = admin.refund(order.id, RefundKind.FULL, "Customer unhappy")
    assert aed(rest.amount) == aed(order.total_amount) - part
    assert [c["amount"] for c in stripe_refunds(stripe, order)] == [fils(part), fils(rest.amount)]
    assert customer.order(order.id).payment_status is PaymentStatus.REFUNDED


@allure.story("Refused")
@pytest.mark.parametrize(
    ("kind", "amount"),
    [
        pytest.param(RefundKind.PARTIAL, "over", id="a-fil-more-than-remains"),
        pytest.param(RefundKind.PARTIAL, 0, id="zero"),
        pytest.param(RefundKind.PARTIAL, -5, id="negative"),
        pytest.param(RefundKind.PARTIAL, 1.005, id="three-decimals"),
        pytest.param(RefundKind.PARTIAL, "ten", id="not-a-number"),
        pytest.param(RefundKind.PARTIAL, None, id="partial-without-amount"),
        pytest.param("everything", 5, id="unknown-type"),
    ],
)
def test_a_bad_refund_is_refused_and_nothing_is_written(
    kind, amount: Any, customer: CustomerApi, admin: AdminApi, order_factory, stripe, db
):
    """400; no refund record, no Stripe call, the payment status unchanged."""
    order = order_factory(customer, paid=True)
    if amount == "over":
        amount = float(aed(order.total_amount) + Decimal("0.01"))
    with dbtools.nothing_written(db):
        admin.refund(order.id, kind, "Bad request", amount, expect=HTTPStatus.BAD_REQUEST)
    assert stripe_refunds(stripe, order) == []
    assert customer.order(order.id).payment_status is PaymentStatus.PAID


@allure.story("Refused")
def test_a_refund_needs_a_reason(customer: CustomerApi, admin: AdminApi, order_factory, db):
    """A refund without a reason is refused (400) and writes nothing."""
    order = order_factory(customer, paid=True)
    with dbtools.nothing_written(db):
        admin.request(
            "POST", f"/api/orders/{order.id}/refund", json={"type": "full"}, expect=HTTPStatus.BAD_REQUEST
        )


@allure.story("Refused")
@pytest.mark.parametrize("payment", [PaymentStatus.PENDING, PaymentStatus.FAILED])
def test_an_order_that_is_not_paid_cannot_be_refunded(
    payment, customer: CustomerApi, admin: AdminApi, order_factory, db
):
    """Refunds need `paid` or `partially_refunded`: otherwise 400 and nothing written."""
    order = order_factory(customer)
    if payment is not PaymentStatus.PENDING:
        admin.set_payment(order.id, payment)
    with dbtools.nothing_written(db):
        admin.refund(order.id, RefundKind.FULL, "Nothing to give back", expect=HTTPStatus.BAD_REQUEST)
        admin.refund(order.id, RefundKind.PARTIAL, "Nothing", 1, expect=HTTPStatus.BAD_REQUEST)
    assert customer.order(order.id).payment_status is payment


@allure.story("Cash and store credit")
def test_a_cash_payment_is_refunded_without_stripe(
    customer: CustomerApi, admin: AdminApi, order_factory, stripe, db
):
    """No Stripe call; the refund is completed and the order partially refunded."""
    order = paid_in_cash(order_factory, admin, customer)
    part = share(order.total_amount, Decimal(40))
    calls_before = len(stripe.calls("/v1/refunds"))
    refund = admin.refund(order.id, RefundKind.PARTIAL, "Returned one bag", float(part))
    assert refund.status is RefundState.COMPLETED
    assert refund.stripe_refund_id is None
    assert len(stripe.calls("/v1/refunds")) == calls_before
    assert customer.order(order.id).payment_status is PaymentStatus.PARTIALLY_REFUNDED


@allure.story("Cash and store credit")
def test_store_credit_goes_to_the_customer_not_to_stripe(
    customer: CustomerApi, admin: AdminApi, order_factory, stripe, db
):
    """A store-credit refund makes no Stripe call and credits the customer's account."""
    order = order_factory(customer, paid=True, quantity=2)
    credit = share(order.total_amount, Decimal(50))
    refund = admin.refund(order.id, RefundKind.STORE_CREDIT, "Goodwill", float(credit))
    assert refund.type is RefundKind.STORE_CREDIT
    assert refund.status is RefundState.COMPLETED
    assert aed(refund.amount) == credit
    assert stripe_refunds(stripe, order) == []
    assert customer.order(order.id).payment_status is PaymentStatus.PARTIALLY_REFUNDED
    user = dbtools.user_document(db, customer.user.email)
    assert user is not None
    assert aed(user.get("storeCredit", 0)) == credit


@allure.story("Concurrency")
@pytest.mark.parametrize("by_card", [pytest.param(False, id="cash"), pytest.param(True, id="card")])
def test_two_refunds_at_once_never_exceed_the_amount_paid(
    by_card: bool, customer: CustomerApi, admin: AdminApi, client_config, order_factory, stripe, db
):
    """Each alone would fit, together they exceed the amount paid: exactly one goes through."""
    order = (
        order_factory(customer, paid=True, quantity=2)
        if by_card
        else paid_in_cash(order_factory, admin, customer)
    )
    each = share(order.total_amount, Decimal(60))
    with AdminApi(client_config, admin.session) as twin:
        answers = at_once(
            "Two admins refund 60% each at the same moment",
            [
                lambda api=api: api.refund(
                    order.id,
                    RefundKind.PARTIAL,
                    "At once",
                    float(each),
                    expect=(HTTPStatus.CREATED, HTTPStatus.BAD_REQUEST, HTTPStatus.CONFLICT),
                )
                for api in (admin, twin)
            ],
        )
    assert sorted(a.status for a in answers)[0] == HTTPStatus.CREATED
    assert [a.status for a in answers].count(HTTPStatus.CREATED) == 1, [a.status for a in answers]
    status = customer.refund_status(order.id)
    assert aed(status.refunded_total) == each
    assert aed(status.refunded_total) <= aed(status.amount_paid)
    assert [r["status"] for r in dbtools.refund_records(db, order.id)] == ["completed"]
    if by_card:
        assert [c["amount"] for c in stripe_refunds(stripe, order)] == [fils(each)]


@allure.story("Stripe failures")
def test_a_failed_stripe_refund_is_listed_and_changes_no_payment_status(
    customer: CustomerApi, admin: AdminApi, order_factory, stripe
):
    """Stripe declines: the refund is `failed`, the order stays `paid`, the refund is listed as failed."""
    order = order_factory(customer, paid=True)
    stripe.fail_next_refund()
    refund = admin.refund(order.id, RefundKind.FULL, "Customer asked")
    assert refund.status is RefundState.FAILED
    assert customer.order(order.id).payment_status is PaymentStatus.PAID
    status = customer.refund_status(order.id)
    assert aed(status.refunded_total) == 0
    assert aed(status.remaining) == aed(order.total_amount), "a failed refund reserves nothing"
    assert refund.id in {r.id for r in admin.refunds(status="failed", order_id=order.id).refunds}
    assert refund.id not in {r.id for r in admin.refunds(status="completed", order_id=order.id).refunds}


@allure.story("Listing")
def test_refunds_are_listed_by_status_and_date(customer: CustomerApi, admin: AdminApi, order_factory):
    """`GET /api/refunds?status&from&to`: a refund made today is within today, not within tomorrow."""
    order = order_factory(customer, paid=True, quantity=2)
    refund = admin.refund(order.id, RefundKind.PARTIAL, "Damaged bag", 1)
    today = datetime.now(UTC).date()
    wide = admin.refunds(since=str(today - timedelta(days=1)), until=str(today + timedelta(days=1)))
    assert refund.id in {r.id for r in wide.refunds}
    assert wide.total is not None
    assert wide.total >= len(wide.refunds) >= 1
    later = admin.refunds(since=str(today + timedelta(days=2)))
    assert refund.id not in {r.id for r in later.refunds}
    assert refund.id not in {r.id for r in admin.refunds(status="failed").refunds}
    assert refund.id in {r.id for r in admin.refunds(status="completed").refunds}
    admin.refunds(status="maybe", expect=HTTPStatus.BAD_REQUEST)


@allure.story("Who may")
def test_only_admins_refund_and_list_refunds(customer: CustomerApi, order_factory, staff, driver, db):
    """A customer refunding their own order gets 403, staff and drivers 401/403; nothing is written."""
    order = order_factory(customer, paid=True)
    body = {"type": "full", "reason": "Give me my money"}
    with dbtools.nothing_written(db):
        customer.request("POST", f"/api/orders/{order.id}/refund", json=body, expect=HTTPStatus.FORBIDDEN)
        customer.request("GET", "/api/refunds", expect=HTTPStatus.FORBIDDEN)
        for worker in (staff, driver):
            worker.request("POST", f"/api/orders/{order.id}/refund", json=body, expect=NOT_THEIRS)
    assert customer.order(order.id).payment_status is PaymentStatus.PAID
