"""The reference backend's hardening: rate-limit windows and budgets, CORS, headers, badges and PIN locks.

The e2e suite checks these through the API; here the parts a black-box test cannot reach without waiting
(a window that expires) or without a second origin are checked directly.
"""

from __future__ import annotations

from http import HTTPStatus

import pytest
from bson import ObjectId

from staging.reference import cors, ratelimit, tokens
from staging.reference.clock import Clock
from staging.reference.settings import Settings

from .support import base_env, bearer


def _settings(**extra: str) -> Settings:
    return Settings.from_env(base_env("mongodb://127.0.0.1:1", "unit") | extra)


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_window_counts_up_to_its_limit_then_starts_afresh():
    clock = FakeClock()
    counters = ratelimit.Counters(clock)
    limit = ratelimit.Limit("login", 2, 900, failures_only=True, message="slow down")
    assert not counters.exceeded(limit, "10.0.0.1")
    counters.add(limit, "10.0.0.1")
    counters.add(limit, "10.0.0.1")
    assert counters.exceeded(limit, "10.0.0.1")
    assert not counters.exceeded(limit, "10.0.0.2"), "another client has its own budget"
    assert counters.reset_in(limit, "10.0.0.1") == 900
    clock.now += 600
    assert counters.reset_in(limit, "10.0.0.1") == 300
    clock.now += 300
    assert not counters.exceeded(limit, "10.0.0.1"), "a new window starts with a clean count"
    assert counters.remaining(limit, "10.0.0.1") == 2


@pytest.mark.parametrize(
    ("path", "names"),
    [
        pytest.param("/api/auth/login", ["login", "api"], id="login"),
        pytest.param("/api/auth/forgot-password", ["login", "api"], id="forgot-password"),
        pytest.param("/api/staff/auth/login-pin", ["pin", "api"], id="staff-pin"),
        pytest.param("/api/driver/auth/pin-login", ["pin", "api"], id="driver-pin"),
        pytest.param("/api/auth/refresh", ["refresh", "api"], id="refresh"),
        pytest.param("/api/orders", ["api"], id="any-api-route"),
        pytest.param("/health", [], id="outside-api"),
    ],
)
def test_each_path_spends_the_budgets_of_api_md_8_3(path: str, names: list[str]):
    settings = _settings(RATE_LIMIT_MAX_REQUESTS="7", LOGIN_RATE_LIMIT_MAX="3")
    limits = ratelimit.limits_for(path, settings)
    assert [limit.name for limit in limits] == names
    by_name = {limit.name: limit for limit in limits}
    if "refresh" in by_name:
        assert by_name["refresh"].limit == 5, "the refresh limit is fixed, whatever the environment says"
    if "login" in by_name or "pin" in by_name:
        assert next(iter(by_name.values())).limit == 3
        assert next(iter(by_name.values())).failures_only
    if "api" in by_name:
        assert by_name["api"].limit == 7


def test_the_client_is_the_peer_never_the_forwarded_for_header():
    scope = {"client": ("127.9.9.9", 5555), "headers": [(b"x-forwarded-for", b"203.0.113.7")]}
    assert ratelimit.client_address(scope, _settings()) == "127.9.9.9"
    defective = _settings(ALMARYA_DEFECTS="rate_limit_trusts_forwarded_for")
    assert ratelimit.client_address(scope, defective) == "203.0.113.7"


def test_allowed_origins_are_the_contracts_plus_base_and_frontend_urls():
    settings = _settings(BASE_URL="http://localhost:5050/", FRONTEND_URL="https://shop.example")
    assert cors.allowed_origins(settings) == {
        "http://localhost:5001",
        "http://localhost:3000",
        "http://localhost:8000",
        "http://localhost:5050",
        "https://shop.example",
    }


def test_a_badge_is_no_session_and_a_session_is_no_badge():
    settings = _settings(QR_BADGE_SECRET="badge-secret-of-at-least-32-characters!")
    service = tokens.TokenService(settings, Clock("Asia/Dubai"))
    badge = service.badge(tokens.STAFF_BADGE, "0" * 24).token
    assert service.decode_badge(badge, tokens.STAFF_BADGE) == "0" * 24
    with pytest.raises(tokens.TokenError):
        service.decode_badge(badge, tokens.DRIVER_BADGE)
    with pytest.raises(tokens.TokenError):
        service.decode(badge)  # signed with the badge secret: never an access token
    with pytest.raises(tokens.TokenError):
        service.decode_badge(service.access("0" * 24).token, tokens.STAFF_BADGE)


def test_a_password_reset_token_is_refused_as_an_access_token(api, customer, backend):
    """The reset link's token is signed like an access token; only its kind tells it apart (2.1)."""
    service = tokens.TokenService(backend.settings, Clock("Asia/Dubai"))
    reset = service.password_reset(customer.id).token
    response = api.get("/api/auth/me", headers=bearer(reset))
    assert response.status_code == HTTPStatus.UNAUTHORIZED


def test_validate_pin_locks_after_three_failures(api, new_staff, backend):
    """Three wrong PINs lock the PIN: the right one then gets 423 until the lock ends (2.3)."""
    worker = new_staff()
    staff = backend.db.staffs.find_one({"_id": ObjectId(worker.id)})
    assert staff is not None
    body = {"employeeId": staff["employeeId"]}
    assert (
        api.post("/api/staff/auth/validate-pin", json=body | {"pin": worker.pin}).status_code == HTTPStatus.OK
    )
    statuses = [
        api.post("/api/staff/auth/validate-pin", json=body | {"pin": wrong}).status_code
        for wrong in ("0001", "0002", "0003")
    ]
    assert statuses == [HTTPStatus.UNAUTHORIZED, HTTPStatus.UNAUTHORIZED, HTTPStatus.LOCKED]
    locked = api.post("/api/staff/auth/validate-pin", json=body | {"pin": worker.pin})
    assert locked.status_code == HTTPStatus.LOCKED
    assert locked.json()["retryAfter"] > 0
