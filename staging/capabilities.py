"""The capability report: which contract endpoints a target answers, and the backend's version.

Printed at the start of a run and attached to Allure, so "feature not deployed" is visible at a glance.
It only informs: tests of a missing feature still run and fail (CANCELLATION.md), they are not skipped.

A route is *missing* when it gets the unknown-route answer (API.md 8.1: 404 with ``NOT_FOUND_ERROR``, or a
non-JSON 404) or a 405; *present* when anything else answers; *guarded* when its guard refused us and we
had no token of its kind, so the route could be there or not. See ``staging.contract_endpoints`` for which
routes are probed and how, so that no probe changes anything.
"""

from __future__ import annotations

import json
import re
import secrets
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from http import HTTPStatus
from pathlib import Path
from typing import Any

import httpx

from staging.contract_endpoints import ENDPOINTS, Endpoint, Guard, Probe
from staging.seed import AdminCredentials

ZERO_ID = "0" * 24
PROBE_TIMEOUT = 5.0
_UNKNOWN_ROUTE_MESSAGE = re.compile(r"^Route \S+ \S+ not found")
_ADMIN_TOKEN_GUARDS = frozenset({Guard.USER, Guard.ADMIN})
_HEADLINE_MISSING = 12  # the full list is in the attachment and in capabilities.txt


class Presence(StrEnum):
    PRESENT = "present"
    MISSING = "missing"
    GUARDED = "guarded"
    UNCLEAR = "unclear"
    NOT_PROBED = "not probed"


@dataclass(frozen=True)
class EndpointResult:
    method: str
    path: str
    source: str
    presence: Presence
    status: int | None = None
    note: str = ""

    @property
    def key(self) -> str:
        return f"{self.method} {self.path}"


@dataclass(frozen=True)
class CapabilityReport:
    base_url: str
    version: str
    results: tuple[EndpointResult, ...]
    probed_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))

    def count(self, presence: Presence) -> int:
        return sum(1 for r in self.results if r.presence is presence)

    def missing(self) -> list[str]:
        return [r.key for r in self.results if r.presence is Presence.MISSING]

    def has(self, method: str, path: str) -> bool | None:
        """True or False where the probe could tell, None where it could not."""
        for result in self.results:
            if (result.method, result.path) == (method, path):
                if result.presence is Presence.PRESENT:
                    return True
                return False if result.presence is Presence.MISSING else None
        return None

    def summary(self) -> str:
        tally = Counter(r.presence for r in self.results)
        parts = [f"{tally[p]} {p.value}" for p in Presence if tally[p]]
        return f"{len(self.results)} contract endpoints: " + ", ".join(parts)

    def headline(self) -> list[str]:
        """The few lines printed at the start of a run."""
        lines = [
            f"Capability report: {self.base_url} (backend version {self.version})",
            f"  {self.summary()}",
        ]
        missing = self.missing()
        if missing:
            shown = ", ".join(missing[:_HEADLINE_MISSING])
            more = (
                f" … and {len(missing) - _HEADLINE_MISSING} more" if len(missing) > _HEADLINE_MISSING else ""
            )
            lines.append(f"  missing (feature not deployed?): {shown}{more}")
        return lines

    def table(self) -> str:
        """Every endpoint, one per line: what the report attaches to Allure and writes to the run folder."""
        width = max(len(r.key) for r in self.results)
        rows = [
            f"{r.key:<{width}}  {r.presence:<10}  {r.status or '-':>4}  {r.source:<18} {r.note}".rstrip()
            for r in self.results
        ]
        return "\n".join([*self.headline(), f"  probed at {self.probed_at}", "", *rows]) + "\n"

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2)

    @classmethod
    def from_json(cls, text: str) -> CapabilityReport:
        data = json.loads(text)
        results = tuple(
            EndpointResult(**(r | {"presence": Presence(r["presence"])})) for r in data.pop("results")
        )
        return cls(results=results, **data)

    def write(self, folder: Path) -> Path:
        """``capabilities.json`` (for machines) and ``capabilities.txt`` (for people) in ``folder``."""
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "capabilities.json").write_text(self.to_json(), encoding="utf-8")
        text = folder / "capabilities.txt"
        text.write_text(self.table(), encoding="utf-8")
        return text


