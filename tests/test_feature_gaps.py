"""Feature not deployed (CANCELLATION.md): a backend without an endpoint fails the test in that category."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from fixtures.errors import UnexpectedStatus
from fixtures.feature_gaps import endpoint_of, not_deployed
from tests.suite_runs import run_suite

SCENARIO = "e2e/test_cancellation_self.py::test_a_cancellation_without_a_reason_gets_the_default_reason"


@pytest.mark.parametrize(
    ("path", "endpoint"),
    [
        pytest.param("/api/orders/6650f0a1b2c3d4e5f6a7b8c9/cancel", "/api/orders/:id/cancel", id="one-id"),
        pytest.param(
            "/api/orders/6650f0a1b2c3d4e5f6a7b8c9/cancellation-requests/6650f0a1b2c3d4e5f6a7b8ca?x=1",
            "/api/orders/:id/cancellation-requests/:id",
            id="two-ids-and-a-query",
        ),
        pytest.param("/api/refunds", "/api/refunds", id="no-id"),
    ],
)
def test_the_endpoint_is_named_without_the_concrete_ids(path: str, endpoint: str):
    assert endpoint_of(path) == endpoint


def test_the_message_names_method_and_endpoint():
    error = UnexpectedStatus(
        method="POST",
        path="/api/orders/6650f0a1b2c3d4e5f6a7b8c9/cancel",
        expected=(200,),
        actual=404,
        body={"success": False, "error": {"code": "NOT_FOUND_ERROR", "message": "Route POST /x not found"}},
    )
    assert error.route_missing
    assert not_deployed(error).startswith("Feature not deployed: POST /api/orders/:id/cancel")


def test_a_missing_cancel_endpoint_fails_as_feature_not_deployed(tmp_path: Path):
    """Against a backend whose cancel route answers the unknown-route 404 (defect `cancel_route_missing`): the
    scenario fails, Allure's message names the endpoint, and categories.json files it as not deployed."""
    run = run_suite(tmp_path / "run", SCENARIO, defects="cancel_route_missing")

    assert run.returncode != 0, run.output
    [result] = [r for r in run.results() if r["name"].startswith(SCENARIO.rsplit("::", 1)[1])]
    assert result["status"] == "failed", result.get("statusDetails")
    message = result["statusDetails"]["message"]
    assert "Feature not deployed: POST /api/orders/:id/cancel" in message, message
    matching = [
        category["name"]
        for category in run.categories()
        if result["status"] in category.get("matchedStatuses", [])
        and re.fullmatch(str(category.get("messageRegex", ".*")), message)
    ]
    assert "Feature not deployed" in matching, matching
    assert "Product defect" not in matching, matching
