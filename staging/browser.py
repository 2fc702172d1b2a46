"""Which Chromium to drive: an explicit path, else a Playwright-installed browser, else the system's.

Browser downloads fail on our machines, so Playwright launches Debian's Chromium by executable path
there; where ``playwright install`` did work, its own browser is preferred.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from staging.core import StagingError

SYSTEM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")

# Flags a root, offline, headless Chromium needs: without the background-networking ones it keeps
# trying to reach Google's hosts, which this network refuses.
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
)


@dataclass(frozen=True)
class BrowserChoice:
    """``executable`` is None for Playwright's own browser, which it finds by itself."""

    source: str
    executable: str | None

    def launch_options(self) -> dict[str, object]:
        options: dict[str, object] = {"headless": True, "args": list(CHROMIUM_ARGS)}
        if self.executable:
            options["executable_path"] = self.executable
        return options

    def describe(self) -> str:
        return f"{self.source} ({self.executable or 'managed by Playwright'})"


def _playwright_browser() -> str | None:
    """The Chromium ``playwright install`` put in Playwright's cache, if there is one."""
    cache = Path(os.environ.get("PLAYWRIGHT_BROWSERS_PATH") or Path.home() / ".cache" / "ms-playwright")
    for pattern in ("chromium_headless_shell-*/chrome-*/headless_shell", "chromium-*/chrome-linux*/chrome"):
        found = sorted(cache.glob(pattern))
        if found:
            return str(found[-1])
    return None


def find_browser(explicit: str | None = None) -> BrowserChoice:
    """The browser to launch, or one clear error naming both ways to get one."""
    if explicit:
        path = shutil.which(explicit) or explicit
        if not Path(path).is_file():
            raise StagingError(f"--browser-path {explicit}: no such executable")
        return BrowserChoice("--browser-path", path)
    managed = _playwright_browser()
    if managed:
        return BrowserChoice("Playwright-installed Chromium", managed)
    for candidate in SYSTEM_CANDIDATES:
        if Path(candidate).is_file():
            return BrowserChoice("system Chromium", candidate)
    raise StagingError(
        "no browser found: install Debian's Chromium (apt-get install chromium) or let Playwright "
        "download one (python -m playwright install chromium), or give --browser-path"
    )