def is_unknown_route(response: httpx.Response) -> bool:
    """The catch-all answer of API.md 8.1, or a framework's own 404 page where there is no catch-all."""
    if response.status_code == HTTPStatus.METHOD_NOT_ALLOWED:
        return True
    if response.status_code != HTTPStatus.NOT_FOUND:
        return False
    try:
        body = response.json()
    except ValueError:
        return True
    if not isinstance(body, dict):
        return True
    error = body.get("error")
    if isinstance(error, dict) and error.get("code") == "NOT_FOUND_ERROR":
        return True
    message = body.get("message") or (error.get("message") if isinstance(error, dict) else None)
    return bool(isinstance(message, str) and _UNKNOWN_ROUTE_MESSAGE.match(message))


def classify(endpoint: Endpoint, response: httpx.Response, *, authorised: bool) -> EndpointResult:
    """What one probe's answer says about the route (``authorised``: we sent a token its guard accepts)."""
    status = response.status_code

    def result(presence: Presence, note: str = "") -> EndpointResult:
        return EndpointResult(endpoint.method, endpoint.path, endpoint.source, presence, status, note)

    if is_unknown_route(response):
        return result(Presence.MISSING)
    if status in (HTTPStatus.UNAUTHORIZED, HTTPStatus.FORBIDDEN) and not authorised:
        return result(Presence.GUARDED, f"{endpoint.guard.value} guard; no such token to probe with")
    if status == HTTPStatus.TOO_MANY_REQUESTS:
        return result(Presence.UNCLEAR, "rate-limited")
    if status >= HTTPStatus.INTERNAL_SERVER_ERROR:
        return result(Presence.UNCLEAR, "server error")
    if endpoint.proof and status not in endpoint.proof:
        return result(Presence.MISSING, "answered as a neighbouring route would")
    return result(Presence.PRESENT)


def _probe_one(
    client: httpx.Client, endpoint: Endpoint, token: str | None, *, read_only: bool
) -> EndpointResult:
    def skipped(note: str) -> EndpointResult:
        return EndpointResult(
            endpoint.method, endpoint.path, endpoint.source, Presence.NOT_PROBED, None, note
        )

    if endpoint.probe is not Probe.SAFE:
        return skipped(endpoint.probe.value.removeprefix("not probed: "))
    if read_only and endpoint.method != "GET":
        return skipped("read-only target")
    path = re.sub(r":[A-Za-z]+", ZERO_ID, endpoint.path)
    send_token = token is not None and endpoint.guard in _ADMIN_TOKEN_GUARDS
    headers = {"Authorization": f"Bearer {token}"} if send_token else {}
    kwargs: dict[str, Any] = {"headers": headers}
    if endpoint.method == "GET":
        # An unused query string: probes never fill or read the per-URL caches (API.md 3, 7.2).
        kwargs["params"] = {"_capability_probe": secrets.token_hex(4)}
    elif endpoint.method in ("POST", "PUT"):
        kwargs["json"] = {}
    try:
        response = client.request(endpoint.method, path, **kwargs)
    except httpx.HTTPError as exc:
        return EndpointResult(
            endpoint.method, endpoint.path, endpoint.source, Presence.UNCLEAR, None, type(exc).__name__
        )
    return classify(endpoint, response, authorised=send_token)


def _admin_token(client: httpx.Client, admin: AdminCredentials | None) -> str | None:
    if admin is None or not admin.email:
        return None
    try:
        response = client.post(
            "/api/auth/admin-login", json={"email": admin.email, "password": admin.password}
        )
        token = response.json().get("data", {}).get("token") if response.status_code == 200 else None
    except (httpx.HTTPError, ValueError, AttributeError):
        return None
    return token if isinstance(token, str) else None


def _version(client: httpx.Client) -> str:
    for path, keys in (("/", ("version",)), ("/api/health", ("data", "version"))):
        try:
            value: Any = client.get(path, headers={"Accept": "application/json"}).json()
        except (httpx.HTTPError, ValueError):
            continue
        for key in keys:
            value = value.get(key) if isinstance(value, dict) else None
        if isinstance(value, str | int | float) and value != "":
            return str(value)
    return "unknown"


def probe(
    base_url: str,
    *,
    admin: AdminCredentials | None = None,
    read_only: bool = False,
    endpoints: tuple[Endpoint, ...] = ENDPOINTS,
    transport: httpx.BaseTransport | None = None,
) -> CapabilityReport:
    """Probe every endpoint once; ``read_only`` (production) sends GETs only and never signs in."""
    with httpx.Client(base_url=base_url.rstrip("/"), timeout=PROBE_TIMEOUT, transport=transport) as client:
        version = _version(client)
        token = None if read_only else _admin_token(client, admin)
        results = tuple(_probe_one(client, e, token, read_only=read_only) for e in endpoints)
    return CapabilityReport(base_url.rstrip("/"), version, results)
