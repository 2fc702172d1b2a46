"""Payment events (CANCELLATION.md 6, API.md 6.3): signed Stripe events, and only those, move money."""

from __future__ import annotations

import time
from decimal import Decimal
from http import HTTPStatus

import allure
import pytest

from e2e.cancellation_support import aed, fils, mail_about, mails_about, share
from fixtures.api import AdminApi, CustomerApi
from fixtures.api.stripe_events import SIGNATURE_TOLERANCE, StripeEventsApi
from fixtures.models import OrderStatus, PaymentStatus, RefundKind
from staging import dbtools

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.destructive,
    allure.epic("Cancellation and refunds"),
    allure.feature("Payment events"),
]


@allure.story("Payment succeeded")
def test_a_successful_payment_marks_the_order_paid_and_confirmed(
    customer: CustomerApi, order_factory, card_payments, stripe, stripe_events, db, mail, wait_until
):
    """`payment_intent.succeeded`: paid, transactionId = the intent, paidAt; pending → confirmed; a mail."""
    order = order_factory(customer, payment="card")
    intent = card_payments.start(customer, order)
    assert customer.order(order.id).payment_status is PaymentStatus.PENDING, "an intent alone pays nothing"

    answer = stripe_events.send("payment_intent.succeeded", stripe.succeed(intent.payment_intent_id))

    assert answer.status == HTTPStatus.OK
    paid = customer.order(order.id)
    assert paid.payment_status is PaymentStatus.PAID
    assert paid.transaction_id == intent.payment_intent_id
    assert paid.paid_at is not None
    assert paid.status is OrderStatus.CONFIRMED
    assert paid.status_timestamps.confirmed is not None
    stored = dbtools.order_document(db, order.id)
    assert stored is not None
    assert (stored["paymentStatus"], stored["status"]) == ("paid", "confirmed")
    mail_about(mail, customer, order, "payment", poll=wait_until)


@allure.story("Payment succeeded")
def test_a_payment_for_an_order_already_in_preparation_does_not_move_it(
    customer: CustomerApi, order_factory, card_payments, stripe, stripe_events, move_order
):
    """Only a pending order becomes confirmed; one in preparation stays in preparation, now paid."""
    order = order_factory(customer, payment="card")
    intent = card_payments.start(customer, order)
    move_order.to(order, OrderStatus.PREPARING)
    stripe_events.send("payment_intent.succeeded", stripe.succeed(intent.payment_intent_id))
    paid = customer.order(order.id)
    assert paid.payment_status is PaymentStatus.PAID
    assert paid.status is OrderStatus.PREPARING


@allure.story("Payment failed")
def test_a_failed_payment_is_recorded_with_its_reason(
    customer: CustomerApi, order_factory, card_payments, stripe, stripe_events, faker
):
    """`payment_intent.payment_failed`: `failed` with Stripe's reason; the order is not confirmed."""
    order = order_factory(customer, payment="card")
    intent = card_payments.start(customer, order)
    reason = f"Your card was declined ({faker.word()})."
    stripe_events.send("payment_intent.payment_failed", stripe.decline(intent.payment_intent_id, reason))
    failed = customer.order(order.id)
    assert failed.payment_status is PaymentStatus.FAILED
    assert failed.payment_failure_reason == reason
    assert failed.status is OrderStatus.PENDING


@allure.story("Refunded in Stripe")
def test_refunds_made_in_stripe_are_booked_from_charge_refunded(
    customer: CustomerApi, order_factory, stripe, stripe_events, db
):
    """Partial → `partially_refunded`; the rest → `refunded`; each is a refund record of its own."""
    order = order_factory(customer, paid=True, quantity=3)
    intent = order.transaction_id
    assert intent
    part = share(order.total_amount, Decimal(30))

    stripe.refund_in_dashboard(intent, int(fils(part)))
    stripe_events.send("charge.refunded", stripe.charge(intent))
    midway = customer.refund_status(order.id)
    assert midway.payment_status is PaymentStatus.PARTIALLY_REFUNDED
    assert aed(midway.refunded_total) == part

    stripe.refund_in_dashboard(intent, int(fils(order.total_amount)) - int(fils(part)))
    stripe_events.send("charge.refunded", stripe.charge(intent))
    done = customer.refund_status(order.id)
    assert done.payment_status is PaymentStatus.REFUNDED
    assert aed(done.refunded_total) == aed(order.total_amount)
    assert sorted(aed(r.amount) for r in done.refunds) == sorted([part, aed(order.total_amount) - part])
    assert len(dbtools.refund_records(db, order.id)) == 2


