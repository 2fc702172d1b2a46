"""ASGI middleware: response headers and metrics, Express-style paths, and the query-string filter."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from urllib.parse import parse_qsl

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from staging.reference import wire
from staging.reference.metrics import Metrics
from staging.reference.validation import is_suspicious_query_value


class ResponseHeadersMiddleware:
    """`X-Response-Time` and `X-Timestamp` on every response, `Cache-Control: no-store` on /api/* (8.2)."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        path: str = scope["path"]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                elapsed_ms = (time.perf_counter() - started) * 1000
                headers = MutableHeaders(scope=message)
                headers["X-Response-Time"] = f"{elapsed_ms:.3f}ms"
                headers["X-Timestamp"] = wire.iso(datetime.now(UTC))
                if path == "/api" or path.startswith("/api/"):
                    headers["Cache-Control"] = "no-store"
                self.metrics.record(int(message["status"]), elapsed_ms)
            await send(message)

        await self.app(scope, receive, send_with_headers)


class TrailingSlashMiddleware:
    """Express ignores one trailing slash (`/api/orders/` is `/api/orders`); Starlette would redirect."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] == "http" and len(path) > 1 and path.endswith("/"):
            scope = {**scope, "path": path.rstrip("/") or "/"}
        await self.app(scope, receive, send)


class QueryFilterMiddleware:
    """Query-string values with `'`, `#`, `--` or `..` get 400 "Invalid input detected" (8.4, wire quirk)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope.get("query_string"):
            pairs = parse_qsl(scope["query_string"].decode("latin-1"), keep_blank_values=True)
            if any(is_suspicious_query_value(value) for _, value in pairs):
                body = wire.encode({"success": False, "message": "Invalid input detected"})
                await send(
                    {
                        "type": "http.response.start",
                        "status": 400,
                        "headers": [
                            (b"content-type", wire.JSON_MEDIA_TYPE.encode()),
                            (b"content-length", str(len(body)).encode()),
                        ],
                    }
                )
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)
