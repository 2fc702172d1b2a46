"""Card payments (API.md 6.1, 6.2; CANCELLATION.md 7): intents for Firebase-signed-in customers, charged
at the server's total, and the admin's Stripe refund."""

from __future__ import annotations

import time
from decimal import Decimal
from http import HTTPStatus

import allure
import pytest

from e2e.cancellation_support import REFUSED, aed, fils, share, stripe_refunds
from fixtures.api import AdminApi, AnonymousApi, CustomerApi
from fixtures.api.firebase_customer import FirebaseCustomerApi
from fixtures.models import PaymentStatus
from staging import dbtools
from staging.fakes.firebase import mint_id_token

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.destructive,
    allure.epic("Cancellation and refunds"),
    allure.feature("Card payments"),
]


@allure.story("Configuration")
def test_the_stripe_configuration_gives_the_publishable_key(anonymous: AnonymousApi, stack):
    """`GET /api/config/stripe` needs no sign-in and names the publishable key."""
    answer = anonymous.request("GET", "/api/config/stripe", expect=HTTPStatus.OK)
    assert answer.at("data", "publishableKey") == stack.keys.stripe_publishable_key


@allure.story("Payment intents")
def test_an_intent_charges_the_servers_total_whatever_the_client_sends(
    customer: CustomerApi, order_factory, card_payments, stripe, db, catalog
):
    """Tampered prices, total and amount are ignored: the intent is for the stored total, in fils, AED."""
    order = order_factory(customer, payment="card", quantity=2, total_amount=1.0, item_prices=True)
    stored_total = aed(order.total_amount)
    assert stored_total == aed(catalog[0].unit_price() * 2), "the server prices from the catalog"

    intent = card_payments.firebase_user(customer).create_intent(
        order.id, extra={"amount": 1, "currency": "usd"}
    )

    assert intent.amount == int(fils(stored_total))
    assert intent.currency.lower() == "aed"
    assert intent.client_secret
    at_stripe = stripe.intent(intent.payment_intent_id)
    assert at_stripe is not None
    assert at_stripe["amount"] == int(fils(stored_total))
    assert at_stripe["metadata"] == {
        "orderId": order.id,
        "orderNumber": order.order_number,
        "userId": customer.user.id,
        "email": customer.user.email,
    }
    stored = dbtools.order_document(db, order.id)
    assert stored is not None
    assert stored["stripePaymentIntentId"] == intent.payment_intent_id
    assert stored["paymentStatus"] == "pending", "an intent is not a payment"


@allure.story("Payment intents")
def test_intents_only_for_the_owners_unpaid_orders(
    customer: CustomerApi, another_customer: CustomerApi, order_factory, card_payments, stripe, db
):
    """Another customer 403; a paid order 400; an unknown order 404, a malformed id 400/404; no writes."""
    unpaid = order_factory(customer, payment="card")
    paid = order_factory(customer, paid=True)
    intents_before = len(stripe.calls("/v1/payment_intents"))
    stranger = card_payments.firebase_user(another_customer)
    owner = card_payments.firebase_user(customer)
    with dbtools.nothing_written(db):
        stranger.create_intent(unpaid.id, expect=REFUSED)
        owner.create_intent(paid.id, expect=HTTPStatus.BAD_REQUEST)
        owner.create_intent("0" * 24, expect=HTTPStatus.NOT_FOUND)
        owner.create_intent("not-an-id", expect=(HTTPStatus.BAD_REQUEST, HTTPStatus.NOT_FOUND))
    assert len(stripe.calls("/v1/payment_intents")) == intents_before


@allure.story("Payment intents")
def test_a_stripe_failure_answers_500_and_leaves_the_order_unchanged(
    customer: CustomerApi, order_factory, card_payments, stripe, db
):
    """Stripe refuses the intent: 500 `{success:false, message}`, and the order is as it was."""
    order = order_factory(customer, payment="card")
    stripe.fail_next_intent()
    with dbtools.nothing_written(db):
        failed = card_payments.firebase_user(customer).create_intent(
            order.id, expect=HTTPStatus.INTERNAL_SERVER_ERROR
        )
    assert failed.at("success") is False
    assert failed.message