@allure.story("Refunded in Stripe")
def test_charge_refunded_for_the_backends_own_refund_books_nothing_twice(
    customer: CustomerApi, admin: AdminApi, order_factory, stripe, stripe_events, db
):
    """Stripe reports the backend's own refund back: it is already booked, so nothing changes."""
    order = order_factory(customer, paid=True, quantity=2)
    part = share(order.total_amount, Decimal(20))
    admin.refund(order.id, RefundKind.PARTIAL, "Damaged bag", float(part))
    assert order.transaction_id
    before = dbtools.order_document(db, order.id)
    stripe_events.send("charge.refunded", stripe.charge(order.transaction_id))
    assert dbtools.order_document(db, order.id) == before, "the order was booked again"
    assert len(dbtools.refund_records(db, order.id)) == 1
    assert aed(customer.refund_status(order.id).refunded_total) == part


@allure.story("Untrusted deliveries")
@pytest.mark.parametrize(
    "forgery",
    ["wrong-secret", "tampered-body", "no-signature", "garbled-header", "stale-timestamp"],
)
def test_an_untrusted_event_is_refused_and_changes_nothing(
    forgery: str, customer: CustomerApi, order_factory, card_payments, stripe, stripe_events, db
):
    """400 'Webhook Error: …' for a bad or missing signature or one older than five minutes."""
    order = order_factory(customer, payment="card")
    intent = card_payments.start(customer, order)
    payload = StripeEventsApi.event("payment_intent.succeeded", stripe.succeed(intent.payment_intent_id))
    signature: str | None = stripe_events.signature(payload)
    if forgery == "wrong-secret":
        signature = stripe_events.signature(payload, secret="whsec_not_the_endpoints_secret")
    elif forgery == "tampered-body":
        payload = payload.replace(b'"succeeded"', b'"succeeded" ', 1)
    elif forgery == "no-signature":
        signature = None
    elif forgery == "garbled-header":
        signature = "v1=deadbeef"
    else:
        stale = time.time() - SIGNATURE_TOLERANCE.total_seconds() - 60
        signature = stripe_events.signature(payload, signed_at=stale)

    with dbtools.nothing_written(db):
        refused = stripe_events.deliver(payload, signature, expect=HTTPStatus.BAD_REQUEST)

    assert (refused.message or "").startswith("Webhook Error"), refused.message
    kept = customer.order(order.id)
    assert (kept.payment_status, kept.status) == (PaymentStatus.PENDING, OrderStatus.PENDING)


@allure.story("Replays")
def test_the_same_event_delivered_twice_changes_nothing_the_second_time(
    customer: CustomerApi, order_factory, card_payments, stripe, stripe_events, db, mail, wait_until
):
    """The second delivery of an event id answers 200 and writes nothing; the customer gets one mail."""
    order = order_factory(customer, payment="card")
    intent = card_payments.start(customer, order)
    payload = StripeEventsApi.event("payment_intent.succeeded", stripe.succeed(intent.payment_intent_id))
    stripe_events.deliver(payload, stripe_events.signature(payload), expect=HTTPStatus.OK)
    first = customer.order(order.id)
    assert first.payment_status is PaymentStatus.PAID
    mail_about(mail, customer, order, "payment", poll=wait_until)

    with dbtools.nothing_written(db):
        stripe_events.deliver(payload, stripe_events.signature(payload), expect=HTTPStatus.OK)

    again = customer.order(order.id)
    assert again.paid_at == first.paid_at
    assert again.updated_at == first.updated_at
    with allure.step("A later mail arrives, and still only one payment mail before it"):
        customer.cancel(order.id)
        mail_about(mail, customer, order, "cancel", poll=wait_until)
        assert len(mails_about(mail, customer, order, "payment")) == 1


@allure.story("Unknown events")
def test_an_unknown_event_type_is_acknowledged_and_ignored(
    customer: CustomerApi, order_factory, card_payments, stripe, stripe_events, db
):
    """200, and nothing changes."""
    order = order_factory(customer, payment="card")
    intent = card_payments.start(customer, order)
    obj = stripe.intent(intent.payment_intent_id)
    assert obj is not None
    with dbtools.nothing_written(db):
        stripe_events.send("customer.subscription.trial_will_end", obj, expect=HTTPStatus.OK)
    assert customer.order(order.id).payment_status is PaymentStatus.PENDING
