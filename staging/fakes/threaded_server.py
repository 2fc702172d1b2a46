"""Serve a small ASGI app from a background thread, so a fake lives and dies with the suite's process."""

from __future__ import annotations

import logging
import threading
from contextlib import AbstractContextManager
from pathlib import Path
from types import TracebackType

import httpx
import uvicorn
from starlette.types import ASGIApp

from staging.core import LOOPBACK, ServiceStartError, free_port, wait_until


def file_logger(name: str, log_path: Path) -> logging.Logger:
    """A logger writing only to ``log_path``: each fake's calls end up in its own file of the run folder."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    logger = logging.getLogger(f"almarya.{name}.{log_path}")
    logger.propagate = False
    logger.setLevel(logging.INFO)
    handler = logging.FileHandler(log_path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    logger.addHandler(handler)
    return logger


def close_logger(logger: logging.Logger) -> None:
    for handler in list(logger.handlers):
        handler.close()
        logger.removeHandler(handler)


class ThreadedHttpServer(AbstractContextManager["ThreadedHttpServer"]):
    """uvicorn in a daemon thread; ready when ``health_path`` answers, stopped by ``should_exit``."""

    def __init__(
        self,
        name: str,
        app: ASGIApp,
        *,
        host: str = LOOPBACK,
        port: int | None = None,
        health_path: str = "/__fake/health",
    ) -> None:
        self.name = name
        self.host = host
        self.port = port or free_port(host)
        self.health_path = health_path
        config = uvicorn.Config(
            app,
            host=host,
            port=self.port,
            log_config=None,
            access_log=False,
            lifespan="off",
            timeout_graceful_shutdown=2,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, name=f"fake-{name}", daemon=True)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def __enter__(self) -> ThreadedHttpServer:
        self._thread.start()
        try:
            wait_until(
                self._answers,
                timeout=10,
                description=f"{self.name} fake",
                give_up=lambda: None if self._thread.is_alive() else "its thread ended",
            )
        except Exception as exc:
            self.stop()
            raise ServiceStartError(f"{self.name} fake did not start on {self.url}: {exc}") from None
        return self

    def _answers(self) -> bool:
        return httpx.get(self.url + self.health_path, timeout=1).status_code == 200

    def stop(self) -> None:
        self._server.should_exit = True
        if self._thread.is_alive():
            self._thread.join(timeout=5)

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
