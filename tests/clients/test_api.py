"""Role APIs: one contract call per method, the `expect=` policy, wire normalisation and parsing."""

import json
from http import HTTPStatus

import httpx
import pytest

from fixtures.api import AdminApi, AnonymousApi, ApiResult, CustomerApi, DriverApi, StaffApi
from fixtures.errors import ContractViolation, UnexpectedStatus
from fixtures.models import (
    AuthSession,
    DriverSession,
    Order,
    OrderStatus,
    PaymentStatus,
    StaffSession,
    parse_model,
)

OID = "65f1c2d3e4f5a6b7c8d9e0f1"
OTHER = "65f1c2d3e4f5a6b7c8d9e0f2"
USER = {"id": OTHER, "name": "Fatima Al Shamsi", "email": "fatima@example.com", "roles": ["customer"]}
ORDER = {"_id": OID, "orderNumber": "ALM-20250301-000001", "status": "pending", "paymentStatus": "pending"}


def session(token: str = "customer-token") -> AuthSession:  # noqa: S107 - a fake token for a fake backend
    return parse_model(AuthSession, {"token": token, "refreshToken": "refresh", "user": USER})


@pytest.fixture
def customer(config):
    with CustomerApi(config, session()) as api:
        yield api


def test_success_returns_the_model_and_sends_the_bearer_token(backend, customer):
    """Without `expect`, the contract's status is required and the body is parsed."""
    backend.on("GET", f"/api/orders/{OID}", json={"success": True, "data": ORDER})

    order = customer.order(OID)

    assert isinstance(order, Order)
    assert order.status is OrderStatus.PENDING
    assert backend.last.headers["Authorization"] == "Bearer customer-token"


def test_order_creation_unwraps_doc(backend, customer):
    """`order._doc` of the create answer (wire note, 4.1) reads as the order."""
    backend.on(
        "POST", "/api/orders", HTTPStatus.CREATED,
        json={"success": True, "message": "Order created successfully", "order": {"$__": {}, "_doc": ORDER}},
    )  # fmt: skip

    order = customer.place_order({"items": []})

    assert order.order_number == "ALM-20250301-000001"
    assert json.loads(backend.last.content) == {"items": []}


def test_an_empty_order_list_has_no_orders_key(backend, customer):
    """`data` without `orders` (wire note, 4.4) is an empty page, and filters go out in camelCase."""
    backend.on("GET", "/api/orders", json={"success": True, "data": {"pagination": {"totalOrders": 0}}})

    page = customer.orders(payment_status="pending", sort_by="createdAt", page=None)

    assert page.orders == []
    assert dict(backend.last.url.params) == {"paymentStatus": "pending", "sortBy": "createdAt"}


def test_another_2xx_than_the_contracts_is_unexpected(backend, config):
    """Register promises 201; a 200 is reported, not accepted."""
    backend.on("POST", "/api/auth/register", json={"success": True, "data": {}})

    with pytest.raises(UnexpectedStatus) as caught:
        AnonymousApi(config).register({"name": "Ali"})

    assert (caught.value.expected, caught.value.actual) == ((HTTPStatus.CREATED,), HTTPStatus.OK)


def test_an_error_status_without_expect_names_the_call_and_masks_the_body(backend, config):
    """The error tells method, path, both statuses and the server's message, with secrets masked."""
    body = {"success": False, "message": "Invalid credentials", "echo": {"password": "Passw0rd!"}}
    backend.on("POST", "/api/auth/login", HTTPStatus.UNAUTHORIZED, json=body)

    with pytest.raises(UnexpectedStatus) as caught:
        AnonymousApi(config).login("ali@example.com", "Passw0rd!")

    error = caught.value
    assert (error.method, error.path, error.actual) == ("POST", "/api/auth/login", HTTPStatus.UNAUTHORIZED)
    assert error.message == "Invalid credentials"
    assert error.body["echo"]["password"] == "***"
    assert "Passw0rd!" not in str(error)
    assert not error.route_missing


