"""All routes, one module per area; the admin fallback comes last so real admin routes match first."""

from __future__ import annotations

from starlette.routing import BaseRoute

from staging.reference.routes import (
    admin_driver_records,
    admin_drivers,
    admin_internals,
    admin_order_tools,
    admin_orders,
    admin_panel,
    admin_payments,
    admin_staff,
    analytics,
    analytics_more,
    auth,
    cancellation,
    catalog,
    catalog_admin,
    debug,
    driver,
    driver_accounts,
    fallback,
    health,
    orders,
    payments,
    refunds,
    reports,
    staff_accounts,
    staff_auth,
    staff_orders,
    users,
)


def all_routes() -> list[BaseRoute]:
    return [
        *health.routes,
        *admin_panel.routes,
        *auth.routes,
        *catalog.routes,
        # CANCELLATION.md: before orders, whose `/{id}` would take `cancellation-requests` for an id.
        *cancellation.routes,
        *refunds.routes,
        *payments.routes,
        *admin_payments.routes,
        *orders.routes,
        *staff_auth.routes,
        *staff_orders.routes,
        *driver.routes,
        *admin_staff.routes,
        *admin_drivers.routes,
        *admin_order_tools.routes,  # before admin_orders, whose `/{id}` would take `analytics` for an id
        *admin_orders.routes,
        *analytics.routes,
        # Security issue: the rest of the contract's endpoints.
        *admin_driver_records.routes,
        *admin_internals.routes,
        *analytics_more.routes,
        *catalog_admin.routes,
        *debug.routes,
        *driver_accounts.routes,
        *reports.routes,
        *staff_accounts.routes,
        *users.routes,
        *fallback.routes,
    ]
