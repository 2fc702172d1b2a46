"""The local target's machinery, against the Node test app (tests/node_app): npm install, npm start, the
environment and its preloads, readiness, the log, clear errors and the cleanup of the process tree."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from http import HTTPStatus
from pathlib import Path

import bcrypt
import httpx
import psutil
import pytest

from fixtures import actors, factories
from fixtures.actors import Login
from fixtures.api import CustomerApi
from fixtures.models import Order
from fixtures.transport import ClientConfig
from staging import dbtools
from staging.backend import Secrets, backend_env
from staging.core import ServiceStartError, StagingError, free_port, wait_until
from staging.node_backend import (
    STRIPE_REDIRECT,
    NodeBackend,
    check_backend_dir,
    find_toolchain,
    node_options,
    npm_install,
)
from staging.stack import Stack, StackSettings, Target, open_stack

REPO = Path(__file__).resolve().parents[2]
NODE_APP = REPO / "tests" / "node_app"


def copy_node_app(destination: Path) -> Path:
    """A private copy, so npm install never writes into the repository and tests never share node_modules."""
    shutil.copytree(NODE_APP, destination, ignore=shutil.ignore_patterns("node_modules"))
    return destination


@pytest.fixture(scope="module")
def local_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """One local stack for the read-mostly checks below.

    Module scope is safe: each test makes its own customer and order with faker data and reads only those.
    """
    root = tmp_path_factory.mktemp("local")
    settings = StackSettings(
        target=Target.LOCAL, backend_dir=copy_node_app(root / "app"), run_dir=root / "run"
    )
    with open_stack(settings) as stack:
        yield stack


def customer_with_order(stack: Stack) -> tuple[CustomerApi, Login, Order]:
    """A customer registered through the API with one order for two bags of the first coffee."""
    config = ClientConfig(stack.base_url)
    customer, login = actors.register_customer(config)
    order = customer.place_order(factories.order_payload(actors.active_catalog(config)[:1], quantity=2))
    return customer, login, order


def test_the_local_target_installs_and_starts_the_checkout_with_npm(local_stack: Stack):
    """npm install ran in the checkout, npm start's output is the backend log, and the app is ready."""
    logs = local_stack.run_dir / "logs"
    assert local_stack.target is Target.LOCAL
    assert "added 1 package" in (logs / "npm-install.log").read_text()
    root = httpx.get(f"{local_stack.base_url}/", timeout=5).json()
    assert root == {
        "message": "Al Marya Rostery API",
        "status": "running",
        "mongodb": "connected",
        "version": "0.9.0-test",
    }
    assert httpx.get(f"{local_stack.base_url}/ready", timeout=5).status_code == HTTPStatus.OK
    backend_log = local_stack.logs["backend"].read_text()
    assert "> node server.js" in backend_log, "npm start's own output is captured"
    assert "listening on 127.0.0.1" in backend_log


def test_the_app_writes_to_the_stacks_mongodb(local_stack: Stack):
    """MONGODB_URI reaches the app: the order it accepted is the one stored in the stack's database."""
    assert local_stack.db is not None
    customer, _, order = customer_with_order(local_stack)
    with customer:
        stored = dbtools.order_document(local_stack.db, order.id)
    assert stored is not None
    assert str(stored["user"]) == customer.user.id
    assert stored["orderNumber"] == order.order_number


def test_mail_goes_to_the_stacks_smtp_sink(local_stack: Stack):
    """SMTP_* reach the app: the order confirmation arrives in our sink."""
    assert local_stack.mail is not None
    customer, login, order = customer_with_order(local_stack)
    customer.close()
    mail = local_stack.mail.wait_for_mail(login.email, containing=order.order_number or "?")
    assert mail.subject == f"Order confirmation {order.order_number}"


