"""State rules per role (API.md 5.4, 5.5, 5.7): every move in the transition tables works, every other move is
refused with 400 (or 409) and leaves the order exactly as it was, and terminal orders stay terminal."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

import allure
import pytest
from pymongo.database import Database

from e2e.security.transition_table import (
    ADMIN_TARGETS,
    DRIVER_ACTIONS,
    DRIVER_RESULT,
    STAFF_TARGETS,
    STATUSES,
    TERMINAL,
    staff_may,
)
from fixtures.api import AdminApi, CustomerApi, DriverApi, StaffApi
from fixtures.roles import OrderFactory
from staging import dbtools

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.destructive,
    allure.epic("Security"),
    allure.feature("State rules"),
]

REFUSED = (HTTPStatus.BAD_REQUEST, HTTPStatus.CONFLICT)
ANY = tuple(HTTPStatus)  # attempts take any answer; the table walk judges it and reports them all
# The statusTimestamps field an admin move must set (5.7).
ADMIN_TIMESTAMP = {
    "confirmed": "confirmed",
    "preparing": "preparationStarted",
    "ready": "markedReady",
    "delivered": "delivered",
}


@dataclass
class Stage:
    """Puts fresh orders into a given status with a known assignee (and driver), through the API."""

    customer: CustomerApi
    staff: StaffApi
    admin: AdminApi
    order_factory: OrderFactory
    db: Database

    def order_in(self, status: str, *, delivery: str = "standard", driver: DriverApi | None = None) -> str:
        order_id = self.order_factory(self.customer, delivery=delivery).id
        self.staff.accept(order_id)  # preparing, assigned to `staff`
        if driver is not None:
            self.staff.ready(order_id)
            driver.accept(order_id)
            if status == "out-for-delivery":
                driver.start(order_id)
        current = self.document(order_id)["status"]
        if status != current:
            self.admin.set_order_status(order_id, status)
        assert self.document(order_id)["status"] == status, f"could not put an order into {status}"
        return order_id

    def document(self, order_id: str) -> dict[str, Any]:
        stored = dbtools.order_document(self.db, order_id)
        assert stored is not None, f"order {order_id} is not stored"
        return stored


@pytest.fixture
def stage(customer, staff, admin, order_factory, db) -> Stage:
    return Stage(customer, staff, admin, order_factory, db)


class Findings:
    """Every wrong answer of a table walk, reported together."""

    def __init__(self, title: str) -> None:
        self.title = title
        self.lines: list[str] = []

    def check(self, ok: bool, line: str) -> None:
        if not ok:
            self.lines.append(line)

    def assert_none(self) -> None:
        allure.attach("\n".join(self.lines) or "all moves as the table says", name=self.title)
        assert not self.lines, f"{self.title}:\n" + "\n".join(self.lines)


def refused_and_unchanged(
    findings: Findings, stage: Stage, order_id: str, attempt: Callable[[], Any], what: str
) -> None:
    before = stage.document(order_id)
    result = attempt()
    findings.check(
        result.status in REFUSED, f"{what}: expected 400/409, got {result.status} {result.message}"
    )
    findings.check(stage.document(order_id) == before, f"{what}: the refused move changed the order")


def _variants(source: str) -> list[tuple[str, bool]]:
    """(delivery method, driver assigned) worth telling apart for a source status."""
    if source == "ready":
        return [("pickup", False), ("standard", False), ("standard", True)]
    if source == "out-for-delivery":
        return [("standard", True)]
    return [("standard", False)]


@allure.story("Staff")
@pytest.mark.parametrize("source", STATUSES)
def test_the_assignee_moves_an_order_only_as_the_table_allows(
    source: str, stage: Stage, make_driver: Callable[[], DriverApi]
):
    """From this status the assignee's `PUT status` succeeds for the table's moves and is refused, changing
    nothing, for every other target."""
    findings = Findings(f"staff moves from {source}")
    for delivery, with_driver in _variants(source):
        method = "pickup" if delivery == "pickup" else "delivery"
        order_id = stage.order_in(source, delivery=delivery, driver=make_driver() if with_driver else None)
        legal = [t for t in STAFF_TARGETS if staff_may(source, t, method, with_driver)]
        for target in (t for t in STAFF_TARGETS if t not in legal):
            refused_and_unchanged(
                findings,
                stage,
                order_id,
                lambda t=target, o=order_id: stage.staff.set_status(o, t, expect=ANY),
                f"{source} ({method}, driver: {with_driver}) -> {target}",
            )
        for target in legal:
            fresh = stage.order_in(source, delivery=delivery, driver=make_driver() if with_driver else None)
            moved = stage.staff.set_status(fresh, target, expect=ANY)
            findings.check(moved.status == HTTPStatus.OK, f"{source} -> {target}: refused ({moved.status})")
            findings.check(
                stage.document(fresh)["status"] == target, f"{source} -> {target}: not stored as {target}"
            )
    findings.assert_none()


@allure.story("Staff")
@pytest.mark.parametrize("move", ["ready", "on-hold", "rejected", "start"])
def test_another_staff_member_cannot_move_an_assigned_order(
    move: str, stage: Stage, make_staff: Callable[[], StaffApi]
):
    """Only the assignee moves an assigned order: anyone else gets 403 and the order is unchanged."""
    order_id = stage.order_in("preparing")
    outsider = make_staff()
    before = stage.document(order_id)
    if move == "ready":
        outsider.ready(order_id, expect=HTTPStatus.FORBIDDEN)
    elif move == "start":
        outsider.start(order_id, expect=HTTPStatus.FORBIDDEN)
    else:
        outsider.set_status(order_id, move, expect=HTTPStatus.FORBIDDEN)
    assert stage.document(order_id) == before


@allure.story("Staff")
def test_staff_cannot_cancel_or_set_statuses_outside_their_list(stage: Stage):
    """`cancelled`, `delivered`, `pending`, `confirmed` and unknown statuses are not staff targets (400)."""
    order_id = stage.order_in("preparing")
    findings = Findings("staff targets outside 5.7's list")
    for target in ("cancelled", "delivered", "pending", "confirmed", "shipped", ""):
        refused_and_unchanged(
            findings,
            stage,
            order_id,
            lambda t=target: stage.staff.set_status(order_id, t, expect=ANY),
            f"preparing -> {target!r}",
        )
    findings.assert_none()


@allure.story("Driver")
@pytest.mark.parametrize("source", STATUSES)
def test_driver_actions_follow_the_table(source: str, stage: Stage, make_driver: Callable[[], DriverApi]):
    """accept needs an unassigned ready delivery order, start the driver's own ready order, complete their own
    order out for delivery; otherwise 400/409 and nothing changes."""
    findings = Findings(f"driver actions from {source}")
    driver = make_driver()
    unassigned = stage.order_in(source)
    own = stage.order_in(source, driver=driver)
    attempts = {
        "accept": (unassigned, lambda o: driver.accept(o, expect=ANY)),
        "start": (own, lambda o: driver.start(o, expect=ANY)),
        "complete": (own, lambda o: driver.complete(o, expect=ANY)),
    }
    allowed = [action for action, needed in DRIVER_ACTIONS.items() if needed == source]
    for action, (order_id, attempt) in attempts.items():
        if order_id is None or action in allowed:
            continue
        refused_and_unchanged(
            findings, stage, order_id, lambda a=attempt, o=order_id: a(o), f"{action} on a {source} order"
        )
    for action in allowed:  # accept before start: starting makes the driver busy
        order_id, attempt = attempts[action]
        assert order_id is not None
        result = attempt(order_id)
        findings.check(
            result.status == HTTPStatus.OK, f"{action} on a {source} order: refused ({result.status})"
        )
        findings.check(
            stage.document(order_id)["status"] == DRIVER_RESULT[action], f"{action}: wrong resulting status"
        )
    findings.assert_none()


@allure.story("Admin")
@pytest.mark.parametrize("target", [s for s in ADMIN_TARGETS if s != "cancelled"])
def test_an_admin_moves_an_open_order_to_any_status_and_stamps_it(target: str, stage: Stage):
    """Any non-terminal order may be moved to any status; the move sets its timestamp (5.7). Cancelling
    follows CANCELLATION.md and has its own scenarios."""
    order_id = stage.order_in("preparing")
    stage.admin.set_order_status(order_id, target)
    stored = stage.document(order_id)
    assert stored["status"] == target
    if stamp := ADMIN_TIMESTAMP.get(target):
        assert stored["statusTimestamps"].get(stamp) is not None, f"{target} did not set {stamp}"
    if target == "delivered":
        assert stored.get("actualDeliveryTime") is not None


@allure.story("Admin")
def test_an_admin_move_needs_a_known_status_and_order(stage: Stage):
    """A missing or unknown status is a 400 and changes nothing; an unknown order is a 404."""
    order_id = stage.order_in("preparing")
    findings = Findings("admin status validation")
    for status in ("", "shipped", "PENDING"):
        refused_and_unchanged(
            findings,
            stage,
            order_id,
            lambda s=status: stage.admin.set_order_status(order_id, s, expect=ANY),
            f"admin -> {status!r}",
        )
    findings.assert_none()
    stage.admin.set_order_status("0" * 24, "confirmed", expect=HTTPStatus.NOT_FOUND)


@allure.story("Terminal states")
@pytest.mark.parametrize("terminal", TERMINAL)
def test_a_terminal_order_stays_terminal_for_everyone(
    terminal: str, stage: Stage, make_driver: Callable[[], DriverApi]
):
    """Admin, assignee, driver and customer are all refused (400) on a finished order, which never changes."""
    driver = make_driver() if terminal == "delivered" else None
    order_id = stage.order_in(terminal, driver=driver)
    findings = Findings(f"moves out of {terminal}")
    for status in ADMIN_TARGETS:
        refused_and_unchanged(
            findings,
            stage,
            order_id,
            lambda s=status: stage.admin.set_order_status(order_id, s, expect=ANY),
            f"admin {terminal} -> {status}",
        )
    for target in STAFF_TARGETS:
        refused_and_unchanged(
            findings,
            stage,
            order_id,
            lambda t=target: stage.staff.set_status(order_id, t, expect=ANY),
            f"assignee {terminal} -> {target}",
        )
    refused_and_unchanged(
        findings,
        stage,
        order_id,
        lambda: stage.customer.request("POST", f"/api/orders/{order_id}/cancel", json={}, expect=ANY),
        f"customer cancels a {terminal} order",
    )
    if driver is not None:
        for action in ("start", "complete"):
            refused_and_unchanged(
                findings,
                stage,
                order_id,
                lambda a=action: getattr(driver, a)(order_id, expect=ANY),
                f"driver {action} on {terminal}",
            )
    findings.assert_none()
