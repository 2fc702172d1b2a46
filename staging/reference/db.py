"""MongoDB: the client, the collections of API.md 9.1 and their indexes."""

from __future__ import annotations

import logging
from typing import Any

from pymongo import ASCENDING, DESCENDING, MongoClient
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError, PyMongoError

from staging.reference.settings import Settings

log = logging.getLogger("almarya.reference")

Doc = dict[str, Any]

USERS = "users"
COFFEES = "coffees"
CATEGORIES = "categories"
ORDERS = "orders"
COUNTERS = "counters"
STAFFS = "staffs"
DRIVERS = "drivers"
# Not in API.md 9.1: the backend's own bookkeeping of spent token ids (logout, refresh rotation).
REVOCATIONS = "tokenrevocations"
# CANCELLATION.md 4-6: cancellation requests, refund records, and the Stripe event ids already handled.
CANCELLATION_REQUESTS = "cancellationrequests"
REFUNDS = "refunds"
STRIPE_EVENTS = "stripeevents"


def connect(settings: Settings) -> MongoClient[Doc]:
    """A lazily connecting client; the first operation waits at most ~5 s for a server."""
    return MongoClient(
        settings.mongodb_uri,
        tz_aware=True,  # BSON dates come back as aware UTC datetimes
        serverSelectionTimeoutMS=5000,
        connectTimeoutMS=5000,
        appname="almarya-reference",
    )


def database(client: MongoClient[Doc], settings: Settings) -> Database[Doc]:
    return client[settings.db_name]


def ping(db: Database[Doc]) -> bool:
    try:
        db.command("ping")
    except PyMongoError:
        return False
    return True


def duplicate_field(exc: DuplicateKeyError) -> str | None:
    """The field whose unique index refused a write, from the server's `keyPattern`."""
    pattern = (exc.details or {}).get("keyPattern")
    if isinstance(pattern, dict) and pattern:
        return str(next(iter(pattern)))
    return None


def ensure_indexes(db: Database[Doc]) -> None:
    """Create the indexes the backend relies on; idempotent.

    The Node backend also creates a text index on coffees; the SecantusDB stand-in has none, so catalog
    search is a case-insensitive regex instead and needs no index.
    """
    users = db[USERS]
    users.create_index("email", unique=True)
    users.create_index("firebaseUid", unique=True, sparse=True)

    db[COFFEES].create_index([("isActive", ASCENDING), ("createdAt", DESCENDING)])
    db[COFFEES].create_index("categories")

    orders = db[ORDERS]
    orders.create_index("orderNumber", unique=True)
    orders.create_index([("user", ASCENDING), ("createdAt", DESCENDING)])
    orders.create_index([("status", ASCENDING), ("createdAt", DESCENDING)])
    orders.create_index("assignedStaff")
    orders.create_index("assignedDriver")
    orders.create_index("createdAt")

    staffs = db[STAFFS]
    staffs.create_index("employeeId", unique=True)
    # Uniqueness among staff who are not deleted (API.md 2.3): deleted staff drop out of these indexes.
    staffs.create_index("email", unique=True, partialFilterExpression={"isDeleted": False})
    staffs.create_index(
        "pinFingerprint",
        unique=True,
        partialFilterExpression={"isDeleted": False, "pinFingerprint": {"$exists": True}},
    )

    drivers = db[DRIVERS]
    drivers.create_index("driverId", unique=True)
    drivers.create_index("email", unique=True)
    drivers.create_index("phone", unique=True)
    # A PIN belongs to one active driver (API.md 2.4).
    drivers.create_index(
        "pinFingerprint",
        unique=True,
        partialFilterExpression={"isActive": True, "pinFingerprint": {"$exists": True}},
    )

    db[REVOCATIONS].create_index("expiresAt", expireAfterSeconds=0)

    requests = db[CANCELLATION_REQUESTS]
    # At most one open request per order (CANCELLATION.md 4), also under concurrent requests.
    requests.create_index("order", unique=True, partialFilterExpression={"status": "requested"})
    requests.create_index([("status", ASCENDING), ("requestedAt", DESCENDING)])
    db[REFUNDS].create_index([("order", ASCENDING), ("createdAt", DESCENDING)])
    db[REFUNDS].create_index([("status", ASCENDING), ("createdAt", DESCENDING)])
    log.info("MongoDB indexes ensured on database %s", db.name)
