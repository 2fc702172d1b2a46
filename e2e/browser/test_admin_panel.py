"""The admin web panel in a real browser: sign-in, orders, status changes, the dashboard (API.md 7.3).

Each test drives the panel through its screen (roles, labels, texts) and then checks what the API and
the database say: what the panel shows after an action is what the API then returns.
"""

from __future__ import annotations

from http import HTTPStatus

import allure
import pytest
from playwright.sync_api import expect

from fixtures.api import AdminApi, AnonymousApi, CustomerApi, DriverApi, StaffApi
from fixtures.browser import LoopbackOnly
from fixtures.models import OrderStatus
from fixtures.panel import Panel
from staging import dbtools
from staging.stack import Stack

pytestmark = [
    pytest.mark.browser,
    pytest.mark.e2e,
    pytest.mark.destructive,
    allure.epic("Admin panel"),
]

HOSTED_API = "https://almaryarostary.onrender.com"
CHART_JS = "https://cdn.jsdelivr.net/npm/chart.js"


def aed(amount: float | None) -> str:
    """Money as the panel writes it: the API's amount with its two decimals."""
    assert amount is not None, "the API returned no amount"
    return f"AED {amount:.2f}"


@allure.feature("Sign-in")
def test_a_wrong_password_shows_the_apis_error_and_signs_nobody_in(
    panel: Panel, stack: Stack, anonymous: AnonymousApi
):
    """The API's 401 message is shown on the login form; no token is stored, no section opens."""
    wrong = stack.admin.password + "-wrong"
    refusal = anonymous.admin_login(stack.admin.email, wrong, expect=HTTPStatus.UNAUTHORIZED)
    assert refusal.message

    panel.sign_in(stack.admin.email, wrong)

    expect(panel.error).to_have_text(refusal.message)
    expect(panel.page.get_by_role("heading", name="Sign in", level=1)).to_be_visible()
    expect(panel.page.get_by_role("navigation", name="Main")).to_be_hidden()
    assert panel.page.evaluate("localStorage.getItem('adminToken')") is None


