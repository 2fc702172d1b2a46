"""The CLI's answers to user errors: one clear line, a non-zero exit, never a traceback."""

from __future__ import annotations

import argparse
import socket
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from staging.cli import run as run_cli

REPO = Path(__file__).resolve().parent.parent


def almarya_qa(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "staging.cli", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(
            ("run", "--base-url", "http://127.0.0.1:9"),
            "target http://127.0.0.1:9 is unreachable",
            id="unreachable-target",
        ),
        pytest.param(
            ("run", "--target", "remote"), "the remote target needs --base-url", id="remote-without-url"
        ),
        pytest.param(("run", "--target", "moon"), "invalid choice: 'moon'", id="unknown-target"),
        pytest.param(("frobnicate",), "invalid choice: 'frobnicate'", id="unknown-command"),
    ],
)
def test_user_errors_give_one_clear_line(args: tuple[str, ...], message: str, tmp_path: Path):
    """Each user error names itself on stderr and exits non-zero without a traceback."""
    result = almarya_qa(*args, "--run-dir", str(tmp_path)) if args[0] == "run" else almarya_qa(*args)
    assert result.returncode != 0
    assert message in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_stage_up_refuses_a_port_in_use(tmp_path: Path):
    """An explicit port that is taken is reported before anything starts."""
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        result = almarya_qa("stage", "up", "--port", str(port), "--run-dir", str(tmp_path))
    assert result.returncode == 2
    assert f"port {port} on 127.0.0.1 is already in use" in result.stderr
    assert "Traceback" not in result.stderr


class _NotTheBackend(BaseHTTPRequestHandler):
    def do_GET(self):
        body = b"<html>a different service</html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_run_refuses_a_target_that_is_not_the_backend(tmp_path: Path):
    """A URL that answers, but not as the Al Marya backend, is a clear error."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _NotTheBackend)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        result = almarya_qa("run", "--base-url", url, "--run-dir", str(tmp_path))
    finally:
        server.shutdown()
        server.server_close()
    assert result.returncode == 2
    assert f"target {url} does not look like the Al Marya backend" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("given", "target", "mongo_uri", "expected"),
    [
        pytest.param(None, "embedded", None, "auto", id="own-stack"),
        pytest.param(None, "remote", None, "auto", id="remote-without-database"),
        pytest.param(None, "remote", "mongodb://127.0.0.1:27017/x", "1", id="remote-shared-database"),
        pytest.param("3", "remote", "mongodb://127.0.0.1:27017/x", "3", id="explicit"),
    ],
)
def test_a_shared_remote_database_gets_one_worker(
    given, target, mongo_uri, expected, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.delenv("ALMARYA_MONGO_URI", raising=False)
    args = argparse.Namespace(workers=given, mongo_uri=mongo_uri)
    assert run_cli.workers(args, target) == expected