@allure.story("Firebase sign-in")
def test_payment_routes_need_a_valid_firebase_token(
    customer: CustomerApi, anonymous: AnonymousApi, order_factory, client_config, stack, card_payments, db
):
    """No token, an expired or foreign one, or the app's own JWT: 401; a token for an unknown user: 404."""
    order = order_factory(customer, payment="card")
    email, uid = customer.user.email, f"fb-{customer.user.id}"
    stack.firebase.add_account(uid, email)
    an_hour_ago = int(time.time()) - 7200
    tokens = {
        "expired": mint_id_token(uid, email, issued_at=an_hour_ago, lifetime=3600),
        "other-project": mint_id_token(uid, email, project_id="someone-elses-project"),
        "app-jwt": customer.session.token,
    }
    with dbtools.nothing_written(db):
        anonymous.request(
            "POST", "/api/payment/create-intent", json={"orderId": order.id}, expect=HTTPStatus.UNAUTHORIZED
        )
        for name, token in tokens.items():
            with allure.step(f"A {name} token is refused"), FirebaseCustomerApi(client_config, token) as api:
                api.create_intent(order.id, expect=HTTPStatus.UNAUTHORIZED)
        unknown = stack.firebase.id_token_for("fb-nobody", f"nobody.{uid}@example.com")
        with FirebaseCustomerApi(client_config, unknown) as api:
            api.create_intent(order.id, expect=HTTPStatus.NOT_FOUND)


@allure.story("Payment details")
def test_the_owner_reads_the_payment_details(
    customer: CustomerApi, another_customer: CustomerApi, order_factory, card_payments
):
    """Paid order: its payment fields and Stripe's view of the intent; another customer gets 403/404."""
    order = order_factory(customer, paid=True)
    details = card_payments.firebase_user(customer).payment_details(order.id)
    assert details.order["orderNumber"] == order.order_number
    assert details.order["paymentStatus"] == PaymentStatus.PAID
    assert details.order["transactionId"] == order.transaction_id
    assert details.stripe_details is not None
    assert details.stripe_details["id"] == order.transaction_id
    assert details.stripe_details["status"] == "succeeded"
    card_payments.firebase_user(another_customer).payment_details(order.id, expect=REFUSED)
    unpaid = order_factory(customer, payment="card")
    assert card_payments.firebase_user(customer).payment_details(unpaid.id).stripe_details is None


@allure.story("Admin Stripe refund")
def test_the_admins_stripe_refund_refunds_in_full_without_an_amount(
    customer: CustomerApi, admin: AdminApi, order_factory, stripe, db
):
    """API.md 6.2: `refunded` with refundedAt, refundAmount, refundReason; the order's status unchanged."""
    order = order_factory(customer, paid=True, quantity=2)
    result = admin.stripe_refund(order.id, reason="requested_by_customer")
    assert aed(result.amount) == aed(order.total_amount)
    assert result.refund_id
    refunded = admin.order(order.id)
    assert refunded.payment_status is PaymentStatus.REFUNDED
    assert refunded.status is order.status
    assert refunded.refunded_at is not None
    assert aed(refunded.refund_amount) == aed(order.total_amount)
    assert refunded.refund_reason == "requested_by_customer"
    calls = stripe_refunds(stripe, order)
    assert [(c["amount"], c.get("reason")) for c in calls] == [
        (fils(order.total_amount), "requested_by_customer")
    ]


@allure.story("Admin Stripe refund")
def test_the_admins_stripe_refund_with_an_amount_is_partial(
    customer: CustomerApi, admin: AdminApi, order_factory, stripe
):
    """With an amount: that much goes back through Stripe and the order is `partially_refunded`."""
    order = order_factory(customer, paid=True, quantity=2)
    part = share(order.total_amount, Decimal(10))
    admin.stripe_refund(order.id, amount=float(part), reason="duplicate")
    assert admin.order(order.id).payment_status is PaymentStatus.PARTIALLY_REFUNDED
    assert [c["amount"] for c in stripe_refunds(stripe, order)] == [fils(part)]


@allure.story("Admin Stripe refund")
def test_the_admins_stripe_refund_refuses_bad_reasons_and_unpaid_orders(
    customer: CustomerApi, admin: AdminApi, order_factory, stripe, db
):
    """A reason outside duplicate/fraudulent/requested_by_customer, or an unpaid order: 400, no writes."""
    paid = order_factory(customer, paid=True)
    unpaid = order_factory(customer, payment="card")
    with dbtools.nothing_written(db):
        admin.stripe_refund(paid.id, reason="changed_my_mind", expect=HTTPStatus.BAD_REQUEST)
        admin.stripe_refund(unpaid.id, expect=HTTPStatus.BAD_REQUEST)
    assert stripe_refunds(stripe, paid) == []
