"""Error bodies (API.md 8.1): route errors, validation errors, the global handler and unknown routes."""

from __future__ import annotations

import logging
import traceback
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from staging.reference import wire

log = logging.getLogger("almarya.reference")

# Codes the global handler names, by status.
_CODES = {
    400: "VALIDATION_ERROR",
    401: "AUTHENTICATION_ERROR",
    403: "AUTHORIZATION_ERROR",
    404: "NOT_FOUND_ERROR",
    409: "CONFLICT_ERROR",
    413: "PAYLOAD_TOO_LARGE",
    429: "RATE_LIMIT_ERROR",
}


class ApiError(Exception):
    """An error a route answers with: `{success:false, message, errors?, ...}`.

    `bare=True` answers `{message}` only, the wire quirk of a few Node routes (API.md 8.1).
    """

    def __init__(
        self,
        status: int,
        message: str,
        *,
        errors: list[dict[str, Any]] | None = None,
        extra: Mapping[str, Any] | None = None,
        bare: bool = False,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.errors = errors
        self.extra = dict(extra or {})
        self.bare = bare

    def body(self) -> dict[str, Any]:
        if self.bare:
            return {"message": self.message}
        return {"success": False, "message": self.message, "errors": self.errors, **self.extra}

    def to_response(self) -> Response:
        return wire.json_response(self.body(), self.status)


class GlobalError(Exception):
    """An error answered in the global handler's shape (malformed JSON, oversized bodies)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def validation_failed(errors: list[dict[str, Any]], message: str = "Validation failed") -> ApiError:
    return ApiError(400, message, errors=errors)


def field_error(path: str, msg: str, value: Any = None, location: str = "body") -> dict[str, Any]:
    """One entry in express-validator's shape."""
    return {"type": "field", "value": value, "msg": msg, "path": path, "location": location}


def global_body(
    status: int, message: str, request: Request, *, development: bool, exc: BaseException | None = None
) -> dict[str, Any]:
    error: dict[str, Any] = {
        "code": _CODES.get(status, "INTERNAL_SERVER_ERROR" if status >= 500 else "ERROR"),
        "message": message,
        "statusCode": status,
        "timestamp": wire.iso(datetime.now(UTC)),
    }
    body: dict[str, Any] = {"success": False, "error": error}
    if development:
        # Only in development: where it happened and the stack (API.md 8.1, never elsewhere).
        body["path"] = request.url.path
        body["method"] = request.method
        if exc is not None:
            body["stack"] = "".join(traceback.format_exception(exc))
    return body


def is_development(request: Request) -> bool:
    ctx = getattr(request.app.state, "ctx", None)
    return bool(ctx and (ctx.settings.is_development or ctx.settings.defect_on("error_stack_exposed")))


def internal_error_response(request: Request, exc: BaseException) -> Response:
    log.error("Unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    body = global_body(500, "Internal server error", request, development=is_development(request), exc=exc)
    return wire.json_response(body, 500)


def global_error_response(request: Request, exc: GlobalError) -> Response:
    body = global_body(exc.status, exc.message, request, development=is_development(request), exc=exc)
    return wire.json_response(body, exc.status)


async def http_exception_handler(request: Request, exc: Exception) -> Response:
    """Starlette's own HTTP errors; routing misses become Express's "Route X not found" (405 too)."""
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    if status in (404, 405):
        message = f"Route {request.method} {request.url.path} not found"
        status = 404
    else:
        message = exc.detail if isinstance(exc, HTTPException) else "Internal server error"
    body = global_body(status, message, request, development=is_development(request))
    return wire.json_response(body, status)


async def unhandled_exception_handler(request: Request, exc: Exception) -> Response:
    return internal_error_response(request, exc)
