"""Containers for the docker target, with testcontainers: the mongo image and the backend image.

Networking: both containers use the host's network namespace (``network_mode=host``). API.md 1 makes the
backend treat any MongoDB URI without ``127.0.0.1``/``localhost`` as a hosted cluster (TLS, authSource), so
the backend must reach MongoDB as ``127.0.0.1``; on a bridge network that would be the backend container
itself. With host networking ``127.0.0.1`` is the host for every container, so MongoDB, our fakes (which
stay bound to loopback, never to 0.0.0.0) and the backend all meet there, and the suite reaches the backend
at ``http://127.0.0.1:<port>`` as for the other targets. Host networking needs a Linux engine (or Docker
Desktop with host networking enabled).

Container settings are plain data (``ContainerSpec``) built without an engine, so unit tests check them
here; ``start`` applies a spec through testcontainers only when an engine answers. Cleanup: every container
is a context manager removed on exit, and testcontainers' Ryuk reaper removes them if the run is killed.
"""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx

from staging.core import LOOPBACK, StagingError
from staging.node_backend import STRIPE_REDIRECT

if TYPE_CHECKING:
    from testcontainers.core.container import DockerContainer

MONGO_IMAGE = "mongo:7.0"
CONTAINER_STRIPE_REDIRECT = "/opt/almarya/stripe_redirect.cjs"
ENGINE_TIMEOUT = 3.0  # seconds for the ping: a missing engine must be reported at once
LABELS = {"org.almarya.qa": "staging"}


@dataclass(frozen=True)
class EngineStatus:
    available: bool
    reason: str


def docker_host() -> str:
    """Where the engine should be: testcontainers' own discovery (properties, DOCKER_HOST, the current
    docker context), else the default socket."""
    from testcontainers.core.docker_client import get_docker_host  # noqa: PLC0415 - docker target only

    return get_docker_host() or "unix:///var/run/docker.sock"


def engine_status(timeout: float = ENGINE_TIMEOUT) -> EngineStatus:
    """Whether a Docker engine answers ``GET /_ping`` (the CLI may be installed while its daemon is not).

    The ping is a few lines of socket code on purpose: docker-py and httpx both leak the socket of a
    failed unix-socket connect, which the suite's warnings-as-errors would report.
    """
    host = docker_host()
    try:
        if host.startswith("unix://"):
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
                sock.settimeout(timeout)
                sock.connect(host.removeprefix("unix://"))
                status_line = _ping_over(sock)
        elif host.startswith("tcp://"):
            address = httpx.URL(f"http://{host.removeprefix('tcp://')}")
            with socket.create_connection((address.host, address.port or 2375), timeout=timeout) as sock:
                if os.environ.get("DOCKER_TLS_VERIFY"):
                    return EngineStatus(True, f"a TLS Docker engine listens at {host}")
                status_line = _ping_over(sock)
        else:
            return EngineStatus(True, f"{host}: not pinged (only unix:// and tcp:// are), assumed running")
    except OSError as exc:
        return EngineStatus(False, f"no Docker engine answers at {host} ({_first_line(exc)})")
    if " 200 " not in f"{status_line} ":
        return EngineStatus(False, f"the Docker engine at {host} answered {status_line!r} to a ping")
    return EngineStatus(True, f"a Docker engine answers at {host}")


def _ping_over(sock: socket.socket) -> str:
    sock.sendall(b"GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n")
    return sock.recv(256).decode("latin-1").split("\r\n", 1)[0]


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text if len(text) <= 160 else text[:157] + "..."


def require_engine() -> None:
    status = engine_status()
    if not status.available:
        raise StagingError(f"the docker target needs a running Docker engine: {status.reason}")


def check_backend_source(image: str | None, backend_dir: Path | None) -> None:
    """The docker target runs ``--backend-image`` or builds ``--backend-dir``'s Dockerfile."""
    if image:
        return
    if backend_dir is None:
        raise StagingError(
            "the docker target needs --backend-image NAME or --backend-dir DIR with a Dockerfile"
        )
    if not (backend_dir / "Dockerfile").is_file():
        raise StagingError(f"--backend-dir {backend_dir}: no Dockerfile to build the backend image from")


@dataclass(frozen=True)
class ContainerSpec:
    """Everything ``docker run`` gets for one container."""

    role: str
    image: str
    command: tuple[str, ...] = ()
    env: Mapping[str, str] = field(default_factory=dict)
    network_mode: str = "host"
    volumes: tuple[tuple[str, str, str], ...] = ()  # (host path, container path, mode)
    labels: Mapping[str, str] = field(default_factory=lambda: dict(LABELS))


def mongo_spec(port: int, image: str = MONGO_IMAGE) -> ContainerSpec:
    """mongod on the host's loopback only, on a port chosen free on the host."""
    command = ("mongod", "--bind_ip", LOOPBACK, "--port", str(port))
    return ContainerSpec("mongodb", image, command, {}, labels=LABELS | {"org.almarya.role": "mongodb"})


def backend_spec(image: str, env: Mapping[str, str]) -> ContainerSpec:
    """The backend with API.md 9.3's environment and the Stripe redirect preloaded from a read-only mount."""
    host = httpx.URL(env["MONGODB_URI"]).host
    if host not in {LOOPBACK, "localhost"}:
        # API.md 1: any other host name switches the backend to hosted-cluster mode (TLS, authSource).
        raise StagingError(
            f"the backend container must reach MongoDB as 127.0.0.1 or localhost, not {host!r}"
        )
    environment = dict(env) | {"NODE_OPTIONS": f'--require "{CONTAINER_STRIPE_REDIRECT}"'}
    volumes = ((str(STRIPE_REDIRECT), CONTAINER_STRIPE_REDIRECT, "ro"),)
    return ContainerSpec(
        "backend", image, (), environment, volumes=volumes, labels=LABELS | {"org.almarya.role": "backend"}
    )


def to_container(spec: ContainerSpec) -> DockerContainer:
    """The testcontainers object for a spec (connects to the engine, so only called when one runs)."""
    from testcontainers.core.container import DockerContainer  # noqa: PLC0415 - engine-only path

    container = DockerContainer(spec.image)
    if spec.command:
        container.with_command(list(spec.command))
    container.with_envs(**dict(spec.env))
    for host_path, container_path, mode in spec.volumes:
        container.with_volume_mapping(host_path, container_path, mode)
    return container.with_kwargs(network_mode=spec.network_mode, labels=dict(spec.labels))


@contextmanager
def running(spec: ContainerSpec, log_path: Path) -> Iterator[DockerContainer]:
    """Start the container, copy its output into ``log_path`` as it comes, always remove it."""
    with to_container(spec) as container:
        log_path.parent.mkdir(parents=True, exist_ok=True)
        copier = threading.Thread(
            target=_copy_logs, args=(container, log_path), name=f"logs-{spec.role}", daemon=True
        )
        copier.start()
        yield container


def _copy_logs(container: Any, log_path: Path) -> None:
    # The stream ends when the container is removed; errors only mean the container is gone.
    try:
        with log_path.open("ab") as log:
            for chunk in container.get_wrapped_container().logs(stream=True, follow=True):
                log.write(chunk)
                log.flush()
    except Exception:  # noqa: S110 - a vanished container ends the copy, nothing to report
        pass


@contextmanager
def built_image(backend_dir: Path, tag: str) -> Iterator[str]:
    """Build ``backend_dir``'s Dockerfile; the image is removed afterwards."""
    from testcontainers.core.image import DockerImage  # noqa: PLC0415 - engine-only path

    with DockerImage(path=backend_dir, tag=tag, clean_up=True) as image:
        yield str(image)
