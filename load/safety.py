"""Load is an attack when it lands somewhere unexpected: a non-loopback target needs explicit consent and
explicit bounds, checked before anything is sent to it."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from urllib.parse import urlsplit

from staging.core import StagingError

# Ceilings even with consent: a typo in --users or --duration must not become an outage.
MAX_REMOTE_USERS = 500
MAX_REMOTE_DURATION_S = 3600


@dataclass(frozen=True)
class Caps:
    """Upper bounds on a run; for a remote target both are required."""

    users: int | None = None
    duration_s: float | None = None


def is_loopback(base_url: str) -> bool:
    host = urlsplit(base_url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:  # a host name other than localhost: it resolves somewhere we cannot vouch for
        return False


def check_target(base_url: str | None, *, allow_remote: bool, caps: Caps) -> None:
    """Refuse a non-loopback target unless consented to and bounded; embedded and loopback targets pass."""
    if caps.users is not None and caps.users < 1:
        raise StagingError("--users must be at least 1")
    if caps.duration_s is not None and caps.duration_s <= 0:
        raise StagingError("--duration must be a positive number of seconds")
    if base_url is None or is_loopback(base_url):
        return
    if not allow_remote:
        raise StagingError(
            f"{base_url} is not a loopback address: load against it needs --allow-remote-load "
            "with --users and --duration"
        )
    if caps.users is None or caps.duration_s is None:
        raise StagingError(
            f"load against the non-loopback target {base_url} needs a bounded run: "
            "give --users and --duration"
        )
    if caps.users > MAX_REMOTE_USERS or caps.duration_s > MAX_REMOTE_DURATION_S:
        raise StagingError(
            f"load against {base_url} is capped at {MAX_REMOTE_USERS} users and {MAX_REMOTE_DURATION_S} s; "
            f"asked for {caps.users} users for {caps.duration_s:g} s"
        )
