"""A Stripe API fake: payment intents and refunds, a record of every call, and a switch to fail a refund.

It speaks the wire format the Stripe SDK uses (form-encoded bodies with ``metadata[key]`` brackets, a
bearer secret key, JSON answers with ``object`` fields and Stripe's error envelope), so the Node backend
talks to it unchanged once its client is pointed here (API.md 9.5).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import threading
import time
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from staging.fakes.threaded_server import ThreadedHttpServer, close_logger, file_logger


@dataclass(frozen=True)
class StripeCall:
    method: str
    path: str
    params: dict[str, Any]
    status: int


@dataclass
class _Intent:
    id: str
    amount: int
    currency: str
    metadata: dict[str, str]
    client_secret: str
    status: str = "requires_payment_method"
    created: int = field(default_factory=lambda: int(time.time()))
    refunded: int = 0
    refunds: list[dict[str, Any]] = field(default_factory=list)
    last_payment_error: dict[str, Any] | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "object": "payment_intent",
            "amount": self.amount,
            "currency": self.currency,
            "metadata": self.metadata,
            "client_secret": self.client_secret,
            "status": self.status,
            "created": self.created,
            "amount_received": self.amount if self.status == "succeeded" else 0,
            "last_payment_error": self.last_payment_error,
            "latest_charge": self.charge_id if self.status == "succeeded" else None,
        }

    @property
    def charge_id(self) -> str:
        return "ch_" + self.id.removeprefix("pi_")

    def charge_json(self) -> dict[str, Any]:
        """The charge that took the money, as `charge.*` events carry it (newest refund first)."""
        return {
            "id": self.charge_id,
            "object": "charge",
            "amount": self.amount,
            "amount_refunded": self.refunded,
            "currency": self.currency,
            "payment_intent": self.id,
            "metadata": self.metadata,
            "paid": self.status == "succeeded",
            "refunded": self.refunded >= self.amount,
            "refunds": {"object": "list", "data": list(reversed(self.refunds))},
        }


def sign_webhook(payload: bytes, secret: str, timestamp: int | None = None) -> str:
    """The ``stripe-signature`` header value Stripe would send for ``payload`` (API.md 6.3)."""
    stamp = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{stamp}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={stamp},v1={digest}"


def webhook_event(event_type: str, obj: dict[str, Any], *, event_id: str | None = None) -> bytes:
    """A Stripe event envelope as raw bytes, ready to be signed and sent with ``content=``."""
    event = {
        "id": event_id or f"evt_{secrets.token_hex(12)}",
        "object": "event",
        "type": event_type,
        "created": int(time.time()),
        "data": {"object": obj},
        "livemode": False,
        "api_version": "2024-06-20",
    }
    return json.dumps(event, separators=(",", ":")).encode()


def _unflatten(form: dict[str, str]) -> dict[str, Any]:
    """``metadata[orderId]=x`` → ``{"metadata": {"orderId": "x"}}``, as Stripe decodes its forms."""
    result: dict[str, Any] = {}
    for key, value in form.items():
        if "[" in key and key.endswith("]"):
            outer, inner = key[:-1].split("[", 1)
            result.setdefault(outer, {})[inner] = value
        else:
            result[key] = value
    return result


def _stripe_error(
    status: int, message: str, error_type: str = "invalid_request_error", code: str | None = None
) -> JSONResponse:
    error = {"type": error_type, "message": message}
    if code:
        error["code"] = code
    return JSONResponse({"error": error}, status_code=status)


class StripeFake(AbstractContextManager["StripeFake"]):
    """The fake's state and its HTTP face; tests read ``calls`` and flip ``fail_next_refund``."""

    def __init__(self, log_path: Path) -> None:
        self._lock = threading.Lock()
        self._intents: dict[str, _Intent] = {}
        self._calls: list[StripeCall] = []
        self._refund_failures = 0
        self._intent_failures = 0
        self._log = file_logger("stripe", log_path)
        app = Starlette(
            routes=[
                Route("/__fake/health", lambda _: JSONResponse({"ok": True})),
                Route("/v1/payment_intents", self._create_intent, methods=["POST"]),
                Route("/v1/payment_intents/{intent_id}", self._get_intent, methods=["GET"]),
                Route("/v1/refunds", self._create_refund, methods=["POST"]),
            ]
        )
        self._server = ThreadedHttpServer("Stripe", app)

    # --- what tests use -------------------------------------------------------------------------
    @property
    def url(self) -> str:
        return self._server.url

    def calls(self, path: str | None = None) -> list[StripeCall]:
        with self._lock:
            return [c for c in self._calls if path is None or c.path == path]

    def refunds_for(self, intent_id: str) -> list[StripeCall]:
        """Successful refund calls made against one payment intent."""
        return [
            c
            for c in self.calls("/v1/refunds")
            if c.params.get("payment_intent") == intent_id and c.status == 200
        ]

    def fail_next_refund(self, times: int = 1) -> None:
        """The next ``times`` refund calls answer with a Stripe error, as a declined refund would."""
        with self._lock:
            self._refund_failures += times

    def fail_next_intent(self, times: int = 1) -> None:
        """The next ``times`` payment intent creations answer with a Stripe API error."""
        with self._lock:
            self._intent_failures += times

    def intent(self, intent_id: str) -> dict[str, Any] | None:
        with self._lock:
            found = self._intents.get(intent_id)
            return found.as_json() if found else None

    # The customer's side of a payment, and Stripe's dashboard: what webhook events then report.
    def succeed(self, intent_id: str) -> dict[str, Any]:
        """The customer pays: the intent succeeds; its JSON is the `payment_intent.succeeded` object."""
        with self._lock:
            intent = self._intents[intent_id]
            intent.status, intent.last_payment_error = "succeeded", None
            return intent.as_json()

    def decline(self, intent_id: str, message: str = "Your card was declined.") -> dict[str, Any]:
        """The customer's card is declined: the `payment_intent.payment_failed` object."""
        with self._lock:
            intent = self._intents[intent_id]
            intent.status = "requires_payment_method"
            intent.last_payment_error = {"type": "card_error", "code": "card_declined", "message": message}
            return intent.as_json()

    def charge(self, intent_id: str) -> dict[str, Any]:
        """The intent's charge with its refunds so far: the `charge.refunded` object."""
        with self._lock:
            return self._intents[intent_id].charge_json()

    def refund_in_dashboard(self, intent_id: str, amount: int) -> dict[str, Any]:
        """A refund someone makes in Stripe's dashboard, not through the backend (not in ``calls``)."""
        response = self._refund({"payment_intent": intent_id, "amount": str(amount)}, count_failures=False)
        if response.status_code != 200:
            raise ValueError(f"the fake refused the refund: {response.body!r}")
        return dict(json.loads(bytes(response.body)))

    # --- HTTP handlers ----------------------------------------------------------------------------
    async def _params(self, request: Request) -> dict[str, Any]:
        if request.method == "GET":
            return dict(request.query_params)
        # Stripe bodies are flat urlencoded forms; parse_qsl avoids a multipart dependency.
        form = dict(parse_qsl((await request.body()).decode(), keep_blank_values=True))
        return _unflatten(form)

    def _record(self, request: Request, params: dict[str, Any], response: JSONResponse) -> JSONResponse:
        with self._lock:
            self._calls.append(StripeCall(request.method, request.url.path, params, response.status_code))
        self._log.info("%s %s %s -> %s", request.method, request.url.path, params, response.status_code)
        return response

    @staticmethod
    def _authorised(request: Request) -> bool:
        return request.headers.get("authorization", "").startswith("Bearer sk_")

    async def _create_intent(self, request: Request) -> JSONResponse:
        params = await self._params(request)
        if not self._authorised(request):
            return self._record(request, params, _stripe_error(401, "Invalid API Key provided"))
        with self._lock:
            failing, self._intent_failures = self._intent_failures > 0, max(0, self._intent_failures - 1)
        if failing:
            return self._record(
                request, params, _stripe_error(500, "An unexpected error occurred.", "api_error")
            )
        try:
            amount = int(params["amount"])
            currency = str(params["currency"]).lower()
        except (KeyError, ValueError):
            return self._record(
                request, params, _stripe_error(400, "Missing required param: amount or currency")
            )
        if amount < 1:
            return self._record(request, params, _stripe_error(400, "Amount must be at least 1"))
        intent_id = f"pi_{secrets.token_hex(12)}"
        intent = _Intent(
            intent_id,
            amount,
            currency,
            dict(params.get("metadata") or {}),
            f"{intent_id}_secret_{secrets.token_hex(8)}",
        )
        with self._lock:
            self._intents[intent_id] = intent
        return self._record(request, params, JSONResponse(intent.as_json()))

    async def _get_intent(self, request: Request) -> JSONResponse:
        params = await self._params(request)
        found = self.intent(request.path_params["intent_id"])
        if found is None:
            return self._record(
                request, params, _stripe_error(404, "No such payment_intent", code="resource_missing")
            )
        return self._record(request, params, JSONResponse(found))

    async def _create_refund(self, request: Request) -> JSONResponse:
        params = await self._params(request)
        if not self._authorised(request):
            return self._record(request, params, _stripe_error(401, "Invalid API Key provided"))
        return self._record(request, params, self._refund(params))

    def _refund(self, params: dict[str, Any], *, count_failures: bool = True) -> JSONResponse:
        with self._lock:
            if self._refund_failures and count_failures:
                self._refund_failures -= 1
                return _stripe_error(402, "Your card was declined.", "card_error", "card_declined")
            intent = self._intents.get(str(params.get("payment_intent")))
            if intent is None:
                return _stripe_error(404, "No such payment_intent", code="resource_missing")
            remaining = intent.amount - intent.refunded
            try:
                amount = int(params.get("amount", remaining))
            except ValueError:
                return _stripe_error(400, "Invalid integer: amount")
            if amount < 1 or amount > remaining:
                return _stripe_error(
                    400,
                    f"Refund amount ({amount}) is greater than unrefunded amount ({remaining})",
                    code="amount_too_large",
                )
            intent.refunded += amount
            refund = {
                "id": f"re_{secrets.token_hex(12)}",
                "object": "refund",
                "amount": amount,
                "currency": intent.currency,
                "payment_intent": intent.id,
                "status": "succeeded",
                "reason": params.get("reason"),
                "metadata": params.get("metadata") or {},
                "created": int(time.time()),
            }
            intent.refunds.append(refund)
        return JSONResponse(refund)

    # --- lifecycle --------------------------------------------------------------------------------
    def __enter__(self) -> StripeFake:
        try:
            self._server.__enter__()
        except BaseException:
            close_logger(self._log)
            raise
        return self

    def stop(self) -> None:
        self._server.stop()
        close_logger(self._log)

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
