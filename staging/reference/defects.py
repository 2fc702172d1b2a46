"""Switchable injected defects: the suite's own tests prove they catch each one.

A defect is named in ``ALMARYA_DEFECTS`` (comma-separated). Every name must be in ``CATALOG``, so a typo
fails start-up instead of silently running a healthy backend. Code asks ``settings.defect_on("name")``.
"""

from __future__ import annotations

# name -> what goes wrong when it is switched on. Empty until the suite has defects to detect.
CATALOG: dict[str, str] = {}


class UnknownDefectError(ValueError):
    """A defect name that the catalog does not know."""


def parse_defects(raw: str | None) -> frozenset[str]:
    """Parse ``ALMARYA_DEFECTS``; unknown names raise so start-up fails loudly."""
    names = frozenset(part.strip() for part in (raw or "").split(",") if part.strip())
    unknown = sorted(names - CATALOG.keys())
    if unknown:
        known = ", ".join(sorted(CATALOG)) or "none"
        raise UnknownDefectError(f"unknown defect(s) {', '.join(unknown)} (known: {known})")
    return names


def check_known(name: str) -> None:
    """Guard against a typo in the code that asks about a defect."""
    if name not in CATALOG:
        raise UnknownDefectError(f"defect {name!r} is not in the catalog")
