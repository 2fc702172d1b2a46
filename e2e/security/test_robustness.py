"""Input robustness (API.md 8.1, 8.4): malformed JSON, wrong types, missing and extra fields, huge bodies,
bad ids, unicode and injection strings, in bodies, paths and query strings.

Always a 4xx with the contract's error shape (or a success that stores exactly what the contract says),
never a 5xx, never a stack trace or a secret, and nothing written on refusal (checked in MongoDB).
Hypothesis adds arbitrary input around the hand-picked classics in `fixtures.hostile_input`; its examples
are derandomized, so a run is repeatable whatever seed pytest-randomly picks.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import allure
import pytest
from bson import ObjectId
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from e2e.security.authorization_table import ENDPOINTS, NATURAL_CALLER, Caller, Endpoint, Guard
from fixtures import factories
from fixtures.api import AnonymousApi, ApiResult, BaseApi, CustomerApi
from fixtures.hostile_input import OPERATORS, STRINGS, hostile_text, json_values, query_values
from fixtures.response_checks import refusal_problems
from fixtures.security import Cast
from fixtures.transport import ClientConfig
from staging import dbtools

pytestmark = [pytest.mark.e2e, pytest.mark.destructive, allure.epic("Security"), allure.feature("Robustness")]

ANY = tuple(HTTPStatus)
REFUSED = (HTTPStatus.BAD_REQUEST, HTTPStatus.NOT_FOUND)
HYPOTHESIS = settings(
    max_examples=20,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
MALFORMED_JSON = {
    "truncated": b'{"email": "a@example.com", "password": ',
    "single-quotes": b"{'email': 'a@example.com'}",
    "trailing-comma": b'{"items": [1, 2,],}',
    "bare-word": b"undefined",
    "nan": b'{"totalAmount": NaN}',
    "deep-nesting": b"[" * 100_000 + b"]" * 100_000,
    "not-utf8": b'{"name": "\xff\xfe"}',
    "json-null": b"null",
    "json-string": b'"just a string"',
}
MAX_BODY = 1024 * 1024


def assert_clean(result: ApiResult, secrets: tuple[str, ...], what: str) -> None:
    wrong = refusal_problems(result, secrets)
    assert not wrong, f"{what}: {'; '.join(wrong)} (status {result.status}, body {str(result.body)[:300]})"


# --- malformed and huge bodies ----------------------------------------------------------------------------


def _posting_apis(cast: Cast) -> dict[str, tuple[BaseApi, str, str]]:
    """Body-taking routes, each with a caller that passes its guard: name -> (api, method, path)."""
    return {
        "register": (cast.owner, "POST", "/api/auth/register"),
        "login": (cast.owner, "POST", "/api/auth/login"),
        "place-order": (cast.owner, "POST", "/api/orders"),
        "staff-pin-login": (cast.owner, "POST", "/api/staff/auth/login-pin"),
        "staff-status": (cast.staff, "PUT", f"/api/staff/orders/{cast.order.id}/status"),
        "driver-location": (cast.driver, "POST", "/api/driver/location"),
        "admin-status": (cast.admin, "PUT", f"/api/admin/orders/{cast.order.id}/status"),
    }


@allure.story("Malformed JSON")
@pytest.mark.parametrize("body", list(MALFORMED_JSON), ids=list(MALFORMED_JSON))
def test_malformed_json_is_a_clean_400_that_writes_nothing(body: str, shared_cast: Cast, db, server_secrets):
    """Every body-taking route answers malformed JSON with a 4xx in the contract's error shape (8.1)."""
    with dbtools.nothing_written(db):
        for name, (api, method, path) in _posting_apis(shared_cast).items():
            result = api.request(
                method,
                path,
                content=MALFORMED_JSON[body],
                headers={"Content-Type": "application/json"},
                expect=ANY,
            )
            assert_clean(result, server_secrets, f"{name} with {body} JSON")
            assert 400 <= result.status < 500, f"{name} with {body} JSON answered {result.status}"


