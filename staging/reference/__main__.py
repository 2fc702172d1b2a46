"""`python -m staging.reference`: validate the environment, reach MongoDB, create indexes, listen."""

from __future__ import annotations

import logging
import os
import sys
import threading
import time

import uvicorn
from pymongo.database import Database
from pymongo.errors import PyMongoError

from staging.reference import db
from staging.reference.app import create_app
from staging.reference.settings import ConfigError, Settings

log = logging.getLogger("almarya.reference")

PRODUCTION_RETRY_SECONDS = 5


def _prepare_later(database: Database[db.Doc]) -> None:
    """Production keeps listening without MongoDB and retries every 5 s (API.md 1)."""

    def retry() -> None:
        while True:
            time.sleep(PRODUCTION_RETRY_SECONDS)
            try:
                db.ensure_indexes(database)
            except PyMongoError as exc:
                log.warning("MongoDB still unreachable, retrying in %ss: %s", PRODUCTION_RETRY_SECONDS, exc)
                continue
            log.info("MongoDB connected")
            return

    threading.Thread(target=retry, name="mongodb-retry", daemon=True).start()


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        settings = Settings.from_env(os.environ)
    except ConfigError as exc:
        print(f"Environment validation failed: {exc}", file=sys.stderr)
        return 1

    client = db.connect(settings)
    database = db.database(client, settings)
    try:
        db.ensure_indexes(database)
    except PyMongoError as exc:
        if not settings.is_production:
            reason = str(exc).split(" (configured timeouts")[0].split(", Timeout:")[0]
            print(f"MongoDB connection failed: {reason}", file=sys.stderr)
            client.close()
            return 1
        log.error("MongoDB connection failed, retrying every %ss: %s", PRODUCTION_RETRY_SECONDS, exc)
        _prepare_later(database)

    app = create_app(settings, client, prepare_db=False)
    log.info(
        "Al Marya Rostery reference backend %s (%s) on http://%s:%s",
        settings.backend_version,
        settings.node_env,
        settings.host,
        settings.port,
    )
    config = uvicorn.Config(app, host=settings.host, port=settings.port, access_log=True, log_level="info")
    server = uvicorn.Server(config)
    server.run()
    client.close()
    # uvicorn exits with status 1 itself when it cannot bind; a clean shutdown is 0.
    return 0 if server.started else 1


if __name__ == "__main__":
    sys.exit(main())
