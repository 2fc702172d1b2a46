"""The mails of CANCELLATION.md and API.md 6.3: cancellation, a denied request, a refund, a payment."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.background import BackgroundTasks

from staging.reference.db import Doc
from staging.reference.mailer import Mailer
from staging.reference.money import to_aed
from staging.reference.notifications import Mail

_SIGNATURE = "\n\nAl Marya Rostery"


def _to(customer: Mapping[str, Any] | None) -> str | None:
    email = (customer or {}).get("email")
    return str(email) if email else None


def _hello(customer: Mapping[str, Any] | None) -> str:
    return f"Hello {(customer or {}).get('name', '')},\n\n"


def _refund_line(refund: Mapping[str, Any] | None) -> str:
    if not refund:
        return "Nothing was charged, so there is nothing to refund."
    amount = to_aed(int(refund.get("amountFils") or 0))
    if refund.get("status") == "completed":
        return f"A refund of {amount:.2f} AED is on its way to you."
    if refund.get("status") == "failed":
        return f"Your refund of {amount:.2f} AED could not be processed yet; our team will retry it."
    return f"A refund of {amount:.2f} AED is being processed."


def order_cancelled(customer: Doc | None, order: Doc, refund: Doc | None) -> Mail | None:
    to = _to(customer)
    if to is None:
        return None
    number = order["orderNumber"]
    reason = (order.get("cancellation") or {}).get("reason") or "Cancelled"
    body = f"{_hello(customer)}Your order {number} has been cancelled ({reason}).\n{_refund_line(refund)}"
    return Mail(to, f"Order {number} cancelled", body + _SIGNATURE)


def cancellation_denied(customer: Doc | None, order: Doc, notes: str | None) -> Mail | None:
    to = _to(customer)
    if to is None:
        return None
    number = order["orderNumber"]
    why = f"\nNote from our team: {notes}" if notes else ""
    body = (
        f"{_hello(customer)}Your request to cancel order {number} was declined; it goes on as planned.{why}"
    )
    return Mail(to, f"Cancellation request for order {number} declined", body + _SIGNATURE)


def refund_issued(customer: Doc | None, order: Doc, refund: Doc) -> Mail | None:
    to = _to(customer)
    if to is None or refund.get("status") != "completed":
        return None
    number = order["orderNumber"]
    amount = to_aed(int(refund.get("amountFils") or 0))
    kind = "as store credit" if refund.get("type") == "store_credit" else "to your original payment method"
    body = f"{_hello(customer)}We refunded {amount:.2f} AED for order {number} {kind}."
    return Mail(to, f"Refund for order {number}", body + _SIGNATURE)


def payment_received(customer: Doc | None, order: Doc) -> Mail | None:
    to = _to(customer)
    if to is None:
        return None
    number = order["orderNumber"]
    total = float(order.get("totalAmount") or 0)
    body = f"{_hello(customer)}We received your payment of {total:.2f} AED for order {number}."
    return Mail(to, f"Payment received for order {number}", body + _SIGNATURE)


def send_all_later(mailer: Mailer, *mails: Mail | None) -> BackgroundTasks | None:
    """Background tasks sending each mail after the response is out (mail never fails a request)."""
    wanted = [mail for mail in mails if mail is not None]
    if not wanted:
        return None
    tasks = BackgroundTasks()
    for mail in wanted:
        tasks.add_task(mailer.send_mail, mail.to, mail.subject, mail.body)
    return tasks