@allure.story("Huge bodies")
def test_a_huge_body_is_refused_and_writes_nothing(customer: CustomerApi, catalog, db, server_secrets):
    """An order padded past 1 MB is refused with a 4xx (413 or 400) and no order is stored."""
    payload = factories.order_payload(catalog[:1], notes="x" * (MAX_BODY + 10))
    with dbtools.nothing_written(db):
        result = customer.place_order(payload, expect=ANY)
    assert result.status in (HTTPStatus.REQUEST_ENTITY_TOO_LARGE, HTTPStatus.BAD_REQUEST), result.status
    assert_clean(result, server_secrets, "a huge order body")


# --- wrong types, missing and extra fields ----------------------------------------------------------------


@st.composite
def mutated_order(draw: st.DrawFn, valid: dict[str, Any]) -> dict[str, Any]:
    """A valid order body with one field replaced by any JSON value, removed, or a stranger added."""
    body = json.loads(json.dumps(valid))
    item = body["items"][0]
    target = draw(st.sampled_from(["body", "item", "address"]))
    where = {"body": body, "item": item, "address": body["shippingAddress"]}[target]
    action = draw(st.sampled_from(["replace", "remove", "add"]))
    if action == "add":
        key = draw(st.one_of(hostile_text(), st.sampled_from(("$where", "__proto__", "constructor"))))
        where[key] = draw(json_values())
    else:
        key = draw(st.sampled_from(sorted(where)))
        if action == "remove":
            del where[key]
        else:
            where[key] = draw(json_values())
    return body


@allure.story("Wrong types, missing and extra fields")
@HYPOTHESIS
@given(data=st.data())
@example(data=None)  # the valid body itself, unmutated
def test_any_order_body_is_stored_as_the_server_prices_it_or_refused(
    data: st.DataObject | None, customer: CustomerApi, catalog, db, server_secrets
):
    """Whatever a field holds, the answer is 201 with the server's money and defaults, or a clean 400 with
    nothing written; never a 5xx."""
    valid = factories.order_payload(catalog[:1], quantity=2)
    body = valid if data is None else data.draw(mutated_order(valid), label="body")
    before = dbtools.snapshot(db)
    result = customer.place_order(body, expect=ANY)
    assert_clean(result, server_secrets, "a mutated order")
    if result.status != HTTPStatus.CREATED:
        assert result.status == HTTPStatus.BAD_REQUEST, result.status
        assert not dbtools.snapshot(db).changed_since(before), "a refused order wrote to the database"
        return
    stored = dbtools.order_document(db, str(result.at("order", "_id")))
    assert stored is not None
    coffee = next(c for c in catalog if c.id == str(stored["items"][0]["coffee"]))
    size = stored["items"][0]["selectedSize"]
    expected = coffee.unit_price(size) * stored["items"][0]["quantity"]
    assert Decimal(str(stored["totalAmount"])) == expected, "the stored total is not the catalog's"
    assert (stored["status"], stored["paymentStatus"], stored["currency"]) == ("pending", "pending", "AED")
    assert str(stored["user"]) == customer.user.id


@allure.story("Wrong types, missing and extra fields")
def test_registration_ignores_roles_and_flags_sent_by_the_client(anonymous: AnonymousApi, db):
    """Extra fields never grant anything: a sign-up asking for admin is a customer, active, unverified."""
    payload = factories.customer_payload() | {
        "roles": ["admin"],
        "isActive": False,
        "isEmailVerified": True,
        "authProvider": "google",
        "_id": str(ObjectId()),
    }
    result = anonymous.register(payload, expect=(HTTPStatus.CREATED, HTTPStatus.BAD_REQUEST))
    stored = dbtools.user_document(db, payload["email"])
    if result.status == HTTPStatus.BAD_REQUEST:
        assert stored is None, "a refused sign-up stored a user"
        return
    assert stored is not None
    assert stored["roles"] == ["customer"]
    assert stored.get("isActive", True) is True
    assert stored.get("isEmailVerified", False) is False
    assert str(stored["_id"]) != payload["_id"]


