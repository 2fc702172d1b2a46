"""The default target: SecantusDB, the reference backend and our fakes, all started here (no Docker)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from staging.backend import ReferenceBackend, backend_env
from staging.core import free_port
from staging.mongo import SecantusMongo
from staging.targets.common import Stack, StackSettings, Target, dependencies


@contextlib.contextmanager
def open_embedded(settings: StackSettings) -> Iterator[Stack]:
    logs = settings.run_dir / "logs"
    mongo_log = logs / "mongodb.log"
    with dependencies(settings, logs, lambda: SecantusMongo(mongo_log), mongo_log=mongo_log) as deps:
        port = settings.backend_port or free_port()
        extra = {"ALMARYA_DEFECTS": ",".join(settings.defects)} if settings.defects else {}
        env = backend_env(
            port=port, mongo_uri=deps.database_uri, keys=deps.keys, fakes=deps.fakes(), extra=extra
        )
        with ReferenceBackend(env, logs / "backend.log", port=port) as backend:
            yield deps.stack(Target.EMBEDDED, backend.url, settings.run_dir, backend.log_path)
