"""Rate limits per client IP (API.md 8.3 and 2.3): the /api/ budget, failed logins, refresh, PIN guessing.

The client is the socket's peer address. `X-Forwarded-For` is never read: anyone can send it, so trusting
it would let a client reset or split its own count (8.3). Counts live in memory per process, in fixed
windows, like express-rate-limit's default store.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from staging.reference import wire
from staging.reference.settings import Settings

AUTH_WINDOW_SECONDS = 15 * 60
REFRESH_MAX = 5  # fixed by the contract, whatever the environment says (8.3)
LOGIN_PATHS = frozenset(
    {"/api/auth/login", "/api/auth/admin-login", "/api/auth/register", "/api/auth/forgot-password"}
)
PIN_PATHS = frozenset(
    {
        "/api/staff/auth/login-pin",
        "/api/staff/auth/login-qr",
        "/api/staff/auth/validate-pin",
        "/api/driver/auth/pin-login",
        "/api/driver/auth/qr-login",
        "/api/staff/admin/login",
        "/api/staff/login",
    }
)
REFRESH_PATH = "/api/auth/refresh"


@dataclass(frozen=True)
class Limit:
    """One budget: at most `limit` counted requests per client in a window of `window_seconds`."""

    name: str
    limit: int
    window_seconds: float
    failures_only: bool  # count only answers >= 400 (failed logins), not every request
    message: str


@dataclass
class _Window:
    started: float
    count: int = 0


class Counters:
    """Fixed-window counts per (limit, client); thread-safe, pruned as windows expire."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._windows: dict[tuple[str, str], _Window] = {}
        self._lock = threading.Lock()

    def _current(self, limit: Limit, client: str) -> _Window:
        now = self._clock()
        key = (limit.name, client)
        window = self._windows.get(key)
        if window is None or now - window.started >= limit.window_seconds:
            window = self._windows[key] = _Window(now)
        return window

    def exceeded(self, limit: Limit, client: str) -> bool:
        with self._lock:
            return self._current(limit, client).count >= limit.limit

    def add(self, limit: Limit, client: str) -> None:
        with self._lock:
            self._current(limit, client).count += 1
            if len(self._windows) > 50_000:  # a flood of addresses must not grow memory without end
                now = self._clock()
                self._windows = {
                    k: w for k, w in self._windows.items() if now - w.started < AUTH_WINDOW_SECONDS
                }

    def remaining(self, limit: Limit, client: str) -> int:
        with self._lock:
            return max(0, limit.limit - self._current(limit, client).count)

    def reset_in(self, limit: Limit, client: str) -> int:
        """Whole seconds until this client's window for `limit` starts afresh (at least 1)."""
        with self._lock:
            window = self._current(limit, client)
            return max(1, math.ceil(window.started + limit.window_seconds - self._clock()))


def limits_for(path: str, settings: Settings) -> list[Limit]:
    """The budgets a request to `path` spends, the narrowest first."""
    if not (path == "/api" or path.startswith("/api/")):
        return []
    found: list[Limit] = []
    if path in LOGIN_PATHS:
        found.append(
            Limit(
                "login",
                settings.login_rate_limit_max,
                AUTH_WINDOW_SECONDS,
                failures_only=True,
                message="Too many login attempts, please try again later.",
            )
        )
    elif path in PIN_PATHS and not settings.defect_on("pin_guessing_unlimited"):
        # PIN guessing (2.3): failed staff and driver sign-ins have a budget of the same size.
        found.append(
            Limit(
                "pin",
                settings.login_rate_limit_max,
                AUTH_WINDOW_SECONDS,
                failures_only=True,
                message="Too many failed sign-in attempts, please try again later.",
            )
        )
    elif path == REFRESH_PATH:
        found.append(
            Limit(
                "refresh",
                REFRESH_MAX,
                AUTH_WINDOW_SECONDS,
                failures_only=False,
                message="Too many token refreshes, please try again later.",
            )
        )
    found.append(
        Limit(
            "api",
            settings.rate_limit_max_requests,
            settings.rate_limit_window_ms / 1000,
            failures_only=False,
            message="Too many requests from this IP, please try again later.",
        )
    )
    return found


def client_address(scope: Scope, settings: Settings) -> str:
    """Who is asking: the connection's peer, never a header the client writes itself."""
    if settings.defect_on("rate_limit_trusts_forwarded_for"):
        for name, value in scope.get("headers", []):
            if name == b"x-forwarded-for" and value.strip():
                return value.decode("latin-1").split(",")[0].strip()
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


def _limit_headers(limit: Limit, remaining: int, reset_in: int) -> list[tuple[bytes, bytes]]:
    # The IETF draft's fields, as express-rate-limit's `standardHeaders` sends them.
    return [
        (b"ratelimit-limit", str(limit.limit).encode()),
        (b"ratelimit-remaining", str(remaining).encode()),
        (b"ratelimit-reset", str(reset_in).encode()),
    ]


class RateLimitMiddleware:
    """429 `{success:false, message, retryAfter}` with `Retry-After` and `RateLimit-*` once over a limit."""

    def __init__(self, app: ASGIApp, settings: Settings, counters: Counters | None = None) -> None:
        self.app = app
        self.settings = settings
        self.counters = counters or Counters()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = str(scope.get("path", "")).rstrip("/") or "/"
        limits = limits_for(path, self.settings)
        if scope.get("method") == "OPTIONS" or not limits:
            await self.app(scope, receive, send)
            return
        client = client_address(scope, self.settings)
        for limit in limits:
            if self.counters.exceeded(limit, client):
                await self._refuse(send, limit, client)
                return
        for limit in limits:
            if not limit.failures_only:
                self.counters.add(limit, client)
        widest = limits[-1]

        async def count_and_mark(message: Message) -> None:
            if message["type"] == "http.response.start":
                if int(message["status"]) >= 400:
                    for limit in limits:
                        if limit.failures_only:
                            self.counters.add(limit, client)
                headers = MutableHeaders(scope=message)
                for name, value in _limit_headers(
                    widest, self.counters.remaining(widest, client), self.counters.reset_in(widest, client)
                ):
                    headers[name.decode()] = value.decode()
            await send(message)

        await self.app(scope, receive, count_and_mark)

    async def _refuse(self, send: Send, limit: Limit, client: str) -> None:
        retry_after = self.counters.reset_in(limit, client)
        body = wire.encode({"success": False, "message": limit.message, "retryAfter": retry_after})
        headers = [
            (b"content-type", wire.JSON_MEDIA_TYPE.encode()),
            (b"content-length", str(len(body)).encode()),
            (b"retry-after", str(retry_after).encode()),
            *_limit_headers(limit, 0, retry_after),
        ]
        await send({"type": "http.response.start", "status": 429, "headers": headers})
        await send({"type": "http.response.body", "body": body})