# --- bad ids in paths -------------------------------------------------------------------------------------

ID_SLOTS = ("{order}", "{user}", "{driver}", "{staff}", "{unknown}")
# One of each kind: too short, not hex, too long, a JS-ism, an operator, markup, traversal, another script.
# (Arbitrary text goes through `test_any_text_as_an_order_id_is_a_clean_400_or_404`.)
BAD_IDS = (
    "123",
    "g" * 24,
    "0" * 25,
    "undefined",
    '{"$gt":""}',
    "<script>alert(1)</script>",
    "../../etc/passwd",
    "ممنوع",
)
ID_ROUTES = [e for e in ENDPOINTS if any(slot in e.path for slot in ID_SLOTS) and not e.skip]


def _caller_api(endpoint: Endpoint, cast: Cast, anonymous: AnonymousApi) -> BaseApi:
    if endpoint.guard is Guard.NONE or endpoint.guard is Guard.FIREBASE:
        return anonymous
    role = NATURAL_CALLER[endpoint.guard]
    return {
        Caller.OWNER: cast.owner,
        Caller.ADMIN: cast.admin,
        Caller.STAFF: cast.staff,
        Caller.DRIVER: cast.driver,
    }[role]


def _with_id(endpoint: Endpoint, cast: Cast, bad: str) -> str:
    values = cast.path_values() | dict.fromkeys(
        ("order", "user", "driver", "staff", "unknown"), quote(bad, safe="")
    )
    return endpoint.path.format(**values)


@allure.story("Bad ids in paths")
@pytest.mark.parametrize("endpoint", [pytest.param(e, id=e.id) for e in ID_ROUTES])
def test_malformed_and_foreign_ids_get_400_or_404(
    endpoint: Endpoint, shared_cast: Cast, client_config: ClientConfig, db, server_secrets
):
    """A malformed id is a 400 or 404 and a foreign or unknown one a 404 (or the body's 400), never a 5xx;
    nothing is written either way (8.4)."""
    # Well-formed ids of no order: a fresh one, and records of other kinds where an order belongs.
    foreign: tuple[str, ...] = (str(ObjectId()),)
    if "{order}" in endpoint.path:
        foreign += (shared_cast.owner.user.id, shared_cast.staff.staff.id)
    elif "{unknown}" not in endpoint.path:
        foreign = ()  # a user, staff or driver slot: any real id there is a real record
    body = endpoint.body if endpoint.method in ("POST", "PUT", "PATCH") else None
    # Firebase routes are called anonymously here (the guard runs first: 401); the rest by their caller.
    allowed = (*REFUSED, HTTPStatus.UNAUTHORIZED) if endpoint.guard is Guard.FIREBASE else REFUSED
    with AnonymousApi(client_config) as anonymous, dbtools.nothing_written(db):
        api = _caller_api(endpoint, shared_cast, anonymous)
        for bad in (*BAD_IDS, *foreign):
            result = api.request(endpoint.method, _with_id(endpoint, shared_cast, bad), json=body, expect=ANY)
            assert_clean(result, server_secrets, f"{endpoint.id} with id {bad!r}")
            assert result.status in allowed, f"{endpoint.id} with id {bad!r} answered {result.status}"


@allure.story("Bad ids in paths")
@HYPOTHESIS
@given(segment=hostile_text().filter(lambda s: s.strip() not in ("", ".", "..")))
def test_any_text_as_an_order_id_is_a_clean_400_or_404(segment: str, customer: CustomerApi, server_secrets):
    """Arbitrary text in the id segment of `GET /api/orders/:id`: 400 or 404 in the error shape."""
    result = customer.request("GET", f"/api/orders/{quote(segment, safe='')}", expect=ANY)
    assert_clean(result, server_secrets, f"order id {segment!r}")
    assert result.status in REFUSED, f"order id {segment!r} answered {result.status}"


