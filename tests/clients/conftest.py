"""Helpers for the client layer's own tests: a scripted backend on `httpx.MockTransport`."""

from collections.abc import Callable

import httpx
import pytest

from fixtures.transport import ClientConfig

Handler = Callable[[httpx.Request], httpx.Response]


class ScriptedBackend:
    """Answers by (method, path); records every request it saw."""

    def __init__(self) -> None:
        self.routes: dict[tuple[str, str], httpx.Response | Handler] = {}
        self.requests: list[httpx.Request] = []

    def on(
        self, method: str, path: str, status: int = 200, *, json=None, answer: Handler | None = None
    ) -> None:
        self.routes[(method, path)] = answer or httpx.Response(status, json=json)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        route = self.routes.get((request.method, request.url.path))
        if route is None:
            message = f"Route {request.method} {request.url.path} not found"
            return httpx.Response(
                404, json={"success": False, "error": {"code": "NOT_FOUND_ERROR", "message": message}}
            )
        return route(request) if callable(route) else route

    @property
    def last(self) -> httpx.Request:
        return self.requests[-1]


@pytest.fixture
def backend() -> ScriptedBackend:
    return ScriptedBackend()


@pytest.fixture
def config(backend: ScriptedBackend) -> ClientConfig:
    return ClientConfig("http://backend.test", timeout=2.0, transport=httpx.MockTransport(backend))
