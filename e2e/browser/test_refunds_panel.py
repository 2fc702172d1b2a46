"""The panel's refunds section (CANCELLATION.md 8): cancellation requests approved and denied, refunds issued.

What the panel shows after each action is checked against what the API then returns and what MongoDB
holds. The refund share of an approval comes from the policy file, never from the test.
"""

from __future__ import annotations

from decimal import Decimal
from http import HTTPStatus

import allure
import pytest
from faker import Faker
from playwright.sync_api import expect

from fixtures.api import AdminApi, CustomerApi, StaffApi
from fixtures.models import CancellationStatus, Order, OrderStatus, PaymentStatus
from fixtures.panel import Panel
from staging import dbtools
from staging.fakes.stripe import StripeFake
from staging.policy import Policy

pytestmark = [
    pytest.mark.browser,
    pytest.mark.e2e,
    pytest.mark.destructive,
    allure.epic("Admin panel"),
    allure.feature("Refunds"),
]

_fake = Faker("en_US")


def aed(amount: float | Decimal) -> str:
    return f"AED {amount:.2f}"


def reason() -> str:
    """Unique enough to find its own row in the refund history."""
    return f"{_fake.sentence(nb_words=4).rstrip('.')} {_fake.pystr(min_chars=6, max_chars=6)}"


def money(amount: float | None) -> Decimal:
    """An API amount as exact money, so sums and shares compare without float noise."""
    assert amount is not None, "the API returned no amount"
    return Decimal(str(amount)).quantize(Decimal("0.01"))


@pytest.fixture
def order_in_preparation(order_factory, customer: CustomerApi, staff: StaffApi) -> Order:
    """A card-paid order a staff member has started preparing: the customer may only request cancellation."""
    order = order_factory(customer, quantity=2, paid=True)
    assert order.payment_status is PaymentStatus.PAID
    assert staff.accept(order.id).status is OrderStatus.PREPARING
    return order


def test_approving_a_request_in_the_panel_cancels_the_order_and_refunds_the_policy_share(
    signed_in_panel: Panel,
    admin: AdminApi,
    customer: CustomerApi,
    order_in_preparation: Order,
    policy: Policy,
    stripe: StripeFake,
    db,
):
    """Approve: the request leaves the open list; the order is cancelled and refunded as the policy says."""
    order, number = order_in_preparation, order_in_preparation.order_number or ""
    why = reason()
    request = customer.request_cancellation(order.id, why)
    expected_refund = (money(order.total_amount) * policy.refund_percent("preparing") / 100).quantize(
        Decimal("0.01")
    )

    signed_in_panel.show("Refunds")
    row = signed_in_panel.row("Cancellation requests", number)
    expect(row).to_contain_text(why)
    expect(row).to_contain_text("preparing")
    signed_in_panel.decide_request(number, "Approve")

    expect(signed_in_panel.notice).to_contain_text(f"Cancellation of {number} approved")
    expect(row).to_have_count(0)
    cancelled = admin.order(order.id)
    assert cancelled.status is OrderStatus.CANCELLED
    assert cancelled.cancellation is not None
    assert cancelled.cancellation.status is CancellationStatus.APPROVED
    assert cancelled.cancellation.processed_at is not None
    assert request.id not in {r.id for r in admin.cancellation_requests("requested")}
    assert money(admin.refund_status(order.id).refunded_total) == expected_refund
    assert order.stripe_payment_intent_id
    stripe_refunds = stripe.refunds_for(order.stripe_payment_intent_id)
    assert [int(call.params["amount"]) for call in stripe_refunds] == [int(expected_refund * 100)]
    stored = dbtools.order_document(db, order.id)
    assert stored is not None
    assert stored["status"] == "cancelled"

    signed_in_panel.page.get_by_label("Show", exact=True).select_option("approved")
    signed_in_panel.wait_loaded()
    expect(row).to_contain_text("approved")


