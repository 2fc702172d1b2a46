"""Money after cancellations (CANCELLATION.md 7, API.md 7.1): revenue is net of refunds, cancelled orders
earn nothing, and order counts include the cancelled ones.

Figures cover every order in this worker's database; tests in one worker run one at a time, so a test's
own change is the difference between a fresh read before and after it (fresh: past the 60 s cache).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import allure
import pytest

from e2e.cancellation_support import aed, share
from fixtures.api import AdminApi, CustomerApi
from fixtures.models import DashboardFigures, Order, OrderStatus, RefundKind
from fixtures.progress import OrderMover
from staging import dbtools
from staging.policy import load as load_policy

POLICY = load_policy()  # for parametrizing only; the tests themselves read the `policy` fixture (same file)
REVENUE_WINDOW = timedelta(days=30)  # API.md 7.1: dashboard revenue covers the last 30 days

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.destructive,
    allure.epic("Cancellation and refunds"),
    allure.feature("Revenue"),
]


@dataclass(frozen=True)
class Effect:
    """What a flow should change: revenue (AED) and the number of cancelled orders."""

    revenue: Decimal
    cancelled: int


@dataclass
class World:
    customer: CustomerApi
    admin: AdminApi
    order_factory: Callable[..., Order]
    move_order: OrderMover


def cash_delivered(w: World) -> Effect:
    order = w.order_factory(w.customer, payment="cash", quantity=2)
    w.move_order.to(order, OrderStatus.DELIVERED)
    return Effect(aed(order.total_amount), 0)


def delivered_then_partly_refunded(w: World) -> Effect:
    order = w.order_factory(w.customer, paid=True, quantity=3)
    w.move_order.to(order, OrderStatus.DELIVERED)
    part = share(order.total_amount, Decimal(25))
    w.admin.refund(order.id, RefundKind.PARTIAL, "One bag arrived torn", float(part))
    return Effect(aed(order.total_amount) - part, 0)


def paid_then_cancelled(w: World) -> Effect:
    order = w.order_factory(w.customer, paid=True, quantity=2)
    w.customer.cancel(order.id)
    return Effect(Decimal(0), 1)


def approved_with_a_partial_refund(w: World) -> Effect:
    status = POLICY.approval_statuses[-1]
    order = w.move_order.to(w.order_factory(w.customer, paid=True, quantity=2), status)
    request = w.customer.request_cancellation(order.id, "Plans changed")
    w.admin.decide_cancellation(order.id, request.id, "approve")
    return Effect(Decimal(0), 1)


def never_paid_then_cancelled(w: World) -> Effect:
    order = w.order_factory(w.customer, payment="cash", quantity=4)
    w.customer.cancel(order.id)
    return Effect(Decimal(0), 1)


FLOWS = [
    pytest.param(cash_delivered, id="cash-order-delivered"),
    pytest.param(delivered_then_partly_refunded, id="delivered-then-partly-refunded"),
    pytest.param(paid_then_cancelled, id="paid-then-cancelled-by-the-customer"),
    pytest.param(approved_with_a_partial_refund, id="cancellation-approved-with-partial-refund"),
    pytest.param(never_paid_then_cancelled, id="never-paid-then-cancelled"),
]


def figures(admin: AdminApi) -> DashboardFigures:
    return admin.dashboard(fresh=True)


def report_revenue(admin: AdminApi) -> Decimal:
    today = datetime.now(UTC).date()
    report = admin.sales_report(str(today - timedelta(days=1)), str(today + timedelta(days=1)))
    summary = report.at("data", "summary")
    assert isinstance(summary, dict), report.body
    orders, revenue = summary.get("totalOrders") or 0, aed(summary.get("totalRevenue") or 0)
    if orders:
        assert aed(summary.get("averageOrderValue")) == aed(revenue / orders), summary
    return revenue


@allure.story("Net revenue")
@pytest.mark.parametrize("flow", FLOWS)
def test_each_flow_changes_revenue_and_counts_as_the_contract_says(
    flow, customer: CustomerApi, admin: AdminApi, order_factory, move_order
):
    """Delivered: its total, minus refunds. Cancelled: nothing, paid or not, and one more cancelled."""
    before, report_before = figures(admin), report_revenue(admin)

    effect = flow(World(customer, admin, order_factory, move_order))

    after, report_after = figures(admin), report_revenue(admin)
    allure.dynamic.parameter("expected_revenue_change", str(effect.revenue))
    assert aed(after.total_revenue) - aed(before.total_revenue) == effect.revenue
    assert report_after - report_before == effect.revenue, "the sales report agrees with the dashboard"
    assert after.order_stats is not None
    assert before.order_stats is not None
    assert (after.order_stats.cancelled or 0) - (before.order_stats.cancelled or 0) == effect.cancelled


@allure.story("Net revenue")
def test_the_dashboard_revenue_is_what_the_stored_orders_add_up_to(
    customer: CustomerApi, admin: AdminApi, order_factory, move_order, db
):
    """totalRevenue = Σ over the last 30 days' delivered and completed orders of total minus refunds."""
    world = World(customer, admin, order_factory, move_order)
    delivered_then_partly_refunded(world)
    paid_then_cancelled(world)
    expected = dbtools.net_revenue(db, since=datetime.now(UTC) - REVENUE_WINDOW)
    assert aed(figures(admin).total_revenue) == aed(expected)
