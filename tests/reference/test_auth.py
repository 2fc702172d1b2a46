"""Customer auth and token guards (API.md 2.1, 2.2)."""

from __future__ import annotations

import base64
import json
from http import HTTPStatus

import jwt
import pytest

from .support import CUSTOMER_PASSWORD, bearer, unique_email


def register(api, **fields):
    body = {"name": "Layla", "email": unique_email(), "password": CUSTOMER_PASSWORD, **fields}
    return api.post("/api/auth/register", json=body)


def test_register_answers_user_and_tokens(api, backend):
    """201 with the public user, an access token and a refresh token; the password is stored as bcrypt."""
    email = unique_email()
    response = register(api, email=email.upper(), phone="+971501112233")
    assert response.status_code == HTTPStatus.CREATED, response.text
    data = response.json()["data"]
    assert data["user"]["email"] == email
    assert data["user"]["roles"] == ["customer"]
    assert data["user"]["isEmailVerified"] is False
    assert data["token"]
    assert data["refreshToken"]
    stored = backend.db.users.find_one({"email": email})
    assert stored["password"].startswith("$2")
    assert "firebaseUid" not in stored


def test_gmail_addresses_lose_dots_and_tags(api):
    """Wire: gmail.com addresses are normalised."""
    response = register(api, email="Some.One+promo@Gmail.com")
    assert response.status_code == HTTPStatus.CREATED
    assert response.json()["data"]["user"]["email"] == "someone@gmail.com"


@pytest.mark.parametrize(
    "fields",
    [
        pytest.param({"name": ""}, id="empty-name"),
        pytest.param({"name": "x" * 51}, id="long-name"),
        pytest.param({"email": "not-an-email"}, id="bad-email"),
        pytest.param({"email": {"$gt": ""}}, id="operator-email"),
        pytest.param({"password": "password1!"}, id="no-uppercase"),
        pytest.param({"password": "PASSWORD1!"}, id="no-lowercase"),
        pytest.param({"password": "Password!"}, id="no-digit"),
        pytest.param({"password": "Password1"}, id="no-special"),
        pytest.param({"password": "Pa1!"}, id="too-short"),
        pytest.param({"phone": "call me"}, id="bad-phone"),
    ],
)
def test_invalid_registration_gets_400_and_writes_nothing(api, backend, fields):
    """Each broken field is refused with the validation shape, and no user is stored."""
    before = backend.db.users.count_documents({})
    response = register(api, **fields)
    assert response.status_code == HTTPStatus.BAD_REQUEST, response.text
    body = response.json()
    assert body["success"] is False
    assert body["errors"]
    assert backend.db.users.count_documents({}) == before


def test_duplicate_email_is_refused(api, customer):
    """A second account with the same email gets 400."""
    response = register(api, email=customer.email)
    assert response.status_code == HTTPStatus.BAD_REQUEST


def test_login_and_me(api, customer):
    """Login answers lastLogin and tokens; /me names the same user."""
    login = api.post("/api/auth/login", json={"email": customer.email, "password": CUSTOMER_PASSWORD})
    assert login.status_code == HTTPStatus.OK
    data = login.json()["data"]
    assert data["user"]["lastLogin"]
    me = api.get("/api/auth/me", headers=bearer(data["token"]))
    assert me.status_code == HTTPStatus.OK
    assert me.json()["data"]["user"]["id"] == customer.id


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({"password": "Wrong0rd!"}, id="wrong-password"),
        pytest.param({"email": "nobody@example.com"}, id="unknown-email"),
    ],
)
def test_bad_credentials_get_401(api, customer, body):
    """Wrong credentials are 401 "Invalid credentials"."""
    response = api.post(
        "/api/auth/login", json={"email": customer.email, "password": CUSTOMER_PASSWORD, **body}
    )
    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert response.json()["message"] == "Invalid credentials"


