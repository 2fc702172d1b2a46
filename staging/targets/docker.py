"""The docker target: MongoDB and the backend as containers (testcontainers), our fakes on the host.

The backend is ``--backend-image NAME`` or built from ``--backend-dir``'s Dockerfile. See
``staging.docker_stack`` for the networking (host network, everything on 127.0.0.1) and the cleanup.
"""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Iterator
from pathlib import Path

from staging.backend import backend_env, is_ready
from staging.core import LOOPBACK, ServiceStartError, free_port, log_tail, wait_until
from staging.docker_stack import (
    backend_spec,
    built_image,
    check_backend_source,
    mongo_spec,
    require_engine,
    running,
)
from staging.mongo import ExistingMongo
from staging.targets.common import Stack, StackSettings, Target, dependencies

MONGO_START_TIMEOUT = 120.0  # the first run pulls the image


@contextlib.contextmanager
def _mongo_container(port: int, log: Path) -> Iterator[ExistingMongo]:
    with running(mongo_spec(port), log):
        mongo = ExistingMongo(f"mongodb://{LOOPBACK}:{port}")
        try:
            wait_until(
                lambda: mongo.client().admin.command("ping"),
                timeout=MONGO_START_TIMEOUT,
                description="the mongo container",
            )
            yield mongo
        finally:
            mongo.stop()


@contextlib.contextmanager
def open_docker(settings: StackSettings) -> Iterator[Stack]:
    check_backend_source(settings.backend_image, settings.backend_dir)
    require_engine()
    logs = settings.run_dir / "logs"
    mongo_log = logs / "mongodb.log"
    with contextlib.ExitStack() as services:
        if settings.backend_image:
            image = settings.backend_image
        else:
            assert settings.backend_dir is not None  # check_backend_source() made sure
            tag = f"almarya-backend-under-test:{secrets.token_hex(4)}"
            image = services.enter_context(built_image(settings.backend_dir, tag))
        mongo_port = free_port()
        deps = services.enter_context(
            dependencies(settings, logs, lambda: _mongo_container(mongo_port, mongo_log), mongo_log=mongo_log)
        )
        port = settings.backend_port or free_port()
        env = backend_env(port=port, mongo_uri=deps.database_uri, keys=deps.keys, fakes=deps.fakes())
        backend_log = logs / "backend.log"
        services.enter_context(running(backend_spec(image, env), backend_log))
        url = f"http://{LOOPBACK}:{port}"
        try:
            wait_until(
                lambda: is_ready(url), timeout=settings.start_timeout, description="the backend container"
            )
        except TimeoutError as exc:
            raise ServiceStartError(
                f"backend container did not start: {exc}\n--- {backend_log} ---\n{log_tail(backend_log)}"
            ) from None
        yield deps.stack(Target.DOCKER, url, settings.run_dir, backend_log)
