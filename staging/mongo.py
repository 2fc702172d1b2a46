"""MongoDB for the stack: a SecantusDB we start, or a server that is already running.

Both sides offer the same interface (``uri``, ``client()``, ``database(name)``), as pytest-mongo does
with ``mongo_proc`` and ``mongo_noproc``; the stack does not care which one it got.
"""

from __future__ import annotations

import sys
from contextlib import AbstractContextManager
from pathlib import Path
from types import TracebackType

from pymongo import MongoClient
from pymongo.database import Database

from staging.core import LOOPBACK, ChildProcess, StagingError, free_port, wait_until

# Short: the stand-in is local, and an unreachable database must fail the run quickly and clearly.
_SELECTION_TIMEOUT_MS = 3000


def mongo_client(uri: str) -> MongoClient:
    return MongoClient(
        uri, serverSelectionTimeoutMS=_SELECTION_TIMEOUT_MS, connectTimeoutMS=3000, tz_aware=True
    )


class _MongoBase(AbstractContextManager["_MongoBase"]):
    uri: str

    def __init__(self) -> None:
        self._client: MongoClient | None = None

    def client(self) -> MongoClient:
        if self._client is None:
            self._client = mongo_client(self.uri)
        return self._client

    def database(self, name: str) -> Database:
        return self.client()[name]

    def database_uri(self, name: str) -> str:
        return f"{self.uri.rstrip('/')}/{name}"

    def _close_client(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def stop(self) -> None:
        self._close_client()


class SecantusMongo(_MongoBase):
    """SecantusDB in its own process, in memory, on a free loopback port."""

    name = "mongodb"

    def __init__(self, log_path: Path, *, port: int | None = None, storage_path: str = ":memory:") -> None:
        super().__init__()
        self.port = port or free_port()
        self.uri = f"mongodb://{LOOPBACK}:{self.port}"
        self.log_path = log_path
        self._process = ChildProcess(
            "SecantusDB",
            [
                sys.executable,
                "-m",
                "secantus",
                "--host",
                LOOPBACK,
                "--port",
                str(self.port),
                "--storage-path",
                storage_path,
                "--log-level",
                "WARNING",
            ],
            log_path=log_path,
        )

    def __enter__(self) -> SecantusMongo:
        self._process.start()
        try:
            self._process.wait_ready(lambda: self.client().admin.command("ping"), timeout=20)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        self._close_client()
        self._process.stop()


class ExistingMongo(_MongoBase):
    """A MongoDB someone else runs (a remote target's, or a developer's own)."""

    name = "mongodb"

    def __init__(self, uri: str) -> None:
        super().__init__()
        if not uri.startswith(("mongodb://", "mongodb+srv://")):
            raise StagingError(f"not a MongoDB URI: {uri!r} (expected mongodb:// or mongodb+srv://)")
        self.uri = uri

    def __enter__(self) -> ExistingMongo:
        try:
            wait_until(
                lambda: self.client().admin.command("ping"), timeout=5, description=f"MongoDB at {self.uri}"
            )
        except TimeoutError:
            self.stop()
            raise StagingError(f"MongoDB at {self.uri} is unreachable") from None
        return self
