"""Health, readiness, liveness, metrics and the root (API.md 1)."""

from __future__ import annotations

from typing import Any

import psutil
from starlette.responses import Response
from starlette.routing import Route

from staging.reference import db as database
from staging.reference import wire
from staging.reference.context import AppContext
from staging.reference.routes import admin_panel
from staging.reference.routing import Call, route


def _memory() -> dict[str, int]:
    info = psutil.Process().memory_info()
    return {"rss": info.rss, "vms": info.vms}


def _status(ctx: AppContext) -> tuple[str, bool]:
    connected = database.ping(ctx.db)
    return ("healthy" if connected else "unhealthy"), connected


def health(call: Call) -> Response:
    status, connected = _status(call.ctx)
    body = {
        "status": status,
        "timestamp": call.ctx.clock.now(),
        "uptime": round(call.ctx.uptime_seconds(), 3),
        "memory": _memory(),
        "database": {"status": "connected" if connected else "disconnected"},
        "metrics": call.ctx.metrics.snapshot(),
    }
    return wire.json_response(body, 200 if connected else 503)


def api_health(call: Call) -> Response:
    status, connected = _status(call.ctx)
    data = {
        "status": status,
        "timestamp": call.ctx.clock.now(),
        "uptime": round(call.ctx.uptime_seconds(), 3),
        "database": {"status": "connected" if connected else "disconnected"},
        "version": call.ctx.settings.backend_version,
    }
    return wire.json_response({"success": connected, "data": data}, 200 if connected else 503)


def ready(call: Call) -> Response:
    if database.ping(call.ctx.db):
        return wire.json_response({"status": "ready"})
    return wire.json_response({"status": "not ready", "database": "disconnected"}, 503)


def alive(call: Call) -> Response:
    return wire.json_response({"status": "alive", "uptime": round(call.ctx.uptime_seconds(), 3)})


def metrics(call: Call) -> Response:
    data: dict[str, Any] = {
        "requests": call.ctx.metrics.snapshot(),
        "uptime": round(call.ctx.uptime_seconds(), 3),
        "memory": _memory(),
        "cache": {
            "catalog": {"hits": call.ctx.catalog_cache.hits, "misses": call.ctx.catalog_cache.misses},
            "dashboard": {"hits": call.ctx.dashboard_cache.hits, "misses": call.ctx.dashboard_cache.misses},
        },
    }
    return wire.json_response({"success": True, "data": data})


def root(call: Call) -> Response:
    if "text/html" in call.request.headers.get("accept", ""):
        return admin_panel.panel_page()  # API.md 7.3: browsers get the admin panel
    connected = database.ping(call.ctx.db)
    body = {
        "message": "Al Marya Rostery API",
        "status": "running",
        "mongodb": "connected" if connected else "disconnected",
        "version": call.ctx.settings.backend_version,
    }
    return wire.json_response(body)


routes: list[Route] = [
    route("/", root),
    route("/health", health),
    route("/api/health", api_health),
    route("/ready", ready),
    route("/alive", alive),
    route("/api/metrics", metrics),
]
