"""The reference backend's payment parts on their own: signatures, money, forms, Firebase tokens."""

from __future__ import annotations

import time

import pytest

from staging.fakes.firebase import mint_id_token
from staging.fakes.stripe import sign_webhook
from staging.reference.firebase_auth import FirebaseTokenError, verify_id_token
from staging.reference.money import has_two_decimals_at_most, share_fils, to_fils
from staging.reference.stripe_client import form_fields
from staging.reference.webhook_signature import TOLERANCE_SECONDS, SignatureError, verify

SECRET = "whsec_reference_tests"
PAYLOAD = b'{"id":"evt_1","type":"payment_intent.succeeded"}'


def test_a_stripe_signature_over_the_exact_bytes_is_accepted():
    now = time.time()
    verify(PAYLOAD, sign_webhook(PAYLOAD, SECRET, int(now)), SECRET, now)


def test_any_matching_v1_among_several_is_enough():
    """Stripe sends one v1 per active secret while a secret is being rolled."""
    now = time.time()
    good = sign_webhook(PAYLOAD, SECRET, int(now)).split(",")[1]
    verify(PAYLOAD, f"t={int(now)},v1={'0' * 64},{good}", SECRET, now)


@pytest.mark.parametrize(
    ("header", "problem"),
    [
        pytest.param(None, "No stripe-signature", id="missing"),
        pytest.param("v1=abc", "Unable to extract", id="no-timestamp"),
        pytest.param("t=abc,v1=abc", "Unable to extract", id="timestamp-not-a-number"),
        pytest.param("t=123", "Unable to extract", id="no-signature"),
    ],
)
def test_a_malformed_header_is_refused(header, problem):
    with pytest.raises(SignatureError, match=problem):
        verify(PAYLOAD, header, SECRET, time.time())


def test_a_changed_body_or_another_secret_is_refused():
    now = time.time()
    header = sign_webhook(PAYLOAD, SECRET, int(now))
    with pytest.raises(SignatureError, match="No signatures found"):
        verify(PAYLOAD + b" ", header, SECRET, now)
    with pytest.raises(SignatureError, match="No signatures found"):
        verify(PAYLOAD, header, "whsec_other", now)


def test_a_signature_older_than_the_tolerance_is_refused():
    now = time.time()
    verify(PAYLOAD, sign_webhook(PAYLOAD, SECRET, int(now) - TOLERANCE_SECONDS + 5), SECRET, now)
    with pytest.raises(SignatureError, match="tolerance"):
        verify(PAYLOAD, sign_webhook(PAYLOAD, SECRET, int(now) - TOLERANCE_SECONDS - 5), SECRET, now)


@pytest.mark.parametrize(
    ("aed", "fils"),
    [(65, 6500), (65.5, 6550), (0.1 + 0.2, 30), (19.995, 2000), (1.005, 101), (0.01, 1)],
)
def test_amounts_become_whole_fils_rounding_half_up(aed, fils):
    assert to_fils(aed) == fils


def test_shares_and_decimals():
    assert share_fils(7801, 50) == 3901  # half a fil rounds up
    assert has_two_decimals_at_most(12.5)
    assert has_two_decimals_at_most(3)
    assert not has_two_decimals_at_most(1.005)
    assert not has_two_decimals_at_most("1.00")
    assert not has_two_decimals_at_most(True)


def test_nested_parameters_use_stripes_bracket_notation():
    fields = form_fields({"amount": 100, "metadata": {"orderId": "x"}, "skip": None, "flag": True})
    assert fields == [("amount", "100"), ("metadata[orderId]", "x"), ("flag", "true")]


def test_an_emulator_token_with_the_right_claims_is_accepted():
    claims = verify_id_token(
        mint_id_token("uid-1", "a@example.com"), "demo-e2e", emulator=True, now=time.time()
    )
    assert claims["sub"] == "uid-1"


@pytest.mark.parametrize(
    ("token", "emulator", "problem"),
    [
        pytest.param(mint_id_token("u", "a@example.com", project_id="other"), True, "aud", id="audience"),
        pytest.param(mint_id_token("u", "a@example.com", issued_at=1000), True, "expired", id="expired"),
        pytest.param(mint_id_token("u", "a@example.com"), False, "signature", id="unsigned-outside-emulator"),
        pytest.param("not.a.token", True, "Decoding", id="garbage"),
    ],
)
def test_a_token_firebase_admin_would_refuse_is_refused(token, emulator, problem):
    with pytest.raises(FirebaseTokenError, match=problem):
        verify_id_token(token, "demo-e2e", emulator=emulator, now=time.time())
