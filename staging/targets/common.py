"""What every target shares: the settings a run asks for, the handles on a running stack, and the
dependencies (MongoDB, the third-party fakes, seeding) of the targets whose backend we start ourselves.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
from pymongo.database import Database

from staging.backend import FakeEndpoints, Secrets
from staging.core import StagingError
from staging.fakes.firebase import FirebaseAuthStub, service_account_key
from staging.fakes.smtp import SmtpSink
from staging.fakes.stripe import StripeFake
from staging.mongo import _MongoBase
from staging.seed import AdminCredentials, seed_admin, seed_catalog, strong_password

if TYPE_CHECKING:
    from staging.capabilities import CapabilityReport


class Target(StrEnum):
    EMBEDDED = "embedded"  # SecantusDB + the reference backend + our fakes, all started here
    LOCAL = "local"  # a Node backend checkout started with npm, against SecantusDB and our fakes
    DOCKER = "docker"  # the mongo image and the backend as containers (testcontainers), our fakes
    REMOTE = "remote"  # a running backend addressed only by URL: nothing is started

    @property
    def started_here(self) -> bool:
        """Targets whose backend this run starts, and so may write to freely."""
        return self is not Target.REMOTE


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
    backend_dir: Path | None = None  # local: the Node checkout; docker: a directory with a Dockerfile
    backend_image: str | None = None  # docker: an image to run instead of building backend_dir
    install_dependencies: bool = True  # local: run `npm install` first (a pytest run does it once, up front)
    start_timeout: float = 60.0  # local and docker: how long the backend may take to answer GET /ready


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
    # Which contract endpoints the backend answers (staging.capabilities); filled in by the pytest plugin.
    capabilities: CapabilityReport | None = None

    @property
    def is_local(self) -> bool:
        """Loopback targets are ours to write to; anything else needs the user's explicit consent."""
        host = httpx.URL(self.base_url).host
        return host in {"127.0.0.1", "localhost", "::1"} or host.startswith("127.")


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


@dataclass
class Dependencies:
    """A seeded MongoDB and the three fakes: everything a backend we start needs around it."""

    mongo: _MongoBase
    db: Database
    database_uri: str
    admin: AdminCredentials
    keys: Secrets
    stripe: StripeFake
    firebase: FirebaseAuthStub
    mail: SmtpSink
    coffee_ids: list[str]
    logs: dict[str, Path]

    def fakes(self) -> FakeEndpoints:
        return FakeEndpoints(
            self.stripe.url, self.firebase.host, service_account_key(), self.mail.host, self.mail.port
        )

    def stack(self, target: Target, base_url: str, run_dir: Path, backend_log: Path) -> Stack:
        return Stack(
            target,
            base_url,
            self.admin,
            self.keys,
            run_dir,
            db=self.db,
            mongo_uri=self.database_uri,
            stripe=self.stripe,
            firebase=self.firebase,
            mail=self.mail,
            coffee_ids=self.coffee_ids,
            logs={"backend": backend_log, **self.logs},
        )


@contextlib.contextmanager
def dependencies(
    settings: StackSettings,
    logs: Path,
    mongo: Callable[[], AbstractContextManager[_MongoBase]],
    *,
    mongo_log: Path | None = None,
) -> Iterator[Dependencies]:
    """Start ``mongo`` and the fakes, seed the admin and the catalog; stop them all, also on failure."""
    admin = AdminCredentials("admin@example.com", strong_password())
    with contextlib.ExitStack() as services:
        database = services.enter_context(mongo())
        stripe = services.enter_context(StripeFake(logs / "stripe.log"))
        firebase = services.enter_context(FirebaseAuthStub(logs / "firebase.log"))
        mail = services.enter_context(SmtpSink(logs / "smtp.log"))
        # A database of the same name from an aborted run would carry its orders and counters.
        database.client().drop_database(settings.db_name)
        db = database.database(settings.db_name)
        seed_admin(db, admin)
        coffee_ids = [str(i) for i in seed_catalog(db)]
        service_logs = {name: logs / f"{name}.log" for name in ("stripe", "firebase", "smtp")}
        if mongo_log is not None:
            service_logs = {"mongodb": mongo_log, **service_logs}
        yield Dependencies(
            database,
            db,
            database.database_uri(settings.db_name),
            admin,
            Secrets(),
            stripe,
            firebase,
            mail,
            coffee_ids,
            service_logs,
        )


def require(condition: object, message: str) -> None:
    """A settings check that fails with one clear line."""
    if not condition:
        raise StagingError(message)
