"""Mail to customers (API.md 9.5): through SMTP when configured, otherwise only logged."""

from __future__ import annotations

import dataclasses
import email
from collections.abc import Iterator
from http import HTTPStatus
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller

from staging.reference.app import create_app
from staging.reference.mailer import Mailer

from .support import CUSTOMER_PASSWORD, bearer, free_port, live_server, order_body, unique_email, wait_until


class Inbox:
    """An aiosmtpd handler that keeps every message it receives."""

    def __init__(self) -> None:
        self.messages: list[email.message.Message] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's hook name
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 OK"


@pytest.fixture
def smtp_sink() -> Iterator[tuple[int, Inbox]]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, inbox
    finally:
        controller.stop()


def test_without_smtp_host_mail_is_only_logged(backend):
    """No SMTP_HOST: send_mail reports that nothing was sent and raises nothing."""
    assert Mailer(backend.settings).send_mail("someone@example.com", "Hello", "Body") is False


def test_order_creation_mails_the_customer(backend, seed_coffee, smtp_sink):
    """With SMTP configured, creating an order sends a confirmation naming the order number."""
    port, inbox = smtp_sink
    settings = dataclasses.replace(backend.settings, smtp_host="127.0.0.1", smtp_port=port)
    with live_server(create_app(settings)) as base_url, httpx.Client(base_url=base_url, timeout=30) as api:
        address = unique_email("mail")
        registered = api.post(
            "/api/auth/register", json={"name": "Mail Test", "email": address, "password": CUSTOMER_PASSWORD}
        )
        token = registered.json()["data"]["token"]
        created = api.post("/api/orders", json=order_body(seed_coffee()), headers=bearer(token))
        assert created.status_code == HTTPStatus.CREATED, created.text
        number = created.json()["order"]["_doc"]["orderNumber"]
        wait_until(
            lambda: any(message["To"] == address for message in inbox.messages), 10, "confirmation mail"
        )
    mail = next(message for message in inbox.messages if message["To"] == address)
    assert number in mail["Subject"]
