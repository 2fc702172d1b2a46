"""Helpers shared by the reference backend's tests (no fixtures here; those live in conftest.py)."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import uvicorn
from bson import ObjectId
from starlette.applications import Starlette

REPO_ROOT = Path(__file__).resolve().parents[2]
ADMIN_PASSWORD = "Adm1n!pass"
CUSTOMER_PASSWORD = "Passw0rd!"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until(check: Callable[[], bool], timeout: float, what: str, interval: float = 0.05) -> None:
    """Poll `check` until it is true; fail with `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(interval)
    raise TimeoutError(f"{what} not reached within {timeout}s")


def base_env(mongo_url: str, db_name: str) -> dict[str, str]:
    return {
        "NODE_ENV": "test",
        "MONGODB_URI": f"{mongo_url}/{db_name}",
        "JWT_SECRET": "reference-tests-access-secret-0123456789",
        "JWT_REFRESH_SECRET": "reference-tests-refresh-secret-9876543210",
        "STRIPE_SECRET_KEY": "sk_test_dummy",
        "TZ": "Asia/Dubai",
        # As a test run sets them (API.md 9.3): a module's tests exceed the default rate limits.
        "RATE_LIMIT_MAX_REQUESTS": "100000",
        "LOGIN_RATE_LIMIT_MAX": "1000",
    }


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def unique_email(prefix: str = "user") -> str:
    return f"{prefix}.{uuid.uuid4().hex[:10]}@example.com"


@dataclass
class Customer:
    id: str
    email: str
    token: str
    refresh_token: str


def order_body(coffee_id: ObjectId | str, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "items": [
            {"productId": str(coffee_id), "productName": "Yirgacheffe", "quantity": 2, "selectedSize": "250g"}
        ],
        "shippingAddress": {"street": "1 Coffee St", "city": "Dubai", "country": "UAE"},
        "totalAmount": 130,
        "paymentMethod": "cash",
        "deliveryMethod": "standard",
    }
    body.update(overrides)
    return body


@dataclass
class Worker:
    id: str
    pin: str
    token: str


def run_module(env: dict[str, str], *args: str) -> subprocess.Popen[bytes]:
    """`python -m staging.reference` from the repository root with exactly this environment."""
    full_env = {"PATH": os.environ.get("PATH", ""), **env}
    return subprocess.Popen(
        [sys.executable, "-m", "staging.reference", *args],
        cwd=REPO_ROOT,
        env=full_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


@contextlib.contextmanager
def live_server(app: Starlette) -> Iterator[str]:
    """Serve `app` with uvicorn on a free loopback port in a thread; yield its base URL, stop it after.

    (Starlette's TestClient now warns unless httpx2 is installed; a real server also gives real concurrency.)
    """
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", ws="none", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="reference-backend", daemon=True)
    thread.start()
    try:
        wait_until(lambda: server.started or not thread.is_alive(), 20, "reference backend listening")
        if not server.started:
            raise RuntimeError("reference backend failed to start")
        port = server.servers[0].sockets[0].getsockname()[1]
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=20)
