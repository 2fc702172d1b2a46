"""The entry point `python -m staging.reference` (API.md 1)."""

from __future__ import annotations

import signal
import subprocess
import uuid
from http import HTTPStatus

import httpx

from .support import base_env, free_port, run_module, wait_until


def test_entry_point_listens_and_gets_ready(mongo_url):
    """With a valid environment it creates indexes and serves /ready on PORT."""
    port = free_port()
    proc = run_module({**base_env(mongo_url, f"ref_start_{uuid.uuid4().hex[:8]}"), "PORT": str(port)})
    try:

        def ready() -> bool:
            if proc.poll() is not None:
                raise RuntimeError(f"backend exited: {proc.communicate()[1].decode(errors='replace')}")
            try:
                return httpx.get(f"http://127.0.0.1:{port}/ready", timeout=2).status_code == HTTPStatus.OK
            except httpx.TransportError:
                return False

        wait_until(ready, 30, "backend /ready")
    finally:
        proc.terminate()
        try:
            proc.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate(timeout=20)
    assert proc.returncode in (0, -signal.SIGTERM)  # uvicorn re-raises SIGTERM after a graceful stop
