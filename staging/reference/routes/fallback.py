"""Unknown paths under the admin prefixes: the admin guard runs first, so strangers get 401/403, not 404."""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import Route

from staging.reference.errors import GlobalError
from staging.reference.guards import admin_guard
from staging.reference.routing import Call, route

_ALL_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]


def not_found(call: Call) -> Response:
    raise GlobalError(404, f"Route {call.request.method} {call.request.url.path} not found")


routes: list[Route] = [
    route(path, not_found, _ALL_METHODS, guard=admin_guard)
    for prefix in ("/api/admin", "/api/public-admin")
    for path in (prefix, f"{prefix}/{{rest:path}}")
]
