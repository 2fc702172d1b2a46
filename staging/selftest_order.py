"""A pytest plugin for the detection-power self-test: run the tests named in ``ALMARYA_SELFTEST_FIRST`` first.

The self-test runs the whole suite once per injected defect and stops at the first red test. Starting with
the tests that caught the defect last time only makes that faster: every other test still runs after them
until one fails, so an outdated hint costs time, never a verdict. Loaded with ``-p staging.selftest_order``.
"""

from __future__ import annotations

import os

import pytest

ENV_VAR = "ALMARYA_SELFTEST_FIRST"


def _first(raw: str) -> list[str]:
    return [line.strip() for line in raw.splitlines() if line.strip()]


def _rank(nodeid: str, first: list[str]) -> int:
    for position, wanted in enumerate(first):
        if nodeid == wanted or nodeid.startswith((f"{wanted}::", f"{wanted}[")):
            return position
    return len(first)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    first = _first(os.environ.get(ENV_VAR, ""))
    if first:
        items.sort(key=lambda item: _rank(item.nodeid, first))  # stable: the rest keep their order
