"""The mails customers get (API.md 9.5): on order creation and when an admin changes the status."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.background import BackgroundTask

from staging.reference.db import Doc
from staging.reference.mailer import Mailer


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    body: str


def _lines(order: Doc) -> str:
    items = "\n".join(
        f"  {item.get('quantity')} x {item.get('name')} ({item.get('selectedSize')}): "
        f"{item.get('subtotal'):.2f} {order.get('currency', 'AED')}"
        for item in order.get("items") or []
    )
    return f"{items}\nTotal: {order.get('totalAmount', 0):.2f} {order.get('currency', 'AED')}"


def order_confirmation(customer: Doc | None, order: Doc) -> Mail | None:
    if not customer or not customer.get("email"):
        return None
    body = (
        f"Hello {customer.get('name', '')},\n\n"
        f"Thank you for your order {order['orderNumber']}.\n\n{_lines(order)}\n\n"
        "We will let you know when it is on its way.\nAl Marya Rostery"
    )
    return Mail(str(customer["email"]), f"Order Confirmation - {order['orderNumber']}", body)


def status_changed(customer: Doc | None, order: Doc) -> Mail | None:
    if not customer or not customer.get("email"):
        return None
    body = (
        f"Hello {customer.get('name', '')},\n\n"
        f"Your order {order['orderNumber']} is now {order['status']}.\n\nAl Marya Rostery"
    )
    return Mail(str(customer["email"]), f"Order {order['orderNumber']} - {order['status']}", body)


def password_reset(user: Doc, link: str) -> Mail:
    body = (
        f"Hello {user.get('name', '')},\n\n"
        f"Someone asked to reset the password of this account. To choose a new one, open:\n{link}\n\n"
        "The link works for one hour. If it was not you, ignore this mail.\nAl Marya Rostery"
    )
    return Mail(str(user["email"]), "Reset your password", body)


def send_later(mailer: Mailer, mail: Mail | None) -> BackgroundTask | None:
    """A task that sends after the response is out, so mail never slows or fails a request."""
    if mail is None:
        return None
    return BackgroundTask(mailer.send_mail, mail.to, mail.subject, mail.body)
