"""Abuse limits (API.md 2.3, 8.3): PIN guessing is stopped, failed logins and refreshes are limited with 429
and `Retry-After`, the /api/ budget stops a flood, a spoofed `X-Forwarded-For` changes nothing, and a refresh
token works once.

A test run raises the limits (API.md 9.3), so these tests get a reference backend of their own with small
limits, over the stack's MongoDB in a database of its own. Each test sends from a loopback address of its
own (`fixtures.client_addresses`), so no test spends another's budget.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from http import HTTPStatus

import allure
import pytest
from pymongo.database import Database

from fixtures import factories, options
from fixtures.api import AdminApi, AnonymousApi, ApiResult, CustomerApi, StaffApi
from fixtures.client_addresses import config_from, next_address
from fixtures.transport import ClientConfig
from staging.backend import ReferenceBackend, backend_env
from staging.core import free_port
from staging.seed import seed_admin, seed_catalog
from staging.stack import Stack, Target

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.destructive,
    allure.epic("Security"),
    allure.feature("Abuse limits"),
]

API_LIMIT = 60
LOGIN_LIMIT = 3
REFRESH_LIMIT = 5  # fixed by the contract (8.3)
ANY = tuple(HTTPStatus)
LIMITED = (HTTPStatus.TOO_MANY_REQUESTS, HTTPStatus.LOCKED)


@dataclass(frozen=True)
class LimitedBackend:
    base_url: str
    db: Database
    stack: Stack

    def client(self) -> ClientConfig:
        """Where a new client, with a source address nobody else uses, reaches this backend."""
        return config_from(self.base_url, next_address())


@pytest.fixture(scope="module")
def limited(stack: Stack, request: pytest.FixtureRequest, worker_id: str) -> Iterator[LimitedBackend]:
    """A reference backend with small limits, started once for this module.

    Module scope is safe: every test talks to it from its own client address, so the rate-limit counts it
    keeps per client never carry from one test to another, and every record a test makes is its own.
    """
    if stack.target is not Target.EMBEDDED or stack.db is None or not stack.mongo_uri:
        pytest.skip("limit tests start a reference backend with small limits: embedded target only")
    server_uri = stack.mongo_uri.rsplit("/", 1)[0]
    db_name = f"almarya_limits_{worker_id}"
    client = stack.db.client
    client.drop_database(db_name)  # a copy left by an aborted run
    db = client[db_name]
    seed_admin(db, stack.admin)
    seed_catalog(db)
    defects = options.setting(request.config, "defects") or ""
    port = free_port()
    env = backend_env(
        port=port,
        mongo_uri=f"{server_uri}/{db_name}",
        keys=stack.keys,
        fakes=None,
        extra={
            "RATE_LIMIT_MAX_REQUESTS": str(API_LIMIT),
            "RATE_LIMIT_WINDOW_MS": str(15 * 60 * 1000),
            "LOGIN_RATE_LIMIT_MAX": str(LOGIN_LIMIT),
            "ALMARYA_DEFECTS": defects,
        },
    )
    log = stack.run_dir / "logs" / f"backend-limits-{os.getpid()}.log"
    try:
        with ReferenceBackend(env, log, port=port) as backend:
            yield LimitedBackend(backend.url, db, stack)
    finally:
        client.drop_database(db_name)


def assert_limited(result: ApiResult, what: str) -> None:
    """429 (or 423 for a locked PIN) with `retryAfter`, `Retry-After` and the `RateLimit-*` fields (8.1)."""
    assert result.status in LIMITED, f"{what}: expected 429/423, got {result.status} {result.message}"
    if result.status == HTTPStatus.TOO_MANY_REQUESTS:
        assert result.at("success") is False
        retry_after = result.at("retryAfter")
        assert isinstance(retry_after, int | float), f"{what}: no retryAfter in {result.body}"
        assert retry_after > 0
        assert int(result.headers["retry-after"]) > 0, f"{what}: no Retry-After header"
        assert "ratelimit-limit" in result.headers, f"{what}: no RateLimit-Limit header"


def _admin(limited: LimitedBackend) -> AdminApi:
    with AnonymousApi(limited.client()) as anonymous:
        session = anonymous.admin_login(limited.stack.admin.email, limited.stack.admin.password)
    return AdminApi(limited.client(), session)


def _wrong_pins(count: int) -> list[str]:
    return [factories.unique_pin() for _ in range(count)]  # never handed to anyone


@allure.story("PIN guessing")
@pytest.mark.parametrize("who", ["staff", "driver"])
def test_pin_guessing_is_stopped(who: str, limited: LimitedBackend):
    """Wrong PINs from one client are cut off with 429/423 within a few tries, and then even the right PIN
    from that client is refused; another client still signs in with it (2.3)."""
    pin = factories.unique_pin()
    with _admin(limited) as admin:
        if who == "staff":
            admin.create_staff(factories.staff_payload(pin=pin))
        else:
            admin.create_driver(factories.driver_payload(pin=pin))
    path = "/api/staff/auth/login-pin" if who == "staff" else "/api/driver/auth/pin-login"
    with AnonymousApi(limited.client()) as guesser:
        answers = [
            guesser.request("POST", path, json={"pin": p}, expect=ANY) for p in _wrong_pins(LOGIN_LIMIT + 2)
        ]
        statuses = [a.status for a in answers]
        assert HTTPStatus.UNAUTHORIZED in statuses[:1], f"a wrong PIN is a 401 at first: {statuses}"
        assert_limited(answers[-1], f"{who} PIN guessing ({statuses})")
        assert_limited(guesser.request("POST", path, json={"pin": pin}, expect=ANY), "the right PIN, still")
    with AnonymousApi(limited.client()) as holder:
        holder.request("POST", path, json={"pin": pin}, expect=HTTPStatus.OK)


@allure.story("PIN guessing")
def test_a_pin_checked_wrong_three_times_is_locked(limited: LimitedBackend):
    """`validate-pin`: three failures lock the PIN for 15 minutes; then even the right PIN gets 423 (2.3)."""
    pin = factories.unique_pin()
    with _admin(limited) as admin:
        _, credentials = admin.create_staff(factories.staff_payload(pin=pin))
    employee = credentials.employee_id
    with AnonymousApi(limited.client()) as guesser:
        for wrong in _wrong_pins(2):
            guesser.request(
                "POST",
                "/api/staff/auth/validate-pin",
                json={"employeeId": employee, "pin": wrong},
                expect=ANY,
            )
        third = guesser.request(
            "POST",
            "/api/staff/auth/validate-pin",
            json={"employeeId": employee, "pin": _wrong_pins(1)[0]},
            expect=ANY,
        )
        assert third.status in (HTTPStatus.UNAUTHORIZED, HTTPStatus.LOCKED), third.status
    with AnonymousApi(limited.client()) as owner:
        locked = owner.request(
            "POST", "/api/staff/auth/validate-pin", json={"employeeId": employee, "pin": pin}, expect=ANY
        )
    assert locked.status == HTTPStatus.LOCKED, f"the right PIN after three failures: {locked.status}"


@allure.story("Login limit")
def test_failed_logins_are_limited_with_retry_after_and_successes_are_not_counted(limited: LimitedBackend):
    """Successful logins never count; after LOGIN_RATE_LIMIT_MAX failures the next login, even a right one,
    gets 429 with `retryAfter`, `Retry-After` and `RateLimit-*` (8.3)."""
    payload = factories.customer_payload()
    with AnonymousApi(limited.client()) as visitor:
        visitor.register(payload)
        for _ in range(LOGIN_LIMIT + 2):
            visitor.login(payload["email"], payload["password"])
        for _ in range(LOGIN_LIMIT):
            visitor.login(payload["email"], "Wr0ng!pass", expect=HTTPStatus.UNAUTHORIZED)
        assert_limited(
            visitor.login(payload["email"], payload["password"], expect=ANY), "a login after the failures"
        )


@allure.story("Spoofed X-Forwarded-For")
def test_a_spoofed_forwarded_for_neither_resets_nor_splits_the_count(limited: LimitedBackend):
    """Failed logins each claiming another `X-Forwarded-For` still count as one client, and a new claim after
    the limit does not lift it (8.3)."""
    payload = factories.customer_payload()
    with AnonymousApi(limited.client()) as visitor:
        visitor.register(payload)
        body = {"email": payload["email"], "password": "Wr0ng!pass"}
        for n in range(LOGIN_LIMIT):
            spoof = {"X-Forwarded-For": f"203.0.113.{n + 1}"}
            visitor.request(
                "POST", "/api/auth/login", json=body, headers=spoof, expect=HTTPStatus.UNAUTHORIZED
            )
        fresh_claim = {"X-Forwarded-For": "198.51.100.77, 10.0.0.1"}
        right = {"email": payload["email"], "password": payload["password"]}
        assert_limited(
            visitor.request("POST", "/api/auth/login", json=right, headers=fresh_claim, expect=ANY),
            "a login claiming a new address",
        )


@allure.story("API budget")
def test_the_api_budget_stops_a_flood_of_one_client_only(limited: LimitedBackend):
    """A client over RATE_LIMIT_MAX_REQUESTS gets 429 with `Retry-After`; another client is unaffected."""
    with AnonymousApi(limited.client()) as flooder:
        answers = [flooder.request("GET", "/api/coffees", expect=ANY) for _ in range(API_LIMIT + 1)]
    statuses = [a.status for a in answers]
    assert statuses[:API_LIMIT] == [HTTPStatus.OK] * API_LIMIT, "the budget was cut short"
    assert_limited(answers[-1], "the request over the budget")
    assert answers[0].headers.get("ratelimit-limit") == str(API_LIMIT)
    with AnonymousApi(limited.client()) as bystander:
        bystander.request("GET", "/api/coffees", expect=HTTPStatus.OK)


@allure.story("Refresh")
def test_a_refresh_token_works_once(limited: LimitedBackend):
    """Refreshing rotates the pair; the spent refresh token then gets 401 (2.1)."""
    with AnonymousApi(limited.client()) as visitor:
        session = visitor.register(factories.customer_payload())
        rotated = visitor.refresh(session.refresh_token)
        assert rotated.refresh_token != session.refresh_token
        visitor.refresh(session.refresh_token, expect=HTTPStatus.UNAUTHORIZED)
    with CustomerApi(limited.client(), session.with_tokens(rotated)) as customer:
        assert customer.me().email == session.user.email


@allure.story("Refresh")
def test_refresh_is_limited_to_five_per_window(limited: LimitedBackend):
    """The sixth refresh from one client within 15 minutes gets 429, even with a fresh, valid token (8.3)."""
    with AnonymousApi(limited.client()) as visitor:
        session = visitor.register(factories.customer_payload())
        token = session.refresh_token
        for _ in range(REFRESH_LIMIT):
            token = visitor.refresh(token).refresh_token
        assert_limited(visitor.refresh(token, expect=ANY), "the sixth refresh")


@allure.story("Staff")
def test_a_staff_pin_change_refuses_a_pin_someone_holds(limited: LimitedBackend):
    """Changing to a PIN another staff member holds is a 400, and both keep their own PIN (2.3)."""
    mine, theirs = factories.unique_pin(), factories.unique_pin()
    with _admin(limited) as admin:
        admin.create_staff(factories.staff_payload(pin=mine))
        admin.create_staff(factories.staff_payload(pin=theirs))
    with AnonymousApi(limited.client()) as anonymous:
        session = anonymous.staff_pin_login(mine)
    with StaffApi(limited.client(), session) as staff:
        staff.request(
            "POST", "/api/staff/auth/change-pin", json={"newPin": theirs}, expect=HTTPStatus.BAD_REQUEST
        )
    with AnonymousApi(limited.client()) as anonymous:
        assert anonymous.staff_pin_login(theirs).staff.id != session.staff.id
        assert anonymous.staff_pin_login(mine).staff.id == session.staff.id
