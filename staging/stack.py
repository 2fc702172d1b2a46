"""The staging stack: one interface over every target, whether we start it or it is already running.

``open_stack(StackSettings) -> Stack`` is all callers use; each target lives in ``staging.targets``:
embedded (SecantusDB + reference backend), local (a Node checkout via npm), docker (testcontainers) and
remote (a URL). ``check_preconditions`` reports a misconfigured target before anything starts.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager

from staging.targets.common import Stack, StackSettings, Target, check_reachable, require
from staging.targets.docker import open_docker
from staging.targets.embedded import open_embedded
from staging.targets.local import open_local
from staging.targets.remote import open_remote

__all__ = [
    "Stack",
    "StackSettings",
    "Target",
    "check_preconditions",
    "check_reachable",
    "implied_target",
    "open_stack",
]

_OPENERS: dict[Target, Callable[[StackSettings], AbstractContextManager[Stack]]] = {
    Target.EMBEDDED: open_embedded,
    Target.LOCAL: open_local,
    Target.DOCKER: open_docker,
    Target.REMOTE: open_remote,
}


@contextlib.contextmanager
def open_stack(settings: StackSettings) -> Iterator[Stack]:
    """Bring the target up (or check it is there), seed it, yield it; always tear down what we started."""
    with _OPENERS[settings.target](settings) as stack:
        yield stack


def implied_target(*, base_url: str | None, backend_dir: object, backend_image: str | None) -> Target:
    """The target when none is named: a URL means remote, an image docker, a checkout local."""
    if base_url:
        return Target.REMOTE
    if backend_image:
        return Target.DOCKER
    return Target.LOCAL if backend_dir else Target.EMBEDDED


def check_preconditions(settings: StackSettings) -> None:
    """The cheap checks of a target's settings, so a bad flag fails before workers start (one clear line)."""
    from staging import docker_stack, node_backend  # noqa: PLC0415 - only the targets that need them

    require(
        not settings.production or settings.target is Target.REMOTE,
        "--production applies to the remote target only (give --base-url)",
    )
    require(
        not (settings.production and settings.allow_destructive),
        "--production runs read-only smoke checks only: --allow-destructive is refused",
    )
    require(
        not settings.defects or settings.target is Target.EMBEDDED,
        "--defects switches defects on in the reference backend: the embedded target only",
    )
    if settings.target is Target.REMOTE:
        require(settings.base_url, "the remote target needs --base-url")
        assert settings.base_url is not None
        check_reachable(settings.base_url)
        has_admin = (settings.admin_email or os.environ.get("ALMARYA_ADMIN_EMAIL")) and (
            settings.admin_password or os.environ.get("ALMARYA_ADMIN_PASSWORD")
        )
        require(
            settings.production or has_admin or settings.mongo_uri or os.environ.get("ALMARYA_MONGO_URI"),
            "the remote target needs admin credentials: set ALMARYA_ADMIN_EMAIL and ALMARYA_ADMIN_PASSWORD, "
            "or give a MongoDB URI to seed an admin",
        )
    elif settings.target is Target.LOCAL:
        node_backend.check_backend_dir(settings.backend_dir)
        node_backend.find_toolchain()
    elif settings.target is Target.DOCKER:
        docker_stack.check_backend_source(settings.backend_image, settings.backend_dir)
        docker_stack.require_engine()
