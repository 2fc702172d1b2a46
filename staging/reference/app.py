"""The application factory: `create_app(settings)` builds the whole backend, testable in-process."""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from pymongo import MongoClient
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware

from staging.reference import db
from staging.reference.clock import Clock
from staging.reference.context import AppContext
from staging.reference.cors import CorsMiddleware
from staging.reference.errors import http_exception_handler, unhandled_exception_handler
from staging.reference.mailer import Mailer
from staging.reference.metrics import Metrics
from staging.reference.middleware import (
    QueryFilterMiddleware,
    ResponseHeadersMiddleware,
    TrailingSlashMiddleware,
)
from staging.reference.pins import PinKeeper
from staging.reference.ratelimit import RateLimitMiddleware
from staging.reference.routes import all_routes
from staging.reference.security_headers import SecurityHeadersMiddleware
from staging.reference.settings import Settings
from staging.reference.tokens import TokenService

log = logging.getLogger("almarya.reference")


def build_context(settings: Settings, client: MongoClient[db.Doc]) -> AppContext:
    database = db.database(client, settings)
    clock = Clock(settings.tz)
    return AppContext(
        settings=settings,
        client=client,
        db=database,
        clock=clock,
        tokens=TokenService(settings, clock),
        mailer=Mailer(settings),
        metrics=Metrics(),
        pins=PinKeeper(database, settings.jwt_secret, settings.bcrypt_rounds),
    )


def create_app(
    settings: Settings, client: MongoClient[db.Doc] | None = None, *, prepare_db: bool = True
) -> Starlette:
    """The backend. Without `client` it connects itself (and closes on shutdown).

    `prepare_db` creates the indexes at start-up; the entry point does that itself before listening,
    so that a database problem is one clear line and an exit code rather than a lifespan traceback.
    """
    owns_client = client is None
    ctx = build_context(settings, client or db.connect(settings))

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        if prepare_db:
            await run_in_threadpool(db.ensure_indexes, ctx.db)
        yield
        if owns_client:
            ctx.client.close()

    middleware = [
        Middleware(ResponseHeadersMiddleware, metrics=ctx.metrics),
        # Hardening (API.md 8.1, 8.3): headers on every answer, CORS before anything, then rate limits.
        Middleware(SecurityHeadersMiddleware, settings=settings),
        Middleware(CorsMiddleware, settings=settings),
        Middleware(RateLimitMiddleware, settings=settings),
        Middleware(TrailingSlashMiddleware),
        Middleware(QueryFilterMiddleware),
    ]
    app = Starlette(
        routes=all_routes(),
        middleware=middleware,
        exception_handlers={HTTPException: http_exception_handler, Exception: unhandled_exception_handler},
        lifespan=lifespan,
    )
    app.state.ctx = ctx
    return app


def app_from_env() -> Starlette:
    """For `uvicorn --factory staging.reference.app:app_from_env`: settings from the environment."""
    return create_app(Settings.from_env(os.environ))
