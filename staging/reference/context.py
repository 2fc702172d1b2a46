"""What every handler reaches: settings, the database and the server's services, built once per app."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from pymongo import MongoClient
from pymongo.database import Database

from staging.reference.cache import TtlCache
from staging.reference.clock import Clock
from staging.reference.db import Doc
from staging.reference.mailer import Mailer
from staging.reference.metrics import Metrics
from staging.reference.pins import PinKeeper
from staging.reference.settings import Settings
from staging.reference.tokens import TokenService

CATALOG_CACHE_SECONDS = 300  # anonymous catalog reads (API.md 3)
DASHBOARD_CACHE_SECONDS = 60  # admin dashboard (API.md 7.2)


@dataclass
class AppContext:
    settings: Settings
    client: MongoClient[Doc]
    db: Database[Doc]
    clock: Clock
    tokens: TokenService
    mailer: Mailer
    metrics: Metrics
    pins: PinKeeper
    catalog_cache: TtlCache = field(default_factory=lambda: TtlCache(CATALOG_CACHE_SECONDS))
    dashboard_cache: TtlCache = field(default_factory=lambda: TtlCache(DASHBOARD_CACHE_SECONDS))
    started_at: float = field(default_factory=time.monotonic)

    def uptime_seconds(self) -> float:
        return time.monotonic() - self.started_at
