"""The backend under test as a process: its environment (API.md 9.3) and its readiness (``GET /ready``)."""

from __future__ import annotations

import os
import secrets
import sys
from collections.abc import Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Self

import httpx

from staging import policy
from staging.core import LOOPBACK, ChildProcess, free_port

TIMEZONE = "Asia/Dubai"


@dataclass(frozen=True)
class Secrets:
    """Per-stack secrets: fresh for every run so no token outlives its stack."""

    jwt_secret: str = field(default_factory=lambda: secrets.token_urlsafe(48))
    jwt_refresh_secret: str = field(default_factory=lambda: secrets.token_urlsafe(48))
    webhook_secret: str = field(default_factory=lambda: f"whsec_{secrets.token_hex(24)}")
    stripe_secret_key: str = "sk_test_dummy"  # noqa: S105 - the placeholder API.md 9.3 prescribes
    stripe_publishable_key: str = "pk_test_dummy"


@dataclass(frozen=True)
class FakeEndpoints:
    """Where the backend finds our third-party fakes."""

    stripe_url: str
    firebase_emulator_host: str
    firebase_service_account_key: str
    smtp_host: str
    smtp_port: int


def backend_env(
    *,
    port: int,
    mongo_uri: str,
    keys: Secrets,
    fakes: FakeEndpoints | None,
    node_env: str = "test",
    extra: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The environment of API.md 9.3, shared by the reference backend and a Node checkout."""
    env = {
        "NODE_ENV": node_env,
        "MONGODB_URI": mongo_uri,
        "JWT_SECRET": keys.jwt_secret,
        "JWT_REFRESH_SECRET": keys.jwt_refresh_secret,
        "STRIPE_SECRET_KEY": keys.stripe_secret_key,
        "STRIPE_PUBLISHABLE_KEY": keys.stripe_publishable_key,
        "STRIPE_WEBHOOK_SECRET": keys.webhook_secret,
        "RATE_LIMIT_MAX_REQUESTS": "100000",
        "LOGIN_RATE_LIMIT_MAX": "1000",
        "ENABLE_AUTO_FIREBASE_SYNC": "false",
        "TZ": TIMEZONE,
        "PORT": str(port),
        "BASE_URL": f"http://localhost:{port}",
        # CANCELLATION.md 1: the policy file the suite reads, so backend and tests agree on it.
        policy.ENV_VAR: str(policy.policy_path()),
    }
    if fakes is not None:
        env |= {
            "STRIPE_API_BASE": fakes.stripe_url,
            "FIREBASE_SERVICE_ACCOUNT_KEY": fakes.firebase_service_account_key,
            "FIREBASE_PROJECT_ID": "demo-e2e",
            "FIREBASE_AUTH_EMULATOR_HOST": fakes.firebase_emulator_host,
            "SMTP_HOST": fakes.smtp_host,
            "SMTP_PORT": str(fakes.smtp_port),
            "SMTP_USER": "qa-mailer@example.com",
            "SMTP_PASS": "sink-accepts-anything",
        }
    return env | dict(extra or {})


def is_ready(base_url: str) -> bool:
    return httpx.get(f"{base_url}/ready", timeout=2).status_code == 200


class BackendProcess(AbstractContextManager["BackendProcess"]):
    """A backend this harness starts: ready when ``GET /ready`` answers 200; stopping ends its processes."""

    name = "backend"

    def __init__(self, process: ChildProcess, port: int, log_path: Path, *, start_timeout: float) -> None:
        self.port = port
        self.url = f"http://{LOOPBACK}:{port}"
        self.log_path = log_path
        self.start_timeout = start_timeout
        self._process = process

    @property
    def pid(self) -> int | None:
        return self._process.pid

    def __enter__(self) -> Self:
        self._process.start()
        try:
            self._process.wait_ready(lambda: is_ready(self.url), timeout=self.start_timeout)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        self._process.stop()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


class ReferenceBackend(BackendProcess):
    """``python -m staging.reference`` on a free loopback port."""

    def __init__(self, env: Mapping[str, str], log_path: Path, *, port: int | None = None) -> None:
        port = port or int(env.get("PORT") or free_port())
        process = ChildProcess(
            "reference backend",
            [sys.executable, "-m", "staging.reference"],
            log_path=log_path,
            env=_inherited_env() | dict(env) | {"PORT": str(port)},
            cwd=Path(__file__).resolve().parent.parent,
        )
        super().__init__(process, port, log_path, start_timeout=30)


def _inherited_env() -> dict[str, str]:
    """Only what a child needs from our environment; the backend's own settings come explicitly."""
    keep = ("PATH", "HOME", "LANG", "LC_ALL", "VIRTUAL_ENV", "PYTHONPATH", "TMPDIR")
    return {k: os.environ[k] for k in keep if k in os.environ}
