"""How a route runs: parse the body, run the guard, then the handler, off the event loop.

Handlers are plain functions over sync pymongo, so they run in Starlette's thread pool. Errors become
the contract's bodies here, in one place, and nothing unexpected escapes as a traceback.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, cast

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from staging.reference.context import AppContext
from staging.reference.errors import ApiError, GlobalError, global_error_response, internal_error_response
from staging.reference.guards import DriverPrincipal, Guard, Principal, StaffPrincipal, UserPrincipal

MAX_BODY_BYTES = 1024 * 1024
_BODY_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


@dataclass(frozen=True)
class Call:
    """One request as a handler sees it."""

    ctx: AppContext
    request: Request
    body: Any
    principal: Principal | None

    def path(self, name: str) -> str:
        return str(self.request.path_params[name])

    @property
    def query(self) -> QueryParams:
        return self.request.query_params

    @property
    def user(self) -> UserPrincipal:
        return cast(UserPrincipal, self.principal)

    @property
    def staff(self) -> StaffPrincipal:
        return cast(StaffPrincipal, self.principal)

    @property
    def driver(self) -> DriverPrincipal:
        return cast(DriverPrincipal, self.principal)


Handler = Callable[[Call], Response]


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


async def read_json_body(request: Request) -> Any:
    """The JSON body, `{}` when empty or not JSON (as express.json() leaves req.body); 400 when malformed."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise GlobalError(413, "Request entity too large")
    raw = await request.body()
    if len(raw) > MAX_BODY_BYTES:
        raise GlobalError(413, "Request entity too large")
    content_type = request.headers.get("content-type", "").lower()
    if not raw.strip() or "json" not in content_type:
        return {}
    try:
        body = json.loads(raw, parse_constant=_reject_constant)
    except (ValueError, RecursionError):
        raise GlobalError(400, "Invalid JSON payload") from None
    if not isinstance(body, dict | list):
        # express.json() is strict: only objects and arrays are bodies.
        raise GlobalError(400, "Invalid JSON payload")
    return body


def _run(ctx: AppContext, request: Request, body: Any, guard: Guard | None, handler: Handler) -> Response:
    principal = guard(ctx, request) if guard is not None else None
    return handler(Call(ctx, request, body, principal))


def endpoint(handler: Handler, guard: Guard | None) -> Callable[[Request], Any]:
    async def run(request: Request) -> Response:
        ctx: AppContext = request.app.state.ctx
        try:
            body = await read_json_body(request) if request.method in _BODY_METHODS else {}
            return await run_in_threadpool(_run, ctx, request, body, guard, handler)
        except ApiError as exc:
            return exc.to_response()
        except GlobalError as exc:
            return global_error_response(request, exc)
        except Exception as exc:  # every other failure is the global handler's 500
            return internal_error_response(request, exc)

    run.__name__ = getattr(handler, "__name__", "endpoint")
    return run


def route(
    path: str, handler: Handler, methods: Sequence[str] = ("GET",), guard: Guard | None = None
) -> Route:
    return Route(path, endpoint(handler, guard), methods=list(methods))