def test_the_preloaded_redirect_sends_stripe_calls_to_the_fake(local_stack: Stack):
    """NODE_OPTIONS=--require stripe_redirect.cjs points require('stripe') at our fake (API.md 9.5), and the
    Firebase token is checked against our emulator stub (9.4)."""
    assert local_stack.stripe is not None
    assert local_stack.firebase is not None
    customer, login, order = customer_with_order(local_stack)
    customer.close()
    id_token = local_stack.firebase.id_token_for(f"uid-{order.id}", login.email)
    answer = httpx.post(
        f"{local_stack.base_url}/api/payment/create-intent",
        json={"orderId": order.id},
        headers={"Authorization": f"Bearer {id_token}"},
        timeout=10,
    )
    assert answer.status_code == HTTPStatus.OK, answer.text
    intent = answer.json()["data"]
    calls = local_stack.stripe.calls("/v1/payment_intents")
    recorded = [c for c in calls if c.params["metadata"]["orderId"] == order.id]
    assert len(recorded) == 1, "the app's Stripe client must have called our fake exactly once"
    assert recorded[0].params["amount"] == str(round((order.total_amount or 0) * 100))
    assert recorded[0].params["currency"] == "aed"
    assert local_stack.stripe.intent(intent["paymentIntentId"]) is not None


def test_the_node_apps_bcrypt_agrees_with_python_bcrypt(tmp_path: Path):
    """The app verifies the seeded admin's hash (API.md 9.2) and its own hashes verify in Python."""
    app = copy_node_app(tmp_path / "app")
    theirs = bcrypt.hashpw(b"Qa-Passw0rd!", bcrypt.gensalt(rounds=4)).decode()
    script = textwrap.dedent(
        f"""
        const b = require('./lib/bcrypt');
        const stored = {theirs!r};
        console.log(JSON.stringify(
          [b.compare('Qa-Passw0rd!', stored), b.compare('qa-Passw0rd!', stored), b.hash('Qa-Passw0rd!', 4)]));
        """
    )
    out = subprocess.run(
        [find_toolchain().node, "-e", script], cwd=app, capture_output=True, text=True, timeout=30, check=True
    )
    right, wrong, ours = json.loads(out.stdout)
    assert (right, wrong) == (True, False)
    assert bcrypt.checkpw(b"Qa-Passw0rd!", ours.encode())


@pytest.mark.parametrize(
    ("make", "message"),
    [
        pytest.param(lambda p: p / "nowhere", "no such directory", id="missing-dir"),
        pytest.param(lambda p: p, "no package.json", id="not-a-node-package"),
        pytest.param(
            lambda p: _with(p, "package.json", "{not json"), "package.json is not valid JSON", id="bad-json"
        ),
        pytest.param(
            lambda p: _with(p, "package.json", "{}"),
            "no start script and there is no server.js",
            id="no-start",
        ),
    ],
)
def test_a_bad_backend_dir_is_one_clear_error(tmp_path: Path, make, message: str):
    """Each misconfigured checkout names its problem."""
    with pytest.raises(StagingError, match=message):
        check_backend_dir(make(tmp_path))


def _with(folder: Path, name: str, text: str) -> Path:
    (folder / name).write_text(text)
    return folder


def test_the_local_target_without_a_backend_dir_names_the_flag():
    with pytest.raises(StagingError, match="needs --backend-dir DIR"):
        check_backend_dir(None)


def test_missing_node_and_npm_are_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """No node or npm on PATH: the error says which and what version is needed."""
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(
        StagingError, match=r"needs Node.js 20\+ and npm 10\+: node and npm not found on PATH"
    ):
        find_toolchain()


