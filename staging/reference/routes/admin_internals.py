"""Server internals for admins (API.md 5.6): `GET /api/admin/performance` and `GET /api/admin/cache-stats`."""

from __future__ import annotations

import psutil
from starlette.responses import Response
from starlette.routing import Route

from staging.reference import wire
from staging.reference.cache import TtlCache
from staging.reference.guards import admin_guard
from staging.reference.routing import Call, route


def performance(call: Call) -> Response:
    memory = psutil.Process().memory_info()
    data = {
        "requests": call.ctx.metrics.snapshot(),
        "uptime": round(call.ctx.uptime_seconds(), 3),
        "memory": {"rss": memory.rss, "vms": memory.vms},
        "cpuPercent": psutil.Process().cpu_percent(interval=None),
    }
    return wire.json_response({"success": True, "data": data})


def _stats(cache: TtlCache) -> dict[str, float]:
    lookups = cache.hits + cache.misses
    return {
        "hits": cache.hits,
        "misses": cache.misses,
        "hitRate": round(cache.hits / lookups, 4) if lookups else 0,
        "ttlSeconds": cache.ttl_seconds,
    }


def cache_stats(call: Call) -> Response:
    data = {"catalog": _stats(call.ctx.catalog_cache), "dashboard": _stats(call.ctx.dashboard_cache)}
    return wire.json_response({"success": True, "data": data})


routes: list[Route] = [
    route("/api/admin/performance", performance, guard=admin_guard),
    route("/api/admin/cache-stats", cache_stats, guard=admin_guard),
]
