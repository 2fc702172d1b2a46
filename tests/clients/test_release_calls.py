"""The release's client calls (cancellation, refunds, payments) against a scripted backend."""

import json
import time
from http import HTTPStatus

import pytest

from fixtures.api import AdminApi, CustomerApi
from fixtures.api.firebase_customer import FirebaseCustomerApi
from fixtures.api.stripe_events import StripeEventsApi
from fixtures.models import (
    AuthSession,
    CancellationStatus,
    OrderStatus,
    RefundKind,
    RefundState,
    parse_model,
)
from staging.reference.webhook_signature import verify

OID = "65f1c2d3e4f5a6b7c8d9e0f1"
RID = "65f1c2d3e4f5a6b7c8d9e0f3"
USER = {"id": "65f1c2d3e4f5a6b7c8d9e0f2", "name": "Hessa Al Ketbi", "email": "hessa@example.com"}
REFUND = {
    "id": RID,
    "orderId": OID,
    "amount": 32.5,
    "currency": "AED",
    "type": "partial",
    "status": "completed",
    "reason": "Damaged bag",
    "createdAt": "2026-03-01T10:00:00.000Z",
}


def session(roles: list[str]) -> AuthSession:
    return parse_model(AuthSession, {"token": "t", "refreshToken": "r", "user": {**USER, "roles": roles}})


@pytest.fixture
def customer(config):
    with CustomerApi(config, session(["customer"])) as api:
        yield api


@pytest.fixture
def admin(config):
    with AdminApi(config, session(["admin"])) as api:
        yield api


def test_cancel_reads_order_and_a_missing_refund_as_none(backend, customer):
    """`refund: null` is stripped on the wire (API.md 8.2): it reads as None."""
    order = {"_id": OID, "status": "cancelled", "cancellation": {"isCancelled": True, "status": "approved"}}
    backend.on("POST", f"/api/orders/{OID}/cancel", json={"success": True, "order": order})
    outcome = customer.cancel(OID, "Changed my mind")
    assert outcome.order.status is OrderStatus.CANCELLED
    assert outcome.order.cancellation.status is CancellationStatus.APPROVED
    assert outcome.refund is None
    assert json.loads(backend.last.content) == {"reason": "Changed my mind"}


def test_a_cancellation_request_is_created_with_201(backend, customer):
    request = {"id": RID, "orderId": OID, "status": "requested", "requestedAt": "2026-03-01T10:00:00.000Z"}
    backend.on("POST", f"/api/orders/{OID}/cancel-request", 201, json={"success": True, "request": request})
    made = customer.request_cancellation(OID, "Plans changed")
    assert made.status is CancellationStatus.REQUESTED
    assert made.order_id == OID


def test_refunds_send_type_reason_and_amount_and_read_the_record(backend, admin):
    backend.on("POST", f"/api/orders/{OID}/refund", 201, json={"success": True, "refund": REFUND})
    refund = admin.refund(OID, RefundKind.PARTIAL, "Damaged bag", 32.5)
    assert (refund.type, refund.status, refund.amount) == (RefundKind.PARTIAL, RefundState.COMPLETED, 32.5)
    assert json.loads(backend.last.content) == {"type": "partial", "reason": "Damaged bag", "amount": 32.5}


def test_the_refund_list_passes_its_filters_as_query_parameters(backend, admin):
    backend.on("GET", "/api/refunds", json={"success": True, "refunds": [REFUND], "total": 1})
    listed = admin.refunds(status="completed", since="2026-03-01", order_id=OID)
    assert [r.id for r in listed.refunds] == [RID]
    assert dict(backend.last.url.params) == {"status": "completed", "from": "2026-03-01", "orderId": OID}


def test_deciding_sends_the_decision_and_notes(backend, admin):
    order = {"_id": OID, "status": "preparing", "cancellation": {"status": "denied"}}
    backend.on(
        "PUT", f"/api/orders/{OID}/cancellation-requests/{RID}", json={"success": True, "order": order}
    )
    outcome = admin.decide_cancellation(OID, RID, "deny", "Already roasted")
    assert outcome.order.cancellation.status is CancellationStatus.DENIED
    assert json.loads(backend.last.content) == {"decision": "deny", "adminNotes": "Already roasted"}


def test_a_firebase_customer_sends_the_id_token_and_reads_the_intent(backend, config):
    data = {"clientSecret": "pi_1_secret_x", "paymentIntentId": "pi_1", "amount": 6500, "currency": "aed"}
    backend.on("POST", "/api/payment/create-intent", json={"success": True, "data": data})
    with FirebaseCustomerApi(config, "firebase-id-token") as api:
        intent = api.create_intent(OID)
    assert (intent.payment_intent_id, intent.amount) == ("pi_1", 6500)
    assert backend.last.headers["Authorization"] == "Bearer firebase-id-token"
    assert "pi_1_secret_x" not in repr(intent), "the client secret stays out of assertion messages"


def test_webhook_events_go_as_the_exact_signed_bytes(backend, config):
    backend.on("POST", "/api/payment/webhook", json={"received": True})
    secret = "whsec_client_test"
    with StripeEventsApi(config, secret) as stripe:
        stripe.send(
            "payment_intent.succeeded", {"id": "pi_1", "metadata": {"orderId": OID}}, event_id="evt_1"
        )
    sent = backend.last
    verify(sent.content, sent.headers["stripe-signature"], secret, time.time())
    assert json.loads(sent.content)["id"] == "evt_1"


def test_a_webhook_without_a_signature_sends_no_header(backend, config):
    backend.on("POST", "/api/payment/webhook", 400, json={"success": False, "message": "Webhook Error: x"})
    with StripeEventsApi(config, "whsec_x") as stripe:
        answer = stripe.deliver(b"{}", None, expect=HTTPStatus.BAD_REQUEST)
    assert answer.message == "Webhook Error: x"
    assert "stripe-signature" not in backend.last.headers