def test_an_old_node_is_refused_with_its_version(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Node 18 is below API.md 1's minimum."""
    for name, version in (("node", "v18.19.0"), ("npm", "10.2.0")):
        tool = tmp_path / name
        tool.write_text(f"#!/bin/sh\necho {version}\n")
        tool.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(StagingError, match=r"needs Node.js 20\+, found v18\.19\.0"):
        find_toolchain()


def test_a_failing_npm_install_shows_its_log(tmp_path: Path):
    """npm's own failure (here a broken package.json) is one error carrying the log, not a traceback."""
    app = _with(tmp_path, "package.json", '{"name": "x", "dependencies": ')
    log = tmp_path / "npm-install.log"
    with pytest.raises(StagingError, match=r"npm install in .* failed with exit status \d+") as failure:
        npm_install(app, find_toolchain(), log)
    assert "EJSONPARSE" in str(failure.value), "the error carries the tail of npm's log"
    assert log.read_text().startswith("$ "), "the log names the command it ran"


def test_a_backend_that_rejects_its_environment_fails_fast_with_its_log(tmp_path: Path):
    """API.md 1: a missing variable exits non-zero; the harness shows the log at once, not at its timeout."""
    app = copy_node_app(tmp_path / "app")
    toolchain = find_toolchain()
    npm_install(app, toolchain, tmp_path / "npm.log")
    env = backend_env(port=free_port(), mongo_uri="mongodb://127.0.0.1:9/x", keys=Secrets(), fakes=None)
    del env["JWT_SECRET"]
    started = time.monotonic()
    with (
        pytest.raises(ServiceStartError) as failure,
        NodeBackend(app, env, tmp_path / "backend.log", toolchain=toolchain, start_timeout=60),
    ):
        pass
    assert time.monotonic() - started < 30, "a process that exited must not be waited for until the timeout"
    assert "exited with status" in str(failure.value)
    assert "JWT_SECRET is required" in str(failure.value)


def test_node_options_quote_the_preload_paths():
    """Paths with spaces survive NODE_OPTIONS (it takes quoted strings)."""
    options = node_options(stripe_redirect=Path("/a b/stripe_redirect.cjs"), watchdog=None)
    assert options == '--require "/a b/stripe_redirect.cjs"'
    assert STRIPE_REDIRECT.is_file()


def _descendants(pid: int) -> list[psutil.Process]:
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []


def test_stopping_the_backend_stops_npm_sh_and_node(tmp_path: Path):
    """The whole npm → sh → node tree ends with the stack, and its port is free again."""
    app = copy_node_app(tmp_path / "app")
    settings = StackSettings(target=Target.LOCAL, backend_dir=app, run_dir=tmp_path / "run")
    before = {p.pid for p in _descendants(os.getpid())}  # other tests' stacks may be running
    with open_stack(settings) as stack:
        port = httpx.URL(stack.base_url).port
        tree = [p for p in _descendants(os.getpid()) if p.pid not in before]
        assert any(_is_server(p) for p in tree), [p.cmdline() for p in tree]
    wait_until(lambda: not _alive(tree), timeout=10, description="the stack's processes to end")
    listening = {c.laddr.port for c in psutil.net_connections("tcp") if c.status == psutil.CONN_LISTEN}
    assert port not in listening


def _is_server(process: psutil.Process) -> bool:
    try:
        return process.name() == "node" and "server.js" in " ".join(process.cmdline())
    except psutil.NoSuchProcess:
        return False


def _alive(processes: list[psutil.Process]) -> list[psutil.Process]:
    return [p for p in processes if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]


HARNESS = """
import sys
from pathlib import Path
from staging.stack import StackSettings, Target, open_stack
settings = StackSettings(target=Target.LOCAL, backend_dir=Path(sys.argv[1]), run_dir=Path(sys.argv[2]))
with open_stack(settings) as stack:
    print("READY", stack.base_url, flush=True)
    sys.stdin.read()
"""


def test_a_killed_harness_leaves_no_node_server_behind(tmp_path: Path):
    """SIGKILL of the harness: the preloaded watchdog stops the server npm started (npm itself and
    SecantusDB die with their parent through PR_SET_PDEATHSIG)."""
    app = copy_node_app(tmp_path / "app")
    harness = subprocess.Popen(
        [sys.executable, "-c", HARNESS, str(app), str(tmp_path / "run")],
        cwd=REPO,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    family: list[psutil.Process] = []
    try:
        assert harness.stdout is not None
        line = harness.stdout.readline()
        assert line.startswith("READY"), line
        family = _descendants(harness.pid)
        assert any(_is_server(p) for p in family), [p.cmdline() for p in family]
        harness.send_signal(signal.SIGKILL)
        harness.wait(timeout=10)
        wait_until(
            lambda: not _alive(family), timeout=15, description="every process of the killed harness to end"
        )
    finally:
        if harness.poll() is None:
            harness.kill()
        harness.communicate(timeout=10)  # closes the pipes
        for process in _alive(family):
            process.kill()