def test_expected_status_returns_the_result_for_assertions(backend, customer):
    """A negative call states its status and gets status, message and normalised body back."""
    backend.on(
        "GET", f"/api/orders/{OID}", HTTPStatus.FORBIDDEN, json={"success": False, "message": "Not yours"}
    )

    result = customer.order(OID, expect=HTTPStatus.FORBIDDEN)

    assert isinstance(result, ApiResult)
    assert result.status == HTTPStatus.FORBIDDEN
    assert result.message == "Not yours"
    assert result.at("success") is False


def test_any_of_several_expected_statuses_is_accepted(backend, config):
    """A tuple allows each of the contract's alternatives, e.g. 400 or 409."""
    backend.on("POST", f"/api/staff/orders/{OID}/accept", HTTPStatus.CONFLICT, json={"message": "Taken"})
    staff_session = parse_model(StaffSession, {"token": "staff-token", "staff": {"id": OTHER}})

    with StaffApi(config, staff_session) as staff:
        result = staff.accept(OID, expect=(HTTPStatus.BAD_REQUEST, HTTPStatus.CONFLICT))

    assert result.status == HTTPStatus.CONFLICT


def test_a_status_outside_expect_is_unexpected_even_a_success(backend, customer):
    """Expecting 403 and getting 200 is a failure: the guard let the call through."""
    backend.on("GET", f"/api/orders/{OID}", json={"success": True, "data": ORDER})

    with pytest.raises(UnexpectedStatus) as caught:
        customer.order(OID, expect=HTTPStatus.FORBIDDEN)

    assert (caught.value.expected, caught.value.actual) == ((HTTPStatus.FORBIDDEN,), HTTPStatus.OK)


def test_expect_success_returns_a_result_that_can_still_be_parsed(backend, config):
    """A race (`expect=(OK, CONFLICT)`) reads the winner's order from the result."""
    backend.on("POST", f"/api/driver/orders/{OID}/accept", json={"success": True, "order": ORDER})
    driver_session = parse_model(DriverSession, {"token": "driver-token", "driver": {"_id": OTHER}})

    with DriverApi(config, driver_session) as driver:
        result = driver.accept(OID, expect=(HTTPStatus.OK, HTTPStatus.CONFLICT))

    assert result.parse(Order, "order").id == OID


def test_a_404_from_an_unknown_route_is_recognisable(customer):
    """An endpoint the backend has not shipped keeps method and path for "Feature not deployed"."""
    with pytest.raises(UnexpectedStatus) as caught:
        customer.order(OID)

    error = caught.value
    assert error.route_missing
    assert (error.method, error.path) == ("GET", f"/api/orders/{OID}")


def test_a_404_for_a_missing_record_is_not_a_missing_route(backend, customer):
    """ "Order not found" is a product answer, not an undeployed feature."""
    backend.on(
        "GET",
        f"/api/orders/{OID}",
        HTTPStatus.NOT_FOUND,
        json={"success": False, "message": "Order not found"},
    )

    with pytest.raises(UnexpectedStatus) as caught:
        customer.order(OID)

    assert not caught.value.route_missing


def test_a_success_body_that_does_not_fit_is_a_contract_violation(backend, customer):
    """A 2xx with a wrong type names the offending field, prefixed by where the model sits."""
    backend.on("GET", f"/api/orders/{OID}", json={"success": True, "data": ORDER | {"status": "shipped"}})

    with pytest.raises(ContractViolation) as caught:
        customer.order(OID)

    assert caught.value.field == "data.status"


def test_a_missing_envelope_key_is_a_contract_violation(backend, customer):
    """`{success:true}` without `data` cannot be an order."""
    backend.on("GET", f"/api/orders/{OID}", json={"success": True})

    with pytest.raises(ContractViolation) as caught:
        customer.order(OID)

    assert (caught.value.field, caught.value.problem) == ("data", "missing")


def test_a_non_json_success_is_a_contract_violation(backend, customer):
    """An HTML page where JSON was promised is reported, not crashed on."""
    backend.on("GET", f"/api/orders/{OID}", answer=lambda _: httpx.Response(200, text="<html>"))

    with pytest.raises(ContractViolation):
        customer.order(OID)


