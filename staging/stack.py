"""The staging stack: one interface over every target, whether we start it or it is already running."""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

import httpx
from pymongo.database import Database

from staging.backend import FakeEndpoints, ReferenceBackend, Secrets, backend_env
from staging.core import StagingError, free_port
from staging.fakes.firebase import FirebaseAuthStub, service_account_key
from staging.fakes.smtp import SmtpSink
from staging.fakes.stripe import StripeFake
from staging.mongo import ExistingMongo, SecantusMongo
from staging.seed import AdminCredentials, seed_admin, seed_catalog, strong_password


class Target(StrEnum):
    EMBEDDED = "embedded"
    REMOTE = "remote"


@dataclass(frozen=True)
class StackSettings:
    """What a run asks for; built from CLI flags, pytest options or the environment."""

    target: Target = Target.EMBEDDED
    run_dir: Path = Path("runs/adhoc")
    base_url: str | None = None
    mongo_uri: str | None = None
    db_name: str = "almarya_e2e"
    defects: tuple[str, ...] = ()
    backend_port: int | None = None
    admin_email: str | None = None
    admin_password: str | None = None
    allow_destructive: bool = False
    production: bool = False


@dataclass
class Stack:
    """Handles on a running stack. Fakes and the database are None where the target does not expose them."""

    target: Target
    base_url: str
    admin: AdminCredentials
    keys: Secrets
    run_dir: Path
    db: Database | None = None
    mongo_uri: str | None = None
    stripe: StripeFake | None = None
    firebase: FirebaseAuthStub | None = None
    mail: SmtpSink | None = None
    logs: dict[str, Path] = field(default_factory=dict)
    coffee_ids: list[str] = field(default_factory=list)

    @property
    def is_local(self) -> bool:
        """Loopback targets are ours to write to; anything else needs the user's explicit consent."""
        host = httpx.URL(self.base_url).host
        return host in {"127.0.0.1", "localhost", "::1"} or host.startswith("127.")


@contextlib.contextmanager
def open_stack(settings: StackSettings) -> Iterator[Stack]:
    """Bring the target up (or check it is there), seed it, yield it; always tear down what we started."""
    opener = {Target.EMBEDDED: _embedded, Target.REMOTE: _remote}[settings.target]
    with opener(settings) as stack:
        yield stack


@contextlib.contextmanager
def _embedded(settings: StackSettings) -> Iterator[Stack]:
    logs = settings.run_dir / "logs"
    keys = Secrets()
    admin = AdminCredentials("admin@example.com", strong_password())
    with contextlib.ExitStack() as services:
        mongo = services.enter_context(SecantusMongo(logs / "mongodb.log"))
        stripe = services.enter_context(StripeFake(logs / "stripe.log"))
        firebase = services.enter_context(FirebaseAuthStub(logs / "firebase.log"))
        mail = services.enter_context(SmtpSink(logs / "smtp.log"))
        db = mongo.database(settings.db_name)
        # A database of the same name from an aborted run would carry its orders and counters.
        mongo.client().drop_database(settings.db_name)
        seed_admin(db, admin)
        coffee_ids = [str(i) for i in seed_catalog(db)]
        fakes = FakeEndpoints(stripe.url, firebase.host, service_account_key(), mail.host, mail.port)
        port = settings.backend_port or free_port()
        extra = {"ALMARYA_DEFECTS": ",".join(settings.defects)} if settings.defects else {}
        env = backend_env(
            port=port, mongo_uri=mongo.database_uri(settings.db_name), keys=keys, fakes=fakes, extra=extra
        )
        backend = services.enter_context(ReferenceBackend(env, logs / "backend.log", port=port))
        yield Stack(
            Target.EMBEDDED,
            backend.url,
            admin,
            keys,
            settings.run_dir,
            db=db,
            mongo_uri=mongo.database_uri(settings.db_name),
            stripe=stripe,
            firebase=firebase,
            mail=mail,
            coffee_ids=coffee_ids,
            logs={
                "backend": backend.log_path,
                "mongodb": logs / "mongodb.log",
                "stripe": logs / "stripe.log",
                "firebase": logs / "firebase.log",
                "smtp": logs / "smtp.log",
            },
        )


def check_reachable(base_url: str) -> None:
    """One clear error for a target that is not there or is not this backend."""
    try:
        response = httpx.get(f"{base_url.rstrip('/')}/health", timeout=5)
    except httpx.HTTPError as exc:
        raise StagingError(f"target {base_url} is unreachable: {exc or type(exc).__name__}") from None
    if response.status_code not in (200, 503) or "json" not in response.headers.get("content-type", ""):
        raise StagingError(
            f"target {base_url} does not look like the Al Marya backend "
            f"(GET /health answered {response.status_code})"
        )


@contextlib.contextmanager
def _remote(settings: StackSettings) -> Iterator[Stack]:
    if not settings.base_url:
        raise StagingError("the remote target needs --base-url")
    check_reachable(settings.base_url)
    email = settings.admin_email or os.environ.get("ALMARYA_ADMIN_EMAIL")
    password = settings.admin_password or os.environ.get("ALMARYA_ADMIN_PASSWORD")
    with contextlib.ExitStack() as services:
        db = None
        mongo_uri = settings.mongo_uri or os.environ.get("ALMARYA_MONGODB_URI")
        if mongo_uri:
            mongo = services.enter_context(ExistingMongo(mongo_uri))
            db = mongo.client().get_default_database(settings.db_name)
            if not (email and password):
                # A fresh address: an existing admin@example.com would keep its own, unknown password.
                email, password = f"qa-admin-{secrets.token_hex(4)}@example.com", strong_password()
                seed_admin(db, AdminCredentials(email, password))
            seed_catalog(db)
        if not (email and password):
            raise StagingError(
                "the remote target needs admin credentials: set ALMARYA_ADMIN_EMAIL and "
                "ALMARYA_ADMIN_PASSWORD, or give a MongoDB URI to seed an admin"
            )
        yield Stack(
            Target.REMOTE,
            settings.base_url.rstrip("/"),
            AdminCredentials(email, password),
            Secrets(),
            settings.run_dir,
            db=db,
            mongo_uri=mongo_uri,
        )