@allure.feature("Sign-in")
def test_signing_in_keeps_the_admins_token_in_local_storage(
    signed_in_panel: Panel, stack: Stack, anonymous: AnonymousApi, blocked_requests: LoopbackOnly
):
    """``localStorage.adminToken`` is a working admin token; the CDN chart script is blocked, not needed."""
    token = signed_in_panel.page.evaluate("localStorage.getItem('adminToken')")
    assert token, "no adminToken in localStorage after signing in"

    me = anonymous.request("GET", "/api/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert me.at("data", "user", "email") == stack.admin.email
    assert "admin" in me.at("data", "user", "roles")
    assert CHART_JS in blocked_requests.blocked, "the panel did not load Chart.js from its CDN"
    expect(signed_in_panel.page.get_by_text("The chart library is unavailable")).to_be_visible()


@allure.feature("Sign-in")
def test_opened_at_127_0_0_1_the_panel_calls_the_hosted_backend(
    panel: Panel, panel_url: str, stack: Stack, blocked_requests: LoopbackOnly
):
    """Wire (API.md 7.3): only at ``localhost`` does the panel use its own server; here the login goes out."""
    panel.open(panel_url.replace("localhost", "127.0.0.1") + "/admin")
    panel.sign_in(stack.admin.email, stack.admin.password)

    expect(panel.error).to_contain_text(f"Cannot reach the server at {HOSTED_API}")
    assert f"{HOSTED_API}/api/auth/admin-login" in blocked_requests.blocked
    assert panel.page.evaluate("localStorage.getItem('adminToken')") is None


@allure.feature("Orders")
def test_an_order_placed_through_the_api_is_listed_with_its_number_and_total(
    signed_in_panel: Panel, customer: CustomerApi, order_factory
):
    """The orders page finds the new order by its number and shows its total and status; filters apply."""
    order = order_factory(customer, quantity=2)
    assert order.order_number

    signed_in_panel.find_orders(search=order.order_number)
    row = signed_in_panel.row("Orders", order.order_number)
    expect(row).to_have_count(1)
    expect(row).to_contain_text(aed(order.total_amount))
    expect(row).to_contain_text("pending")

    signed_in_panel.find_orders(search=order.order_number, status="delivered")
    expect(row).to_have_count(0)
    expect(signed_in_panel.page.get_by_text("No orders match these filters.")).to_be_visible()

    signed_in_panel.find_orders(search=order.order_number, status="pending")
    expect(row).to_have_count(1)


@allure.feature("Orders")
@pytest.mark.parametrize(
    ("status", "stamp"),
    [
        pytest.param("confirmed", "confirmed", id="confirmed"),
        pytest.param("delivered", "delivered", id="delivered"),
    ],
)
def test_a_status_change_in_the_panel_is_what_the_api_then_returns(
    signed_in_panel: Panel, admin: AdminApi, customer: CustomerApi, order_factory, db, status: str, stamp: str
):
    """The drop-down sends the status; the panel, the admin API, the customer and MongoDB all agree."""
    order = order_factory(customer)
    signed_in_panel.open_order(order.order_number)
    assert signed_in_panel.value("Status", within="Details") == "pending"

    signed_in_panel.set_status(status)

    expect(signed_in_panel.notice).to_contain_text(f"Order {order.order_number} is now {status}")
    assert signed_in_panel.value("Status", within="Details") == status
    changed = admin.order(order.id)
    assert changed.status is OrderStatus(status)
    assert getattr(changed.status_timestamps, stamp) is not None, f"statusTimestamps.{stamp} not set"
    assert customer.order(order.id).status is OrderStatus(status)
    stored = dbtools.order_document(db, order.id)
    assert stored is not None
    assert stored["status"] == status


@allure.feature("Orders")
def test_the_panel_shows_the_apis_refusal_to_change_a_delivered_order(
    signed_in_panel: Panel, admin: AdminApi, customer: CustomerApi, order_factory, db
):
    """A terminal order: the API's 400 message is shown, and the order stays delivered."""
    order = order_factory(customer)
    admin.set_order_status(order.id, "delivered")
    refusal = admin.set_order_status(order.id, "pending", expect=HTTPStatus.BAD_REQUEST)
    signed_in_panel.open_order(order.order_number)

    with dbtools.nothing_written(db):
        signed_in_panel.set_status("pending")
        expect(signed_in_panel.error).to_have_text(refusal.message or "")

    assert refusal.message, "the API's refusal carries no message"
    assert signed_in_panel.value("Status", within="Details") == "delivered"
    assert admin.order(order.id).status is OrderStatus.DELIVERED


@allure.feature("Dashboard")
def test_the_dashboards_figures_are_the_apis(
    signed_in_panel: Panel, admin: AdminApi, customer: CustomerApi, order_factory
):
    """Every figure on the dashboard equals the API's, with a delivered order so revenue is not zero."""
    delivered = order_factory(customer, quantity=3)
    admin.set_order_status(delivered.id, "delivered")
    newest = order_factory(customer)

    signed_in_panel.show("Dashboard")
    figures = admin.dashboard(fresh=True)

    assert figures.total_revenue, "the delivered order should make the revenue non-zero"
    shown = {
        "Total orders": str(figures.total_orders),
        "Total revenue": aed(figures.total_revenue),
        "Today's orders": str(figures.today_orders),
        "Today's revenue": aed(figures.today_revenue),
        "Users": str(figures.total_users),
        "Products": str(figures.total_products),
        "Growth": f"{figures.growth_rate or 0:g}%",
    }
    assert {label: signed_in_panel.value(label) for label in shown} == shown
    assert figures.order_stats is not None
    counts = figures.order_stats.model_dump()
    assert {status: signed_in_panel.value(status, within="Orders by status") for status in counts} == {
        status: str(count) for status, count in counts.items()
    }
    recent = signed_in_panel.page.get_by_role("region", name="Recent orders")
    expect(recent.get_by_role("row").nth(1)).to_contain_text(newest.order_number or "")


@allure.feature("Staff and drivers")
def test_people_hired_through_the_api_are_listed_at_once(
    signed_in_panel: Panel, staff: StaffApi, driver: DriverApi
):
    """A new staff member and a new driver are on their pages, each found by their own ID (API.md 7.2)."""
    member, courier = staff.staff, driver.driver
    assert member.employee_id
    assert courier.driver_id

    signed_in_panel.show("Staff")
    expect(signed_in_panel.row("Staff", member.employee_id)).to_contain_text(member.name or "")
    signed_in_panel.show("Drivers")
    row = signed_in_panel.row("Drivers", courier.driver_id)
    expect(row).to_contain_text(courier.name or "")
    expect(row).to_contain_text("available")
