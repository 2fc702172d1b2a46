"""All routes, one module per area; the admin fallback comes last so real admin routes match first."""

from __future__ import annotations

from starlette.routing import BaseRoute

from staging.reference.routes import (
    admin_drivers,
    admin_orders,
    admin_staff,
    analytics,
    auth,
    catalog,
    driver,
    fallback,
    health,
    orders,
    staff_auth,
    staff_orders,
)


def all_routes() -> list[BaseRoute]:
    return [
        *health.routes,
        *auth.routes,
        *catalog.routes,
        *orders.routes,
        *staff_auth.routes,
        *staff_orders.routes,
        *driver.routes,
        *admin_staff.routes,
        *admin_drivers.routes,
        *admin_orders.routes,
        *analytics.routes,
        *fallback.routes,
    ]
