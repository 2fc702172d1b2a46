"""The docker target: the container settings (checked without an engine) and, where an engine runs, the
stack itself. Here no Docker daemon runs, so the ``docker``-marked test skips with that reason."""

from __future__ import annotations

import shutil
import socketserver
import threading
from http import HTTPStatus
from pathlib import Path

import httpx
import pytest

from staging.backend import Secrets, backend_env
from staging.core import StagingError
from staging.docker_stack import (
    CONTAINER_STRIPE_REDIRECT,
    MONGO_IMAGE,
    backend_spec,
    check_backend_source,
    engine_status,
    mongo_spec,
    require_engine,
)
from staging.node_backend import STRIPE_REDIRECT
from staging.stack import StackSettings, Target, open_stack

NODE_APP = Path(__file__).resolve().parents[2] / "tests" / "node_app"


@pytest.fixture
def no_engine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """DOCKER_HOST at a socket nobody listens on: "no engine", whatever this machine has."""
    socket = tmp_path / "docker.sock"
    monkeypatch.setenv("DOCKER_HOST", f"unix://{socket}")
    return str(socket)


def _env(mongo_uri: str = "mongodb://127.0.0.1:27999/almarya_e2e") -> dict[str, str]:
    return backend_env(port=5999, mongo_uri=mongo_uri, keys=Secrets(), fakes=None)


def test_mongodb_runs_on_the_hosts_loopback_only():
    """The mongo image shares the host's network and binds 127.0.0.1 on the port we chose."""
    spec = mongo_spec(27999)
    assert spec.image == MONGO_IMAGE
    assert spec.network_mode == "host"
    assert spec.command == ("mongod", "--bind_ip", "127.0.0.1", "--port", "27999")
    assert spec.labels["org.almarya.role"] == "mongodb"


def test_the_backend_container_gets_the_test_environment_and_the_stripe_redirect():
    """API.md 9.3's environment, the preload mounted read-only and named in NODE_OPTIONS, host network."""
    env = _env()
    spec = backend_spec("almarya/backend:candidate", env)
    assert spec.image == "almarya/backend:candidate"
    assert spec.network_mode == "host"
    assert spec.env["MONGODB_URI"] == "mongodb://127.0.0.1:27999/almarya_e2e"
    assert spec.env["PORT"] == "5999"
    assert spec.env["NODE_ENV"] == "test"
    assert spec.env["NODE_OPTIONS"] == f'--require "{CONTAINER_STRIPE_REDIRECT}"'
    assert spec.volumes == ((str(STRIPE_REDIRECT), CONTAINER_STRIPE_REDIRECT, "ro"),)
    assert {k: v for k, v in spec.env.items() if k != "NODE_OPTIONS"} == env


@pytest.mark.parametrize("host", ["mongo", "mongodb.internal"])
def test_the_backend_container_refuses_a_mongodb_host_name(host: str):
    """API.md 1: any host but 127.0.0.1/localhost switches the backend to hosted-cluster mode."""
    with pytest.raises(StagingError, match=f"as 127.0.0.1 or localhost, not '{host}'"):
        backend_spec("backend", _env(f"mongodb://{host}:27017/almarya_e2e"))


def test_the_backend_comes_from_an_image_or_a_dockerfile(tmp_path: Path):
    """Without an image, the directory must hold a Dockerfile; the error names the missing piece."""
    check_backend_source("almarya/backend:1.2.3", None)
    with pytest.raises(StagingError, match="needs --backend-image NAME or --backend-dir DIR"):
        check_backend_source(None, None)
    with pytest.raises(StagingError, match="no Dockerfile"):
        check_backend_source(None, tmp_path)
    check_backend_source(None, NODE_APP)


class _FakeEngine(socketserver.StreamRequestHandler):
    answer = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nOK"

    def handle(self):
        self.rfile.readline()
        self.wfile.write(self.answer)


@pytest.mark.parametrize(
    ("answer", "available"),
    [
        pytest.param(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nOK", True, id="answers-200"),
        pytest.param(b"HTTP/1.1 500 Internal Server Error\r\n\r\n", False, id="answers-500"),
    ],
)
def test_the_engine_ping_reads_the_engines_answer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, answer: bytes, available: bool
):
    """A socket that answers the ping 200 is an engine; anything else is reported with what it said."""
    path = tmp_path / "engine.sock"
    handler = type("Engine", (_FakeEngine,), {"answer": answer})
    with socketserver.UnixStreamServer(str(path), handler) as server:
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        monkeypatch.setenv("DOCKER_HOST", f"unix://{path}")
        try:
            status = engine_status(timeout=2)
        finally:
            server.shutdown()
    assert status.available is available, status.reason
    assert str(path) in status.reason


def test_a_missing_engine_is_reported_with_its_reason(no_engine: str):
    """The ping fails quickly and says why; the target refuses in one line."""
    status = engine_status(timeout=2)
    assert not status.available
    assert f"no Docker engine answers at unix://{no_engine}" in status.reason
    with pytest.raises(StagingError, match="the docker target needs a running Docker engine"):
        require_engine()


def test_the_docker_target_starts_nothing_without_an_engine(tmp_path: Path, no_engine: str):
    """Settings and engine are checked before any fake or database starts."""
    settings = StackSettings(
        target=Target.DOCKER, backend_image="almarya/backend:x", run_dir=tmp_path / "run"
    )
    with pytest.raises(StagingError, match="needs a running Docker engine"), open_stack(settings):
        pass
    assert not (tmp_path / "run").exists(), "nothing may have started, so nothing logged"


@pytest.mark.docker
def test_the_docker_target_serves_the_node_app_built_from_its_dockerfile(tmp_path: Path):
    """The mongo image and the Node test app's image, with our fakes: ready, seeded, reachable."""
    app = tmp_path / "app"
    shutil.copytree(NODE_APP, app, ignore=shutil.ignore_patterns("node_modules"))
    settings = StackSettings(
        target=Target.DOCKER, backend_dir=app, run_dir=tmp_path / "run", start_timeout=180
    )
    with open_stack(settings) as stack:
        assert stack.target is Target.DOCKER
        root = httpx.get(f"{stack.base_url}/", timeout=10).json()
        assert root["version"] == "0.9.0-test"
        assert root["mongodb"] == "connected"
        login = httpx.post(
            f"{stack.base_url}/api/auth/admin-login",
            json={"email": stack.admin.email, "password": stack.admin.password},
            timeout=10,
        )
        assert login.status_code == HTTPStatus.OK, login.text
        assert stack.db is not None
        assert stack.db.users.count_documents({"email": stack.admin.email}) == 1
