"""Checks shared by the cancellation and refund scenarios (CANCELLATION.md): queues, mail, money.

Money is compared as `Decimal` AED with two decimals, never as floats; percentages come from the policy.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from decimal import ROUND_HALF_UP, Decimal
from http import HTTPStatus
from typing import Any, TypeVar

import allure

from fixtures.api import CustomerApi, DriverApi, StaffApi
from fixtures.models import Order
from staging.fakes.smtp import CapturedMail, SmtpSink
from staging.fakes.stripe import StripeFake

T = TypeVar("T")
CENT = Decimal("0.01")
REFUSED = (HTTPStatus.FORBIDDEN, HTTPStatus.NOT_FOUND)  # "another customer: 403 (or 404)"
NOT_THEIRS = (HTTPStatus.UNAUTHORIZED, HTTPStatus.FORBIDDEN)  # staff and driver tokens


def aed(value: Any) -> Decimal:
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


def share(total: Any, percent: Decimal) -> Decimal:
    """``percent`` of ``total``, rounded half up to a fil."""
    return (aed(total) * percent / 100).quantize(CENT, rounding=ROUND_HALF_UP)


def fils(value: Any) -> str:
    """An AED amount as Stripe's form carries it: whole fils, as a string."""
    return str(int(aed(value) * 100))


def ids(orders: list[Order]) -> set[str]:
    return {order.id for order in orders}


def assert_out_of_the_queues(order: Order, staff: StaffApi, driver: DriverApi) -> None:
    """CANCELLATION.md 3: a cancelled order leaves the staff queue and the drivers' list; moves get 400."""
    with allure.step(f"Order {order.order_number} is out of every working queue"):
        assert order.id not in ids(staff.queue()), "a cancelled order must leave the staff queue"
        assert order.id not in ids(staff.queue("pending")), "and the orders waiting to be accepted"
        assert order.id not in ids(driver.available()), "a cancelled order is not offered to drivers"
        staff.accept(order.id, expect=HTTPStatus.BAD_REQUEST)
        driver.accept(order.id, expect=HTTPStatus.BAD_REQUEST)


def mail_about(
    mail: SmtpSink, customer: CustomerApi, order: Order, *words: str, poll: Callable[..., Any]
) -> CapturedMail:
    """The first mail to the customer naming the order and every one of ``words`` (sent asynchronously)."""
    wanted = (order.order_number or order.id, *words)

    def found() -> CapturedMail | None:
        return next(
            (m for m in mail.mails(customer.user.email) if all(m.mentions(word) for word in wanted)), None
        )

    with allure.step(f"The customer gets a mail about {' '.join(wanted)}"):
        return poll(found, description=f"a mail to the customer mentioning {wanted}")


def mails_about(mail: SmtpSink, customer: CustomerApi, order: Order, *words: str) -> list[CapturedMail]:
    """Every mail the customer has got so far that names the order and all of ``words``."""
    wanted = (order.order_number or order.id, *words)
    return [m for m in mail.mails(customer.user.email) if all(m.mentions(word) for word in wanted)]


def stripe_refunds(stripe: StripeFake, order: Order) -> list[dict[str, Any]]:
    """The refunds the backend created at Stripe for this order's payment (successful calls only)."""
    assert order.transaction_id, f"order {order.id} has no payment intent on record"
    return [call.params for call in stripe.refunds_for(order.transaction_id)]


def at_once(title: str, calls: Sequence[Callable[[], T]]) -> list[T]:
    """Run ``calls`` at the same moment, one thread each; their answers in order.

    Inside an Allure step: threads start from the caller's innermost open step (allure-python's thread
    context), so their own steps and attachments land in the report under it.
    """
    with allure.step(title), ThreadPoolExecutor(len(calls)) as pool:
        futures = [pool.submit(call) for call in calls]
        return [future.result() for future in futures]