def test_raw_requests_send_exact_bytes_and_override_headers(backend, config):
    """Robustness tests send signed raw bodies and forged tokens; any 2xx passes without `expect`."""
    backend.on("POST", "/api/payment/webhook", json={"received": True})
    raw = b'{"id":"evt_1","type":"payment_intent.succeeded"}'

    result = AnonymousApi(config).request(
        "POST", "/api/payment/webhook", content=raw,
        headers={"stripe-signature": "t=1,v1=abc", "Authorization": "Bearer forged"},
    )  # fmt: skip

    assert result.status == HTTPStatus.OK
    assert backend.last.content == raw
    assert backend.last.headers["Authorization"] == "Bearer forged"


def test_raw_request_without_expect_refuses_an_error_status(config):
    """A raw call that fails without saying so is reported as "expected a 2xx"."""
    with pytest.raises(UnexpectedStatus, match="expected a 2xx, got 404"):
        AnonymousApi(config).request("GET", "/api/nowhere")


def test_staff_lists_and_driver_lists_read_orders(backend, config):
    """`{success, count, orders}` becomes a list; an empty list arrives without `orders`."""
    item = {"$__": {}, "_doc": {"coffee": OTHER, "name": "Kenya AA", "quantity": 1}}
    backend.on(
        "GET",
        "/api/staff/orders",
        json={"success": True, "count": 1, "orders": [ORDER | {"items": [item], "isAssignedToMe": False}]},
    )
    backend.on("GET", "/api/driver/orders/available", json={"success": True, "count": 0})
    staff_session = parse_model(StaffSession, {"token": "s", "staff": {"id": OTHER}})
    driver_session = parse_model(DriverSession, {"token": "d", "driver": {"_id": OTHER}})

    with StaffApi(config, staff_session) as staff, DriverApi(config, driver_session) as driver:
        queue = staff.queue(status="pending")
        available = driver.available()

    assert [order.items[0].name for order in queue] == ["Kenya AA"]
    assert available == []


def test_admin_creates_staff_and_gets_credentials(backend, config):
    """201 `{staff, credentials}` becomes a (Staff, StaffCredentials) pair."""
    backend.on(
        "POST", "/api/admin/staff/create", HTTPStatus.CREATED,
        json={"success": True, "staff": {"id": OID, "employeeId": "BAR001", "role": "barista"},
              "credentials": {"employeeId": "BAR001", "defaultPin": "4821"}},
    )  # fmt: skip

    with AdminApi(config, session("admin-token")) as admin:
        staff, credentials = admin.create_staff({"name": "Omar", "pin": "4821"})

    assert (staff.employee_id, credentials.default_pin) == ("BAR001", "4821")


def test_admin_status_change_reads_the_order_under_data(backend, config):
    """`PUT /api/admin/orders/:id/status` answers `{success, message, data: order}`."""
    backend.on(
        "PUT", f"/api/admin/orders/{OID}/status",
        json={"success": True, "message": "Updated",
              "data": ORDER | {"status": "confirmed", "paymentStatus": "paid"}},
    )  # fmt: skip

    with AdminApi(config, session("admin-token")) as admin:
        order = admin.set_order_status(OID, OrderStatus.CONFIRMED, notes="Paid at the counter")

    assert (order.status, order.payment_status) == (OrderStatus.CONFIRMED, PaymentStatus.PAID)
    assert json.loads(backend.last.content) == {"status": "confirmed", "notes": "Paid at the counter"}


def test_fresh_catalog_reads_bypass_the_url_cache(backend, config):
    """`fresh=True` adds a query string never used before (wire note, 3)."""
    backend.on("GET", "/api/coffees", json={"success": True, "data": [], "pagination": {"page": 1}})
    anonymous = AnonymousApi(config)

    anonymous.coffees(fresh=True)
    first = backend.last.url.params["_fresh"]
    anonymous.coffees(fresh=True)

    assert backend.last.url.params["_fresh"] != first
