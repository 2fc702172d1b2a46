"""Concurrency (API.md 4.2, 5.4, 5.5; CANCELLATION.md 5): of simultaneous accepts exactly one wins, order
numbers stay unique and well formed, and simultaneous refunds never pay back more than was paid.

Each race is run over several orders: one lucky interleaving must not hide a race, and a race that is
only sometimes lost still loses in one of the rounds.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from functools import partial
from http import HTTPStatus
from zoneinfo import ZoneInfo

import allure
import pytest

from fixtures import factories
from fixtures.api import AdminApi, CustomerApi, DriverApi, StaffApi
from fixtures.parallel import at_the_same_moment
from fixtures.roles import CustomerMaker, OrderFactory
from fixtures.wire import same_id
from staging import dbtools
from staging.backend import TIMEZONE

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.destructive,
    allure.epic("Security"),
    allure.feature("Concurrency"),
]

CONTENDERS = 6
ROUNDS = 3
LOSER = (HTTPStatus.CONFLICT, HTTPStatus.BAD_REQUEST)
ANY = tuple(HTTPStatus)
ORDER_NUMBER = re.compile(r"^ALM-(\d{8})-(\d{6})$")


@allure.story("Staff accept")
def test_of_parallel_staff_accepts_exactly_one_wins(
    customer: CustomerApi, make_staff: Callable[[], StaffApi], order_factory: OrderFactory, db
):
    """N staff members accept one order at the same moment: one 200, the rest 409/400; the order names
    the winner, and only the winner has it among their assigned orders."""
    team = [make_staff() for _ in range(CONTENDERS)]
    for round_number in range(ROUNDS):
        order = order_factory(customer)
        with allure.step(f"Round {round_number + 1}: {CONTENDERS} accepts of {order.order_number} at once"):
            answers = at_the_same_moment([lambda s=s, o=order.id: s.accept(o, expect=ANY) for s in team])
        statuses = [a.status for a in answers]
        winners = [s for s, a in zip(team, answers, strict=True) if a.status == HTTPStatus.OK]
        assert len(winners) == 1, f"round {round_number + 1}: {len(winners)} winners, statuses {statuses}"
        assert all(a.status in LOSER for a in answers if a.status != HTTPStatus.OK), statuses
        stored = dbtools.order_document(db, order.id)
        assert stored is not None
        assert same_id(str(stored["assignedStaff"]), winners[0].staff.id), "the order names someone else"
        holders = [s for s in team if order.id in dbtools.assigned_order_ids(db, s.staff.id)]
        assert holders == winners, "a losing staff member also holds the order"


@allure.story("Driver accept")
def test_of_parallel_driver_accepts_exactly_one_wins(
    customer: CustomerApi,
    staff: StaffApi,
    make_driver: Callable[[], DriverApi],
    order_factory: OrderFactory,
    db,
):
    """N available drivers accept one ready order at the same moment: one 200, the rest 409/400, and the
    order's driver is the winner."""
    fleet = [make_driver() for _ in range(CONTENDERS)]
    for round_number in range(ROUNDS):
        order = order_factory(customer)
        staff.accept(order.id)
        staff.ready(order.id)
        with allure.step(
            f"Round {round_number + 1}: {CONTENDERS} drivers accept {order.order_number} at once"
        ):
            answers = at_the_same_moment([lambda d=d, o=order.id: d.accept(o, expect=ANY) for d in fleet])
        statuses = [a.status for a in answers]
        winners = [d for d, a in zip(fleet, answers, strict=True) if a.status == HTTPStatus.OK]
        assert len(winners) == 1, f"round {round_number + 1}: {len(winners)} winners, statuses {statuses}"
        assert all(a.status in LOSER for a in answers if a.status != HTTPStatus.OK), statuses
        stored = dbtools.order_document(db, order.id)
        assert stored is not None
        assert same_id(str(stored["assignedDriver"]), winners[0].driver.id), "the order names someone else"
        assert stored["status"] == "ready", "a driver's accept assigns but does not move the order"


@allure.story("Order numbers")
def test_parallel_orders_get_unique_well_formed_numbers(make_customer: CustomerMaker, catalog, db):
    """Orders placed at the same moment by different customers all succeed with unique numbers of today."""
    buyers = [make_customer() for _ in range(4)]
    calls = [
        lambda b=b: b.place_order(factories.order_payload(catalog[:1]), expect=ANY)
        for b in buyers
        for _ in range(3)
    ]
    answers = at_the_same_moment(calls)
    assert [a.status for a in answers] == [HTTPStatus.CREATED] * len(calls)
    numbers = [a.at("order", "orderNumber") for a in answers]
    today = datetime.now(ZoneInfo(TIMEZONE)).strftime("%Y%m%d")
    for number in numbers:
        match = ORDER_NUMBER.match(number or "")
        assert match, f"malformed order number {number!r}"
        assert match.group(1) == today
    assert len(set(numbers)) == len(numbers), f"duplicate order numbers: {sorted(numbers)}"
    stored = {o["orderNumber"] for b in buyers for o in dbtools.orders_of_user(db, b.user.id)}
    assert stored == set(numbers), "the stored orders carry other numbers than the answers"


@allure.story("Refunds")
def test_parallel_refunds_never_pay_back_more_than_was_paid(
    customer: CustomerApi, admin: AdminApi, order_factory: OrderFactory, db
):
    """Partial refunds of 40 % fired at once on a paid order: at most two succeed, the refunded total never
    exceeds the amount paid, and the stored refund records add up to what the order says."""
    for round_number in range(ROUNDS):
        order = order_factory(customer, quantity=2)
        admin.set_payment(order.id, "paid")
        paid = Decimal(str(order.total_amount))
        part = (paid * Decimal("0.4")).quantize(Decimal("0.01"))
        refund = partial(admin.refund, order.id, "partial", "requested_by_customer", float(part), expect=ANY)
        with allure.step(f"Round {round_number + 1}: {CONTENDERS} refunds of {part} AED of {paid} at once"):
            answers = at_the_same_moment([refund] * CONTENDERS)
        statuses = [a.status for a in answers]
        granted = [a for a in answers if a.status == HTTPStatus.CREATED]
        assert all(a.status == HTTPStatus.BAD_REQUEST for a in answers if a not in granted), statuses
        assert len(granted) <= int(paid // part), f"round {round_number + 1}: {len(granted)} refunds granted"
        status = admin.refund_status(order.id)
        refunded = Decimal(str(status.refunded_total)).quantize(Decimal("0.01"))
        assert refunded == part * len(granted), f"refunded {refunded}, granted {len(granted)} x {part}"
        assert refunded <= paid, f"refunded {refunded} of {paid} paid"
        assert Decimal(str(status.remaining)).quantize(Decimal("0.01")) == paid - refunded