def test_denying_a_request_in_the_panel_leaves_the_order_in_preparation_unrefunded(
    signed_in_panel: Panel,
    admin: AdminApi,
    customer: CustomerApi,
    order_in_preparation: Order,
    stripe: StripeFake,
    db,
):
    """Deny: the request leaves the open list, the order goes on being prepared, nothing is refunded."""
    order, number = order_in_preparation, order_in_preparation.order_number or ""
    request = customer.request_cancellation(order.id, reason())

    signed_in_panel.show("Refunds")
    row = signed_in_panel.row("Cancellation requests", number)
    expect(row).to_have_count(1)
    signed_in_panel.decide_request(number, "Deny")

    expect(signed_in_panel.notice).to_contain_text(f"Cancellation of {number} denied")
    expect(row).to_have_count(0)
    kept = admin.order(order.id)
    assert kept.status is OrderStatus.PREPARING
    assert kept.cancellation is not None
    assert kept.cancellation.status is CancellationStatus.DENIED
    assert kept.payment_status is PaymentStatus.PAID
    assert request.id in {r.id for r in admin.cancellation_requests("denied")}
    assert money(admin.refund_status(order.id).refunded_total) == 0
    assert order.stripe_payment_intent_id
    assert stripe.refunds_for(order.stripe_payment_intent_id) == []
    stored = dbtools.order_document(db, order.id)
    assert stored is not None
    assert (stored["status"], stored["paymentStatus"]) == ("preparing", "paid")


def test_a_partial_refund_through_the_form_is_what_the_api_then_returns(
    signed_in_panel: Panel, admin: AdminApi, customer: CustomerApi, order_factory, stripe: StripeFake, db
):
    """A third of the total refunded: the panel, the refund status, Stripe, the order and MongoDB agree."""
    order = order_factory(customer, quantity=3, paid=True)
    number = order.order_number or ""
    total = money(order.total_amount)
    amount = (total / 3).quantize(Decimal("0.01"))
    why = reason()
    signed_in_panel.open_order(number)
    assert signed_in_panel.value("Amount paid", within="Refund") == aed(total)

    signed_in_panel.refund(kind="partial", amount=str(amount), reason=why)

    expect(signed_in_panel.notice).to_contain_text(f"Refund of {aed(amount)} on {number}: completed")
    assert signed_in_panel.value("Refunded", within="Refund") == aed(amount)
    assert signed_in_panel.value("Remaining", within="Refund") == aed(total - amount)
    assert signed_in_panel.value("Payment status", within="Details") == "partially_refunded"
    status = admin.refund_status(order.id)
    assert status.payment_status is PaymentStatus.PARTIALLY_REFUNDED
    assert (money(status.refunded_total), money(status.remaining)) == (amount, total - amount)
    assert [(r.type, money(r.amount), r.reason) for r in status.refunds] == [("partial", amount, why)]
    assert order.stripe_payment_intent_id
    stripe_refunds = stripe.refunds_for(order.stripe_payment_intent_id)
    assert [int(call.params["amount"]) for call in stripe_refunds] == [int(amount * 100)]
    stored = dbtools.order_document(db, order.id)
    assert stored is not None
    assert stored["paymentStatus"] == "partially_refunded"

    signed_in_panel.show("Refunds")
    history = signed_in_panel.row("Refund history", why)
    expect(history).to_contain_text(aed(amount))
    expect(history).to_contain_text("partial")


def test_a_refund_above_what_was_paid_shows_the_apis_refusal_and_writes_nothing(
    signed_in_panel: Panel, admin: AdminApi, customer: CustomerApi, order_factory, stripe: StripeFake, db
):
    """Over-refunding is impossible: the API's 400 message is shown and the order stays paid."""
    order = order_factory(customer, paid=True)
    too_much = money(order.total_amount) + Decimal("0.01")
    signed_in_panel.open_order(order.order_number or "")

    with dbtools.nothing_written(db):
        signed_in_panel.refund(kind="partial", amount=str(too_much), reason=reason())
        expect(signed_in_panel.error).to_be_visible()
        refusal = admin.refund(
            order.id,
            "partial",
            "the same, to read the message",
            float(too_much),
            expect=HTTPStatus.BAD_REQUEST,
        )

    assert refusal.message
    expect(signed_in_panel.error).to_have_text(refusal.message)
    assert signed_in_panel.value("Refunded", within="Refund") == aed(0)
    assert admin.order(order.id).payment_status is PaymentStatus.PAID
    assert order.stripe_payment_intent_id
    assert stripe.refunds_for(order.stripe_payment_intent_id) == []
