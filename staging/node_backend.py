"""A Node backend checkout as a process: ``npm install``, then ``npm start`` (API.md 1).

The environment is API.md 9.3's (``staging.backend.backend_env``) plus two preloaded modules passed with
``NODE_OPTIONS=--require``: ``stripe_redirect.cjs`` points the ``stripe`` package at our fake (API.md 9.5)
and ``die_with_harness.cjs`` stops the server if the harness is SIGKILLed. Readiness is ``GET /ready``.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from staging.backend import BackendProcess
from staging.core import ChildProcess, StagingError, log_tail

NODE_MODULES = Path(__file__).resolve().parent / "node"
STRIPE_REDIRECT = NODE_MODULES / "stripe_redirect.cjs"
DIE_WITH_HARNESS = NODE_MODULES / "die_with_harness.cjs"
MIN_NODE = 20
MIN_NPM = 10
INSTALL_TIMEOUT = 600.0  # a real checkout downloads its dependencies; the test app installs in a second

# What npm and node need from our environment; the backend's own settings are passed explicitly.
_INHERITED = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "USER", "NPM_CONFIG_CACHE", "npm_config_cache")
_QUIET_NPM = {"NPM_CONFIG_UPDATE_NOTIFIER": "false", "NPM_CONFIG_FUND": "false", "NPM_CONFIG_AUDIT": "false"}


@dataclass(frozen=True)
class NodeToolchain:
    node: str
    npm: str
    node_version: str
    npm_version: str


def _major(version: str) -> int:
    match = re.match(r"v?(\d+)", version.strip())
    return int(match.group(1)) if match else 0


def _version(executable: str) -> str:
    try:
        done = subprocess.run(  # noqa: S603 - an executable found on PATH, fixed arguments
            [executable, "--version"], capture_output=True, text=True, timeout=30, check=True
        )
    except (OSError, subprocess.SubprocessError) as exc:
        raise StagingError(f"{executable} --version failed: {exc}") from None
    return done.stdout.strip()


def find_toolchain() -> NodeToolchain:
    """node ≥ 20 and npm ≥ 10 on PATH (API.md 1), or one clear error saying what is missing."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        missing = " and ".join(name for name, path in (("node", node), ("npm", npm)) if path is None)
        raise StagingError(
            f"the local target needs Node.js {MIN_NODE}+ and npm {MIN_NPM}+: {missing} not found on PATH"
        )
    node_version, npm_version = _version(node), _version(npm)
    if _major(node_version) < MIN_NODE:
        raise StagingError(f"the local target needs Node.js {MIN_NODE}+, found {node_version} at {node}")
    if _major(npm_version) < MIN_NPM:
        raise StagingError(f"the local target needs npm {MIN_NPM}+, found {npm_version} at {npm}")
    return NodeToolchain(node, npm, node_version, npm_version)


def check_backend_dir(backend_dir: Path | None) -> Path:
    """The checkout's absolute path, after checking it holds a startable Node package."""
    if backend_dir is None:
        raise StagingError("the local target needs --backend-dir DIR (a checkout of the Node backend)")
    path = backend_dir.expanduser().resolve()
    if not path.is_dir():
        raise StagingError(f"--backend-dir {backend_dir}: no such directory")
    manifest = path / "package.json"
    if not manifest.is_file():
        raise StagingError(
            f"--backend-dir {backend_dir}: no package.json (is this the Node backend checkout?)"
        )
    try:
        package = json.loads(manifest.read_text(encoding="utf-8"))
    except (ValueError, OSError) as exc:
        raise StagingError(f"--backend-dir {backend_dir}: package.json is not valid JSON ({exc})") from None
    scripts = package.get("scripts") if isinstance(package, dict) else None
    # Without a start script, `npm start` runs `node server.js`; either way something must be startable.
    if not (isinstance(scripts, dict) and scripts.get("start")) and not (path / "server.js").is_file():
        raise StagingError(
            f"--backend-dir {backend_dir}: package.json has no start script and there is no server.js"
        )
    return path


def _base_env() -> dict[str, str]:
    return {k: os.environ[k] for k in _INHERITED if k in os.environ} | _QUIET_NPM


def npm_install(
    backend_dir: Path, toolchain: NodeToolchain, log_path: Path, *, timeout: float = INSTALL_TIMEOUT
) -> None:
    """``npm install`` (there is no lockfile, so never ``npm ci``), logged; stopped with its children on
    timeout or Ctrl-C. ``--no-package-lock`` leaves the checkout as it was, apart from node_modules."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    argv = [toolchain.npm, "install", "--no-audit", "--no-fund", "--no-package-lock"]
    with log_path.open("ab") as log:
        log.write(f"$ {' '.join(argv)}   (in {backend_dir})\n".encode())
        log.flush()
        process = subprocess.Popen(  # noqa: S603 - argv is built here, never by a shell
            argv,
            cwd=backend_dir,
            env=_base_env(),
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            code = process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            code = None
        finally:
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait()
    if code is None:
        raise StagingError(
            f"npm install in {backend_dir} did not finish within {timeout:.0f}s; see {log_path}"
        )
    if code != 0:
        raise StagingError(
            f"npm install in {backend_dir} failed with exit status {code}; see {log_path}:\n"
            + log_tail(log_path, 15)
        )


def node_options(*, stripe_redirect: Path = STRIPE_REDIRECT, watchdog: Path | None = DIE_WITH_HARNESS) -> str:
    """``NODE_OPTIONS`` preloading our modules; paths are quoted, as NODE_OPTIONS allows."""
    modules = [stripe_redirect, *([watchdog] if watchdog else [])]
    return " ".join(f'--require "{module}"' for module in modules)


def node_env(env: Mapping[str, str]) -> dict[str, str]:
    """The backend's environment (API.md 9.3) plus the preloads, for a process we start on this machine."""
    return _base_env() | dict(env) | {"NODE_OPTIONS": node_options(), "ALMARYA_HARNESS_PID": str(os.getpid())}


class NodeBackend(BackendProcess):
    """``npm start`` in the checkout, in its own process group (npm → sh → node all stop together)."""

    def __init__(
        self,
        backend_dir: Path,
        env: Mapping[str, str],
        log_path: Path,
        *,
        toolchain: NodeToolchain,
        start_timeout: float = 60.0,
    ) -> None:
        process = ChildProcess(
            "Node backend (npm start)",
            [toolchain.npm, "start"],
            log_path=log_path,
            env=node_env(env),
            cwd=backend_dir,
        )
        super().__init__(process, int(env["PORT"]), log_path, start_timeout=start_timeout)
