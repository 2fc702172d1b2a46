"""A backend that is already running, addressed only by URL: nothing is started, little is assumed.

Credentials and an optional MongoDB come from the settings or the environment (``ALMARYA_ADMIN_EMAIL``,
``ALMARYA_ADMIN_PASSWORD``, ``ALMARYA_MONGO_URI``). With a database, the admin and the catalog are
seeded there; without one, everything a test needs is made through the API (customers, staff, drivers)
and tests that need the database or the seeded catalog skip with that reason.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Iterator

from staging.backend import Secrets
from staging.core import StagingError
from staging.mongo import ExistingMongo
from staging.seed import AdminCredentials, seed_admin, seed_catalog, strong_password
from staging.targets.common import Stack, StackSettings, Target, check_reachable, require

# Production runs read-only smoke checks, which need no admin; its stack says so with empty credentials.
NO_ADMIN = AdminCredentials("", "")


@contextlib.contextmanager
def open_remote(settings: StackSettings) -> Iterator[Stack]:
    require(settings.base_url, "the remote target needs --base-url")
    assert settings.base_url is not None  # for mypy: require() raised otherwise
    check_reachable(settings.base_url)
    email = settings.admin_email or os.environ.get("ALMARYA_ADMIN_EMAIL")
    password = settings.admin_password or os.environ.get("ALMARYA_ADMIN_PASSWORD")
    mongo_uri = settings.mongo_uri or os.environ.get("ALMARYA_MONGO_URI")
    with contextlib.ExitStack() as services:
        db = None
        coffee_ids: list[str] = []
        if mongo_uri and not settings.production:
            mongo = services.enter_context(ExistingMongo(mongo_uri))
            db = mongo.client().get_default_database(settings.db_name)
            if not (email and password):
                # A fresh address: an existing admin@example.com would keep its own, unknown password.
                email, password = f"qa-admin-{secrets.token_hex(4)}@example.com", strong_password()
                seed_admin(db, AdminCredentials(email, password))
            coffee_ids = [str(i) for i in seed_catalog(db)]
        if not (email and password) and not settings.production:
            raise StagingError(
                "the remote target needs admin credentials: set ALMARYA_ADMIN_EMAIL and "
                "ALMARYA_ADMIN_PASSWORD, or give a MongoDB URI to seed an admin"
            )
        admin = AdminCredentials(email, password) if email and password else NO_ADMIN
        yield Stack(
            Target.REMOTE,
            settings.base_url.rstrip("/"),
            admin,
            Secrets(),
            settings.run_dir,
            db=db,
            mongo_uri=mongo_uri if db is not None else None,
            coffee_ids=coffee_ids,
        )
