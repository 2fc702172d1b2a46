"""The cancellation and refund policy (CANCELLATION.md 1), loaded from ONE file by both sides.

The reference backend reads it at start-up and the suite through the `policy` fixture, so changing a value
in `staging/policy.toml` (or pointing ``ALMARYA_POLICY_FILE`` at another file) changes both, and no test
hard-codes a window, a percentage or a status list.
"""

from __future__ import annotations

import math
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from types import MappingProxyType
from typing import Any

from staging.reference.lifecycle import STATUSES

ENV_VAR = "ALMARYA_POLICY_FILE"
DEFAULT_FILE = Path(__file__).resolve().with_name("policy.toml")


class PolicyError(ValueError):
    """A policy file that is missing or says something impossible; the message names file and key."""


@dataclass(frozen=True)
class Policy:
    self_cancel_statuses: tuple[str, ...]
    self_cancel_window_minutes: float
    approval_statuses: tuple[str, ...]
    approval_refund_percent: Mapping[str, Decimal]
    never_cancellable: tuple[str, ...]
    source: Path = field(default=DEFAULT_FILE, compare=False)

    @property
    def self_cancel_window(self) -> timedelta:
        return timedelta(minutes=self.self_cancel_window_minutes)

    @property
    def cancellable_by_admin(self) -> tuple[str, ...]:
        """Admins cancel in any self-cancel or approval status, without a window (CANCELLATION.md 3)."""
        return self.self_cancel_statuses + self.approval_statuses

    def refund_percent(self, status: str) -> Decimal:
        """The share of the amount paid refunded when a request is approved in ``status``."""
        return self.approval_refund_percent[status]


def policy_path() -> Path:
    """The file in force: ``ALMARYA_POLICY_FILE`` when set, else the repository's ``staging/policy.toml``."""
    configured = os.environ.get(ENV_VAR, "").strip()
    return Path(configured).expanduser().resolve() if configured else DEFAULT_FILE


def write_changed(path: Path, **changes: object) -> Path:
    """A copy of the repository's policy file with some ``[cancellation]`` keys replaced (TOML literals)."""
    lines = []
    for line in DEFAULT_FILE.read_text(encoding="utf-8").splitlines():
        key = line.split("=", 1)[0].strip()
        lines.append(f"{key} = {changes.pop(key)}" if key in changes else line)
    if changes:
        raise PolicyError(f"keys not in the policy file: {', '.join(changes)}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def load(path: Path | None = None) -> Policy:
    """Read and check a policy file (default: `policy_path()`); PolicyError says what is wrong."""
    source = path or policy_path()
    try:
        raw = tomllib.loads(source.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PolicyError(f"policy file {source} does not exist") from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise PolicyError(f"policy file {source} cannot be read: {exc}") from None
    return _parse(raw.get("cancellation"), source)


def _parse(table: Any, source: Path) -> Policy:
    def fail(problem: str) -> PolicyError:
        return PolicyError(f"policy file {source}: {problem}")

    if not isinstance(table, dict):
        raise fail("missing the [cancellation] table")

    def statuses(key: str) -> tuple[str, ...]:
        value = table.get(key)
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise fail(f"cancellation.{key} must be a list of order statuses")
        unknown = [item for item in value if item not in STATUSES]
        if unknown:
            raise fail(f"cancellation.{key} names unknown status(es) {', '.join(unknown)}")
        return tuple(value)

    self_cancel = statuses("self_cancel_statuses")
    approval = statuses("approval_statuses")
    never = statuses("never_cancellable")
    lists = {"self_cancel_statuses": self_cancel, "approval_statuses": approval, "never_cancellable": never}
    seen: dict[str, str] = {}
    for key, members in lists.items():
        for status in members:
            if status in seen:
                raise fail(f"status {status} is in both cancellation.{seen[status]} and cancellation.{key}")
            seen[status] = key

    window = table.get("self_cancel_window_minutes")
    if isinstance(window, bool) or not isinstance(window, int | float) or not 0 < window < math.inf:
        raise fail("cancellation.self_cancel_window_minutes must be a positive number of minutes")

    percents = table.get("approval_refund_percent")
    if not isinstance(percents, dict) or set(percents) != set(approval):
        raise fail("cancellation.approval_refund_percent must give a percentage for every approval status")
    checked: dict[str, Decimal] = {}
    for status, percent in percents.items():
        if isinstance(percent, bool) or not isinstance(percent, int | float) or not 0 <= percent <= 100:
            raise fail(f"cancellation.approval_refund_percent.{status} must be a number from 0 to 100")
        checked[status] = Decimal(str(percent))

    return Policy(
        self_cancel_statuses=self_cancel,
        self_cancel_window_minutes=float(window),
        approval_statuses=approval,
        approval_refund_percent=MappingProxyType(checked),
        never_cancellable=never,
        source=source,
    )
