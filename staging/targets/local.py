"""A Node backend checkout (``--backend-dir``) started with npm against SecantusDB (or ``--mongo-uri``)
and our fakes: Stripe through the preloaded redirect, Firebase at our emulator stub, mail to our sink.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager

from staging.backend import backend_env
from staging.core import free_port
from staging.mongo import ExistingMongo, SecantusMongo, _MongoBase
from staging.node_backend import NodeBackend, check_backend_dir, find_toolchain, npm_install
from staging.targets.common import Stack, StackSettings, Target, dependencies


@contextlib.contextmanager
def open_local(settings: StackSettings) -> Iterator[Stack]:
    backend_dir = check_backend_dir(settings.backend_dir)
    toolchain = find_toolchain()
    logs = settings.run_dir / "logs"
    if settings.install_dependencies:
        npm_install(backend_dir, toolchain, logs / "npm-install.log")
    mongo_log = None if settings.mongo_uri else logs / "mongodb.log"
    mongo: Callable[[], AbstractContextManager[_MongoBase]]
    if settings.mongo_uri:
        uri = settings.mongo_uri
        mongo = lambda: ExistingMongo(uri)  # noqa: E731 - a factory, entered inside dependencies()
    else:
        mongo = lambda: SecantusMongo(logs / "mongodb.log")  # noqa: E731
    with dependencies(settings, logs, mongo, mongo_log=mongo_log) as deps:
        port = settings.backend_port or free_port()
        env = backend_env(port=port, mongo_uri=deps.database_uri, keys=deps.keys, fakes=deps.fakes())
        backend = NodeBackend(
            backend_dir, env, logs / "backend.log", toolchain=toolchain, start_timeout=settings.start_timeout
        )
        with backend:
            yield deps.stack(Target.LOCAL, backend.url, settings.run_dir, backend.log_path)
