"""Admin dashboard figures (API.md 7.1), cached per URL for 60 s after the admin guard (7.2)."""

from __future__ import annotations

from datetime import timedelta

from pymongo import DESCENDING
from starlette.responses import Response
from starlette.routing import Route

from staging.reference import figures, views, wire
from staging.reference.cache import serve_cached
from staging.reference.db import COFFEES, ORDERS, USERS
from staging.reference.guards import admin_guard
from staging.reference.routing import Call, route

REVENUE_WINDOW = timedelta(days=30)
CHART_MONTHS = 6
RECENT_ORDERS = 10
DASHBOARD_STATUSES = ("pending", "confirmed", "preparing", "ready", "delivered", "cancelled")


def _dashboard(call: Call) -> Response:
    db, clock, settings = call.ctx.db, call.ctx.clock, call.ctx.settings
    today = clock.today_start()
    labels, values = [], []
    for back in range(CHART_MONTHS - 1, -1, -1):
        start = clock.month_start(back)
        labels.append(clock.local(start).strftime("%b %Y"))
        values.append(
            figures.revenue(db, start, clock.month_start(back - 1) if back else None, settings=settings)
        )
    recent = list(
        db[ORDERS].find().sort([("createdAt", DESCENDING), ("_id", DESCENDING)]).limit(RECENT_ORDERS)
    )
    customers = views.customer_refs(db, (order.get("user") for order in recent))
    counts = figures.status_counts(db, settings=settings)
    data = {
        "totalUsers": db[USERS].count_documents({}),
        "totalProducts": db[COFFEES].count_documents({"isActive": True}),
        "totalOrders": db[ORDERS].count_documents({}),
        "totalRevenue": figures.revenue(db, clock.now() - REVENUE_WINDOW, settings=settings),
        "todayOrders": db[ORDERS].count_documents({"createdAt": {"$gte": today}}),
        "todayRevenue": figures.revenue(db, today, settings=settings),
        "revenueData": {"labels": labels, "values": values},
        "recentOrders": [
            {**order, "user": customers.get(order.get("user"), order.get("user"))} for order in recent
        ],
        "orderStats": {status: counts[status] for status in DASHBOARD_STATUSES},
    }
    return wire.json_response({"success": True, "data": data})


def dashboard(call: Call) -> Response:
    key = str(call.request.url)
    if call.ctx.settings.defect_on("dashboard_cached_before_guard"):
        hit = call.ctx.dashboard_cache.get(key)
        if hit is not None:
            return Response(hit.body, hit.status, {"X-Cache": "HIT"}, hit.media_type)
    # The guard runs first, then the cache (API.md 7.2): the cache only ever serves admins.
    admin_guard(call.ctx, call.request)
    return serve_cached(call.ctx.dashboard_cache, key, lambda: _dashboard(call))


routes: list[Route] = [
    route("/api/analytics/admin/dashboard", dashboard),
]
