"""The third-party fakes behave as the real services do where the backend relies on them."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import smtplib
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from staging.fakes.firebase import FirebaseAuthStub, mint_id_token
from staging.fakes.smtp import SmtpSink
from staging.fakes.stripe import StripeFake, sign_webhook, webhook_event

AUTH = {"Authorization": "Bearer sk_test_dummy"}


@pytest.fixture
def stripe(tmp_path: Path) -> Iterator[StripeFake]:
    with StripeFake(tmp_path / "stripe.log") as fake:
        yield fake


def _intent(stripe: StripeFake, amount: int = 6500) -> dict:
    response = httpx.post(
        f"{stripe.url}/v1/payment_intents",
        headers=AUTH,
        timeout=5,
        data={"amount": str(amount), "currency": "aed", "metadata[orderId]": "o1"},
    )
    assert response.status_code == 200
    return response.json()


def test_stripe_fake_creates_intents_with_metadata(stripe: StripeFake):
    """A PaymentIntent comes back with Stripe's fields and the metadata it was given."""
    intent = _intent(stripe)
    assert intent["object"] == "payment_intent"
    assert intent["id"].startswith("pi_")
    assert intent["client_secret"].startswith(intent["id"])
    assert intent["metadata"] == {"orderId": "o1"}
    assert stripe.calls("/v1/payment_intents")[0].params["amount"] == "6500"


def test_stripe_fake_refuses_refunds_beyond_the_amount(stripe: StripeFake):
    """Refunds add up to at most the intent's amount, as on Stripe."""
    intent = _intent(stripe, 1000)
    first = httpx.post(
        f"{stripe.url}/v1/refunds",
        headers=AUTH,
        timeout=5,
        data={"payment_intent": intent["id"], "amount": "600"},
    )
    second = httpx.post(
        f"{stripe.url}/v1/refunds",
        headers=AUTH,
        timeout=5,
        data={"payment_intent": intent["id"], "amount": "600"},
    )
    assert first.status_code == 200
    assert second.status_code == 400
    assert second.json()["error"]["code"] == "amount_too_large"
    assert [c.params["amount"] for c in stripe.refunds_for(intent["id"])] == ["600"]


def test_stripe_fake_fails_the_next_refund_on_request(stripe: StripeFake):
    """The failure switch declines exactly one refund."""
    intent = _intent(stripe)
    stripe.fail_next_refund()
    declined = httpx.post(
        f"{stripe.url}/v1/refunds", headers=AUTH, timeout=5, data={"payment_intent": intent["id"]}
    )
    accepted = httpx.post(
        f"{stripe.url}/v1/refunds", headers=AUTH, timeout=5, data={"payment_intent": intent["id"]}
    )
    assert declined.status_code == 402
    assert accepted.status_code == 200
    assert accepted.json()["amount"] == 6500


def test_stripe_fake_requires_a_secret_key(stripe: StripeFake):
    """Calls without the bearer secret key are refused."""
    response = httpx.post(
        f"{stripe.url}/v1/payment_intents", timeout=5, data={"amount": "1", "currency": "aed"}
    )
    assert response.status_code == 401


def test_webhook_signature_follows_stripes_scheme():
    """t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<body>">, keyed with the webhook secret."""
    body = webhook_event("payment_intent.succeeded", {"id": "pi_1", "metadata": {"orderId": "o1"}})
    header = sign_webhook(body, "whsec_test", timestamp=1_700_000_000)
    stamp, v1 = (part.split("=", 1)[1] for part in header.split(","))
    assert stamp == "1700000000"
    assert v1 == hmac.new(b"whsec_test", b"1700000000." + body, hashlib.sha256).hexdigest()
    assert json.loads(body)["type"] == "payment_intent.succeeded"


def test_firebase_stub_looks_up_known_accounts(tmp_path: Path):
    """accounts:lookup answers with the registered account, and with no users for a stranger."""
    with FirebaseAuthStub(tmp_path / "fb.log") as stub:
        stub.add_account("uid-1", "Layla@Example.com")
        url = f"http://{stub.host}/identitytoolkit.googleapis.com/v1/projects/demo-e2e/accounts:lookup"
        known = httpx.post(url, json={"localId": ["uid-1"]}, timeout=5).json()
        unknown = httpx.post(url, json={"localId": ["nobody"]}, timeout=5).json()
    assert known["users"] == [
        {"localId": "uid-1", "email": "layla@example.com", "disabled": False, "emailVerified": True}
    ]
    assert "users" not in unknown


def test_minted_id_token_is_unsigned_with_the_emulator_claims():
    """Tokens are alg:none with iss, aud, sub, user_id, email and times (API.md 9.4)."""
    token = mint_id_token("uid-9", "omar@example.com", issued_at=1_700_000_000)
    header_part, claims_part, signature = token.split(".")

    def decode(part: str) -> dict:
        return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))

    assert decode(header_part)["alg"] == "none"
    assert signature == ""
    claims = decode(claims_part)
    assert claims["iss"] == "https://securetoken.google.com/demo-e2e"
    assert claims["aud"] == "demo-e2e"
    assert claims["sub"] == claims["user_id"] == "uid-9"
    assert claims["exp"] == claims["iat"] + 3600 == claims["auth_time"] + 3600


def test_smtp_sink_captures_mail_with_login(tmp_path: Path):
    """The sink accepts a login and keeps each mail for the recipient."""
    with SmtpSink(tmp_path / "smtp.log") as sink:
        with smtplib.SMTP(sink.host, sink.port, timeout=5) as client:
            client.login("qa@example.com", "anything")
            client.sendmail(
                "shop@example.com",
                ["Mariam@Example.com"],
                "Subject: Order ALM-20261124-000001 confirmed\r\n\r\nThank you",
            )
        mail = sink.wait_for_mail("mariam@example.com", containing="ALM-20261124-000001")
    assert mail.subject == "Order ALM-20261124-000001 confirmed"
    assert "Thank you" in mail.text


def test_two_smtp_sinks_share_port_2525_on_different_loopback_addresses(tmp_path: Path):
    """Parallel workers each get a sink on the port the Node backend insists on."""
    with SmtpSink(tmp_path / "a.log") as first, SmtpSink(tmp_path / "b.log") as second:
        assert first.port == second.port == 2525
        assert first.host != second.host