# --- injection in query strings ---------------------------------------------------------------------------

LIST_QUERIES: dict[str, tuple[str, tuple[str, ...]]] = {
    "customer orders": ("/api/orders", ("search", "status", "sortBy", "page", "startDate", "paymentStatus")),
    "catalog": ("/api/coffees", ("search", "category", "minPrice", "lang", "limit")),
    "admin orders": ("/api/admin/orders", ("search", "status", "deliveryMethod", "sortOrder")),
    "staff queue": ("/api/staff/orders", ("status", "limit")),
    "admin staff": ("/api/admin/staff", ("search", "role")),
}


def _list_api(name: str, cast: Cast, anonymous: AnonymousApi) -> BaseApi:
    return {"customer orders": cast.owner, "catalog": anonymous, "staff queue": cast.staff}.get(
        name, cast.admin
    )


@allure.story("Injection in query strings")
@pytest.mark.parametrize("listing", list(LIST_QUERIES))
@settings(HYPOTHESIS, max_examples=12)
@given(value=query_values(), pick=st.integers(min_value=0, max_value=10))
@example(value="(", pick=0)
@example(value="[a-", pick=0)
@example(value="*", pick=0)
@example(value="\\", pick=0)
@example(value='{"$gt":""}', pick=0)
def test_injection_strings_in_query_strings_never_break_a_list(
    listing: str, value: str, pick: int, shared_cast: Cast, client_config: ClientConfig, server_secrets
):
    """Any query value is a 200 or a clean 400; a customer's list still holds only their own orders."""
    path, parameters = LIST_QUERIES[listing]
    parameter = parameters[pick % len(parameters)]
    with AnonymousApi(client_config) as anonymous:
        api = _list_api(listing, shared_cast, anonymous)
        result = api.request("GET", path, params={parameter: value, "_": "robustness"}, expect=ANY)
    assert_clean(result, server_secrets, f"{listing} with {parameter}={value!r}")
    assert result.status in (HTTPStatus.OK, HTTPStatus.BAD_REQUEST), result.status
    if listing == "customer orders" and result.status == HTTPStatus.OK:
        owners = {str(o.get("user")) for o in (result.at("data", "orders") or [])}
        assert owners <= {shared_cast.owner.user.id}, f"{parameter}={value!r} listed other customers' orders"


# --- operators where strings belong -----------------------------------------------------------------------


def _sign_ins(cast: Cast) -> dict[str, tuple[str, Callable[[Any], dict[str, Any]]]]:
    email = cast.owner.user.email
    return {
        "login": ("/api/auth/login", lambda v: {"email": v, "password": v}),
        "login-password": ("/api/auth/login", lambda v: {"email": email, "password": v}),
        "admin-login": ("/api/auth/admin-login", lambda v: {"email": v, "password": v}),
        "staff-pin": ("/api/staff/auth/login-pin", lambda v: {"pin": v}),
        "driver-pin": ("/api/driver/auth/pin-login", lambda v: {"pin": v}),
        "staff-legacy": ("/api/staff/login", lambda v: {"email": cast.staff.staff.email, "firebaseUid": v}),
        "staff-admin": ("/api/staff/admin/login", lambda v: {"username": v, "password": v}),
        "validate-pin": ("/api/staff/auth/validate-pin", lambda v: {"employeeId": v, "pin": v}),
        "staff-qr": ("/api/staff/auth/login-qr", lambda v: {"qrToken": v}),
        "driver-qr": ("/api/driver/auth/qr-login", lambda v: {"qrCode": v}),
    }


