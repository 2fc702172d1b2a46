"""Hardening headers on every response, as helmet sets them for the Node backend.

API answers (JSON) get a Content-Security-Policy that allows nothing: a browser never runs or frames them.
The admin panel's HTML keeps its own policy-free page, because it loads Chart.js and Google scripts from
CDNs (API.md 7.3); a CSP written for it belongs with the panel.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from staging.reference.settings import Settings

COMMON = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "SAMEORIGIN",
    "Referrer-Policy": "no-referrer",
    "Strict-Transport-Security": "max-age=15552000; includeSubDomains",
    "X-DNS-Prefetch-Control": "off",
    "X-Download-Options": "noopen",
    "X-Permitted-Cross-Domain-Policies": "none",
    "Cross-Origin-Opener-Policy": "same-origin",
}
API_ONLY = {"Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'"}


def is_api_path(path: str) -> bool:
    return path == "/api" or path.startswith("/api/")


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.settings.defect_on("security_headers_missing"):
            await self.app(scope, receive, send)
            return
        wanted = COMMON | (API_ONLY if is_api_path(str(scope.get("path", ""))) else {})

        async def harden(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in wanted.items():
                    if name not in headers:
                        headers[name] = value
            await send(message)

        await self.app(scope, receive, harden)
