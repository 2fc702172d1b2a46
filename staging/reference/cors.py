"""CORS (API.md 7.3 and 8.1): a fixed list of browser origins; any other `Origin` gets 403.

Requests without an `Origin` header (curl, apps, server-to-server) are allowed. An allowed origin is echoed
back, never `*`, because the admin panel sends credentials.
"""

from __future__ import annotations

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from staging.reference import wire
from staging.reference.settings import Settings

DEFAULT_ORIGINS = ("http://localhost:5001", "http://localhost:3000", "http://localhost:8000")
ALLOWED_METHODS = "GET, POST, PUT, PATCH, DELETE, OPTIONS"
ALLOWED_HEADERS = "Content-Type, Authorization, X-Requested-With, Accept, Origin, stripe-signature"
EXPOSED_HEADERS = (
    "X-Response-Time, X-Timestamp, X-Cache, RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset"
)
PREFLIGHT_MAX_AGE = "86400"
REFUSAL = {"success": False, "message": "Access denied by CORS policy"}


def allowed_origins(settings: Settings) -> frozenset[str]:
    extra = (url.rstrip("/") for url in (settings.base_url, settings.frontend_url) if url)
    return frozenset((*DEFAULT_ORIGINS, *extra))


class CorsMiddleware:
    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings
        self.origins = allowed_origins(settings)

    def _allows(self, origin: str) -> bool:
        return origin in self.origins or self.settings.defect_on("cors_any_origin")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        origin = headers.get("origin")
        if origin is None:
            await self.app(scope, receive, send)
            return
        if not self._allows(origin):
            await _send_json(send, 403, REFUSAL, [(b"vary", b"Origin")])
            return
        cors_headers = [
            (b"access-control-allow-origin", origin.encode("latin-1")),
            (b"access-control-allow-credentials", b"true"),
            (b"vary", b"Origin"),
        ]
        if scope.get("method") == "OPTIONS" and "access-control-request-method" in headers:
            preflight = [
                *cors_headers,
                (b"access-control-allow-methods", ALLOWED_METHODS.encode()),
                (b"access-control-allow-headers", ALLOWED_HEADERS.encode()),
                (b"access-control-max-age", PREFLIGHT_MAX_AGE.encode()),
                (b"content-length", b"0"),
            ]
            await send({"type": "http.response.start", "status": 204, "headers": preflight})
            await send({"type": "http.response.body", "body": b""})
            return

        async def with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                response_headers = MutableHeaders(scope=message)
                for name, value in cors_headers:
                    response_headers[name.decode()] = value.decode("latin-1")
                response_headers["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
            await send(message)

        await self.app(scope, receive, with_cors)


async def _send_json(send: Send, status: int, body: object, extra: list[tuple[bytes, bytes]]) -> None:
    encoded = wire.encode(body)
    headers = [
        (b"content-type", wire.JSON_MEDIA_TYPE.encode()),
        (b"content-length", str(len(encoded)).encode()),
        *extra,
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": encoded})
