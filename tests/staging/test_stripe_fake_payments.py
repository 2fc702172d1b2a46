"""The Stripe fake's customer and dashboard side: what the webhook events of a scenario then carry."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from staging.fakes.stripe import StripeFake

AUTH = {"Authorization": "Bearer sk_test_dummy"}


@pytest.fixture
def stripe(tmp_path: Path) -> Iterator[StripeFake]:
    with StripeFake(tmp_path / "stripe.log") as fake:
        yield fake


def new_intent(stripe: StripeFake, amount: int = 7800) -> str:
    data = {"amount": str(amount), "currency": "aed", "metadata[orderId]": "o1"}
    response = httpx.post(f"{stripe.url}/v1/payment_intents", headers=AUTH, data=data, timeout=5)
    assert response.status_code == 200
    return str(response.json()["id"])


def refund(stripe: StripeFake, intent: str, amount: int) -> httpx.Response:
    data = {"payment_intent": intent, "amount": str(amount)}
    return httpx.post(f"{stripe.url}/v1/refunds", headers=AUTH, data=data, timeout=5)


def test_a_paid_intent_reads_as_succeeded_with_its_charge(stripe: StripeFake):
    intent = new_intent(stripe)
    paid = stripe.succeed(intent)
    assert (paid["status"], paid["amount_received"]) == ("succeeded", 7800)
    assert paid["latest_charge"] == stripe.charge(intent)["id"]
    assert stripe.intent(intent) == paid


def test_a_declined_intent_carries_the_reason(stripe: StripeFake):
    declined = stripe.decline(new_intent(stripe), "Insufficient funds.")
    assert declined["status"] == "requires_payment_method"
    assert declined["last_payment_error"]["message"] == "Insufficient funds."


def test_the_charge_adds_up_api_and_dashboard_refunds_newest_first(stripe: StripeFake):
    """Dashboard refunds count against the intent but are not calls the backend made."""
    intent = new_intent(stripe)
    stripe.succeed(intent)
    assert refund(stripe, intent, 1000).status_code == 200
    outside = stripe.refund_in_dashboard(intent, 800)
    charge = stripe.charge(intent)
    assert charge["amount_refunded"] == 1800
    assert charge["refunded"] is False
    assert charge["refunds"]["data"][0]["id"] == outside["id"], "newest first"
    assert [c.params["amount"] for c in stripe.refunds_for(intent)] == ["1000"]
    stripe.refund_in_dashboard(intent, 6000)
    assert stripe.charge(intent)["refunded"] is True
    with pytest.raises(ValueError, match="refused"):
        stripe.refund_in_dashboard(intent, 1)


def test_the_intent_failure_switch_fails_exactly_the_next_creation(stripe: StripeFake):
    stripe.fail_next_intent()
    data = {"amount": "100", "currency": "aed"}
    failed = httpx.post(f"{stripe.url}/v1/payment_intents", headers=AUTH, data=data, timeout=5)
    assert failed.status_code == 500
    assert failed.json()["error"]["type"] == "api_error"
    new_intent(stripe)
    assert [c.status for c in stripe.calls("/v1/payment_intents")] == [500, 200]
