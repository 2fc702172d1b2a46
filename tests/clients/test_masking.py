"""Masking keeps secrets out of reports: headers, JSON bodies at any depth, URLs and free text."""

import copy

import pytest

from fixtures.masking import MASK, is_secret_key, mask_headers, mask_json, mask_text, mask_url, render

JWT = "eyJhbGciOiJIUzI1NiJ9.eyJ1c2VySWQiOiIxIn0.c2lnbmF0dXJl"


@pytest.mark.parametrize(
    "key",
    [
        "password", "currentPassword", "newPassword", "pin", "currentPin", "newPin", "defaultPin",
        "token", "refreshToken", "accessToken", "idToken", "qrToken", "fcmToken", "clientSecret", "secret",
        "secretKey", "refresh_token", "client-secret", "qrCode", "Authorization", "stripe-signature",
        "private_key",
    ],
)  # fmt: skip
def test_secret_keys_are_recognised_in_any_spelling(key):
    """Every key family of the contract that holds a secret is masked."""
    assert is_secret_key(key)


@pytest.mark.parametrize(
    "key",
    ["requirePinChange", "shippingAddress", "shipping", "orderNumber", "email", "employeeId", "tokenExpiry"],
)
def test_ordinary_keys_are_left_readable(key):
    """Flags and business fields that merely mention a secret word stay visible."""
    assert not is_secret_key(key)


def test_json_secrets_are_masked_at_any_depth_and_inside_lists():
    """Nested objects and lists of objects are masked recursively; other values are untouched."""
    body = {
        "success": True,
        "data": {"user": {"name": "Ahmed"}, "token": JWT, "refreshToken": "r-1"},
        "credentials": {"employeeId": "BAR001", "defaultPin": "4821"},
        "staff": [{"pin": "1111", "name": "Mariam"}, {"newPin": 2222}],
        "requirePinChange": True,
    }

    masked = mask_json(body)

    assert masked == {
        "success": True,
        "data": {"user": {"name": "Ahmed"}, "token": MASK, "refreshToken": MASK},
        "credentials": {"employeeId": "BAR001", "defaultPin": MASK},
        "staff": [{"pin": MASK, "name": "Mariam"}, {"newPin": MASK}],
        "requirePinChange": True,
    }


def test_masking_returns_a_copy_and_leaves_the_input_alone():
    """Masking is pure: the body a test asserts on keeps its real values."""
    body = {"password": "Passw0rd!", "items": [{"token": "t"}]}
    before = copy.deepcopy(body)

    mask_json(body)

    assert body == before


def test_absent_secrets_stay_absent():
    """A null secret is shown as null, not as a mask that suggests a value was sent."""
    assert mask_json({"token": None}) == {"token": None}


def test_secret_shaped_text_is_masked_anywhere_in_strings():
    """JWTs and Stripe secret keys are hidden inside free text; publishable keys are not secrets."""
    text = f"Bearer {JWT} with sk_test_abc123 and whsec_xyz and pk_test_public"

    masked = mask_text(text)

    assert JWT not in masked
    assert "sk_test_abc123" not in masked
    assert "whsec_xyz" not in masked
    assert "pk_test_public" in masked


def test_headers_mask_authorization_signature_and_cookie_values():
    """Auth headers are masked whole; cookies keep their names and attributes, never their values."""
    headers = [
        ("Authorization", f"Bearer {JWT}"),
        ("stripe-signature", "t=1,v1=abc"),
        ("Cookie", "session=s3cr3t; theme=dark"),
        ("Set-Cookie", "refresh=r3fr3sh; Path=/; HttpOnly"),
        ("Content-Type", "application/json"),
    ]

    masked = mask_headers(headers)

    assert masked == {
        "Authorization": MASK,
        "stripe-signature": MASK,
        "Cookie": f"session={MASK}; theme={MASK}",
        "Set-Cookie": f"refresh={MASK}; Path=/; HttpOnly",
        "Content-Type": "application/json",
    }


def test_headers_accept_a_mapping():
    """A plain dict of headers is masked as well as httpx's multi-items."""
    assert mask_headers({"authorization": "Bearer x"}) == {"authorization": MASK}


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        pytest.param(
            "http://127.0.0.1:5001/api/x?token=abc&page=2", "http://127.0.0.1:5001/api/x?token=***&page=2",
            id="secret-query-parameter",
        ),
        pytest.param("/api/x?refresh_token=abc", "/api/x?refresh_token=***", id="snake-case-parameter"),
        pytest.param("/api/orders?status=pending", "/api/orders?status=pending", id="ordinary-query"),
        pytest.param(f"/api/auth/verify-email/{JWT}", "/api/auth/verify-email/***", id="token-in-path"),
        pytest.param("http://qa:hunter2@127.0.0.1/health", "http://qa:***@127.0.0.1/health", id="userinfo"),
    ],
)  # fmt: skip
def test_urls_mask_secret_parameters_and_tokens_in_paths(url, expected):
    """Query strings and paths never carry a secret into a report."""
    assert mask_url(url) == expected


def test_render_pretty_prints_masked_json():
    """The report rendering is indented JSON, Arabic text kept readable."""
    rendered = render({"name": "أحمد", "pin": "4821"})

    assert '"pin": "***"' in rendered
    assert "أحمد" in rendered
    assert "\n  " in rendered