@allure.story("NoSQL operators")
@pytest.mark.parametrize("operator", OPERATORS, ids=[json.dumps(o) for o in OPERATORS])
def test_operators_in_credentials_never_sign_anyone_in(
    operator: dict[str, Any], shared_cast: Cast, client_config: ClientConfig, db, server_secrets
):
    """`{"$gt": ""}` and friends where an email, password, PIN or token belongs: 400 or 401, no token, and
    nothing written (8.4)."""
    with AnonymousApi(client_config) as anonymous, dbtools.nothing_written(db):
        for name, (path, body) in _sign_ins(shared_cast).items():
            result = anonymous.request("POST", path, json=body(operator), expect=ANY)
            assert_clean(result, server_secrets, f"{name} with {operator}")
            assert result.status in (HTTPStatus.BAD_REQUEST, HTTPStatus.UNAUTHORIZED), (
                f"{name}: {result.status}"
            )
            assert not result.at("token"), f"{name} issued a token"
            assert not result.at("data", "token"), f"{name} issued a token"


@allure.story("NoSQL operators")
def test_an_operator_as_an_email_sends_no_reset_mail(
    anonymous: AnonymousApi, customer: CustomerApi, mail, server_secrets
):
    """`forgot-password` with `{"$gt": ""}` is refused and mails nobody, not even the first user."""
    before = len(mail.mails())
    result = anonymous.request("POST", "/api/auth/forgot-password", json={"email": {"$gt": ""}}, expect=ANY)
    assert_clean(result, server_secrets, "forgot-password with an operator")
    assert result.status == HTTPStatus.BAD_REQUEST
    # Mail goes out after the answer: a genuine request afterwards marks when the first would have arrived.
    anonymous.forgot_password(customer.user.email)
    mail.wait_for_mail(customer.user.email, containing="token=", timeout=10)
    resets = [m for m in mail.mails()[before:] if "reset" in m.subject.lower()]
    assert [m.recipients for m in resets] == [(customer.user.email.lower(),)], "a reset mail went elsewhere"


# --- unicode, RTL and markup are data ---------------------------------------------------------------------


@allure.story("Unicode and markup")
@pytest.mark.parametrize("text", [s for s in STRINGS if 0 < len(s.strip()) <= 500 and "\x00" not in s])
def test_unicode_rtl_and_markup_in_notes_are_stored_verbatim(text: str, customer: CustomerApi, catalog, db):
    """Order notes are data: script tags, traversal, RTL overrides and emoji are stored and returned as sent
    (trimmed), or the order is refused with nothing written."""
    payload = factories.order_payload(catalog[:1], notes=text)
    before = dbtools.snapshot(db)
    result = customer.place_order(payload, expect=ANY)
    assert result.status in (HTTPStatus.CREATED, HTTPStatus.BAD_REQUEST), result.status
    if result.status == HTTPStatus.BAD_REQUEST:
        assert not dbtools.snapshot(db).changed_since(before)
        return
    order_id = str(result.at("order", "_id"))
    assert customer.order(order_id).notes == text.strip()
    stored = dbtools.order_document(db, order_id)
    assert stored is not None
    assert stored.get("notes") == text.strip()


@allure.story("Unicode and markup")
@HYPOTHESIS
@given(name=hostile_text().filter(lambda s: 0 < len(s.strip()) <= 50))
def test_any_name_registers_verbatim_or_is_refused(name: str, anonymous: AnonymousApi, db, server_secrets):
    """A sign-up name of any script is stored exactly (trimmed), or refused cleanly with nothing stored."""
    payload = factories.customer_payload() | {"name": name}
    result = anonymous.register(payload, expect=ANY)
    assert_clean(result, server_secrets, f"sign-up named {name!r}")
    stored = dbtools.user_document(db, payload["email"])
    if result.status != HTTPStatus.CREATED:
        assert result.status == HTTPStatus.BAD_REQUEST, result.status
        assert stored is None
        return
    assert stored is not None
    assert stored["name"] == name.strip()