def test_operator_as_login_email_never_logs_in(api, customer):
    """`{"$gt": ""}` where a string is expected is a 400, never a query operator."""
    response = api.post("/api/auth/login", json={"email": {"$gt": ""}, "password": CUSTOMER_PASSWORD})
    assert response.status_code == HTTPStatus.BAD_REQUEST


def test_admin_login_refuses_a_customer_with_403(api, customer):
    """A customer's correct credentials on admin-login get 403."""
    response = api.post(
        "/api/auth/admin-login", json={"email": customer.email, "password": CUSTOMER_PASSWORD}
    )
    assert response.status_code == HTTPStatus.FORBIDDEN


def test_refresh_rotates_and_a_used_refresh_token_is_refused(api, customer):
    """A refresh token works exactly once."""
    first = api.post("/api/auth/refresh", json={"refreshToken": customer.refresh_token})
    assert first.status_code == HTTPStatus.OK
    rotated = first.json()["data"]
    assert rotated["refreshToken"] != customer.refresh_token
    assert api.get("/api/auth/me", headers=bearer(rotated["token"])).status_code == HTTPStatus.OK
    again = api.post("/api/auth/refresh", json={"refreshToken": customer.refresh_token})
    assert again.status_code == HTTPStatus.UNAUTHORIZED


def test_logout_revokes_the_access_token(api, customer):
    """After logout the same access token gets 401."""
    assert api.post("/api/auth/logout", headers=bearer(customer.token)).status_code == HTTPStatus.OK
    assert api.get("/api/auth/me", headers=bearer(customer.token)).status_code == HTTPStatus.UNAUTHORIZED


def test_forgot_password_answers_200_and_writes_nothing(api, backend, customer):
    """Same answer for any email; the user record is unchanged."""
    before = backend.db.users.find_one({"email": customer.email})
    response = api.post("/api/auth/forgot-password", json={"email": customer.email})
    assert response.status_code == HTTPStatus.OK
    assert backend.db.users.find_one({"email": customer.email}) == before


def _unsigned(claims):
    def part(data):
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}."


def _forged_cases(customer, settings):
    claims = jwt.decode(customer.token, options={"verify_signature": False})
    return {
        "no-token": None,
        "alg-none": _unsigned(claims),
        "bad-signature": jwt.encode(claims, "x" * 40, algorithm="HS256"),
        "expired": jwt.encode({**claims, "exp": 1}, settings.jwt_secret, algorithm="HS256"),
        "refresh-as-access": customer.refresh_token,
        "refresh-claims-with-access-secret": jwt.encode(
            {**claims, "type": "refresh"}, settings.jwt_secret, algorithm="HS256"
        ),
    }


@pytest.mark.parametrize(
    "case",
    [
        "no-token",
        "alg-none",
        "bad-signature",
        "expired",
        "refresh-as-access",
        "refresh-claims-with-access-secret",
    ],
)
def test_bad_tokens_get_401(api, backend, customer, case):
    """Missing, unsigned, badly signed, expired and wrong-kind tokens are all 401."""
    token = _forged_cases(customer, backend.settings)[case]
    headers = bearer(token) if token else {}
    assert api.get("/api/auth/me", headers=headers).status_code == HTTPStatus.UNAUTHORIZED


def test_token_of_a_deactivated_user_gets_401(api, backend, new_customer):
    """Identity comes from the database: a deactivated account's token stops working."""
    someone = new_customer()
    backend.db.users.update_one({"email": someone.email}, {"$set": {"isActive": False}})
    assert api.get("/api/auth/me", headers=bearer(someone.token)).status_code == HTTPStatus.UNAUTHORIZED


def test_staff_token_on_a_user_route_is_invalid_token_format(api, new_staff):
    """Staff tokens on user routes get 401 "Invalid token format"."""
    staff = new_staff()
    response = api.get("/api/auth/me", headers=bearer(staff.token))
    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert response.json()["message"] == "Invalid token format"
