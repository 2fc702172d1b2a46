"""The people of a load run, made through the API before the measured phase.

Registration hashes a password and hiring hashes a PIN: one-off costs that would otherwise land in the SLO
figures. Customers are registered, staff and drivers hired with unique PINs (drivers set available), all
with the suite's own factories (``fixtures/actors.py``); only their ids and tokens go to Locust.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from fixtures import actors, factories
from fixtures.errors import HarnessError
from fixtures.transport import ClientConfig
from load.plan import Actor
from load.profile import Profile
from staging.core import StagingError
from staging.seed import AdminCredentials

ORDER_BODIES = 24  # enough variety of coffees, sizes and addresses for the customers to pick from
_DELIVERY = ("standard", "express")


@dataclass
class Cast:
    customers: list[Actor] = field(default_factory=list)
    staff: list[Actor] = field(default_factory=list)
    drivers: list[Actor] = field(default_factory=list)
    order_bodies: list[dict[str, Any]] = field(default_factory=list)
    coffee_ids: list[str] = field(default_factory=list)


def create_cast(base_url: str, admin: AdminCredentials, profile: Profile, workers: int) -> Cast:
    """Everyone the profile needs; one clear error if the target refuses to make them."""
    config = ClientConfig(base_url)
    try:
        return _create(config, admin, profile, workers)
    except HarnessError as exc:
        raise StagingError(f"could not create the load test's actors on {base_url}: {exc}") from None


def _create(config: ClientConfig, admin: AdminCredentials, profile: Profile, workers: int) -> Cast:
    cast = Cast()
    # A spare driver per worker process: Locust may hand a worker one more driver user than an even share.
    driver_count = profile.driver_count() + (workers if profile.driver_count() else 0)
    with actors.sign_in_admin(config, admin) as admin_api:
        for _ in range(profile.staff_count()):
            staff_api, _, _ = actors.hire_staff(config, admin_api)
            with staff_api:
                cast.staff.append(Actor(str(staff_api.staff.id), staff_api.session.token))
        for _ in range(driver_count):
            driver_api, _ = actors.hire_driver(config, admin_api, available=True)
            with driver_api:
                cast.drivers.append(Actor(str(driver_api.driver.id), driver_api.session.token))
    if not profile.actors.register_during_load:
        for _ in range(profile.actors.customers):
            customer_api, _ = actors.register_customer(config)
            with customer_api:
                cast.customers.append(Actor(str(customer_api.user.id), customer_api.session.token))
    catalog = [coffee for coffee in actors.active_catalog(config) if coffee.is_active is not False]
    if not catalog:
        raise StagingError(f"{config.base_url} lists no active coffee: customers would have nothing to order")
    cast.coffee_ids = [str(coffee.id) for coffee in catalog]
    chooser = random.Random()  # noqa: S311 - variety, not security
    for _ in range(ORDER_BODIES):
        coffee = chooser.choice(catalog)
        cast.order_bodies.append(
            factories.order_payload(
                [coffee], delivery_method=chooser.choice(_DELIVERY), quantity=chooser.randint(1, 3)
            )
        )
    return cast
