"""A small Stripe API client: form-encoded requests as the Stripe SDK sends them, with a timeout.

``STRIPE_API_BASE`` points it at the suite's Stripe fake (the Node backend is redirected with a preload
module instead, API.md 9.5); without it, it talks to api.stripe.com.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import TracebackType
from typing import Any

import httpx

from staging.reference.settings import Settings

STRIPE_API_BASE = "https://api.stripe.com"
STRIPE_TIMEOUT_SECONDS = 10.0
STRIPE_API_VERSION = "2024-06-20"


class StripeError(Exception):
    """Stripe refused the call or could not be reached; the message is Stripe's own where it gave one."""


def form_fields(params: Mapping[str, Any], prefix: str = "") -> list[tuple[str, str]]:
    """Nested parameters in Stripe's form notation: ``{"metadata": {"id": x}}`` → ``metadata[id]``."""
    fields: list[tuple[str, str]] = []
    for key, value in params.items():
        name = f"{prefix}[{key}]" if prefix else str(key)
        if value is None:
            continue
        if isinstance(value, Mapping):
            fields.extend(form_fields(value, name))
        elif isinstance(value, bool):
            fields.append((name, "true" if value else "false"))
        else:
            fields.append((name, str(value)))
    return fields


class StripeClient:
    def __init__(self, settings: Settings) -> None:
        self._client = httpx.Client(
            base_url=settings.stripe_api_base or STRIPE_API_BASE,
            timeout=STRIPE_TIMEOUT_SECONDS,
            headers={
                "Authorization": f"Bearer {settings.stripe_secret_key}",
                "Stripe-Version": STRIPE_API_VERSION,
            },
        )

    def __enter__(self) -> StripeClient:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._client.close()

    def create_payment_intent(
        self, amount: int, currency: str, metadata: Mapping[str, str]
    ) -> dict[str, Any]:
        params = {
            "amount": amount,
            "currency": currency,
            "metadata": dict(metadata),
            "automatic_payment_methods": {"enabled": True},
        }
        return self._send("POST", "/v1/payment_intents", params)

    def retrieve_payment_intent(self, intent_id: str) -> dict[str, Any]:
        return self._send("GET", f"/v1/payment_intents/{intent_id}", {})

    def create_refund(
        self,
        payment_intent: str,
        amount: int,
        *,
        metadata: Mapping[str, str],
        reason: str | None = None,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        params = {"payment_intent": payment_intent, "amount": amount, "reason": reason, "metadata": metadata}
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else {}
        return self._send("POST", "/v1/refunds", params, headers)

    def _send(
        self, method: str, path: str, params: Mapping[str, Any], headers: Mapping[str, str] | None = None
    ) -> dict[str, Any]:
        fields = form_fields(params)
        try:
            if method == "GET":
                response = self._client.get(path, params=dict(fields), headers=headers)
            else:
                response = self._client.post(path, data=dict(fields), headers=headers)
        except httpx.HTTPError as exc:
            raise StripeError(f"Stripe unreachable: {type(exc).__name__}: {exc}") from None
        try:
            body = response.json()
        except ValueError:
            body = {}
        if response.is_success and isinstance(body, dict):
            return body
        error = body.get("error") if isinstance(body, dict) else None
        message = error.get("message") if isinstance(error, dict) else None
        raise StripeError(message or f"Stripe answered {response.status_code}")
