"""The capability report: how an answer is read, that probes never change anything, and the report itself."""

from __future__ import annotations

import json
import re
from http import HTTPStatus

import httpx
import pytest

from staging.capabilities import (
    ZERO_ID,
    CapabilityReport,
    EndpointResult,
    Presence,
    classify,
    is_unknown_route,
    probe,
)
from staging.contract_endpoints import ENDPOINTS, Endpoint, Guard, Probe
from staging.seed import AdminCredentials

ORDER = Endpoint("GET", "/api/orders/:id", Guard.USER, "API.md 4.4")
REQUESTS = Endpoint(
    "GET", "/api/orders/cancellation-requests", Guard.ADMIN, "CANCELLATION.md 4", proof=frozenset({200})
)
UNKNOWN_ROUTE = {
    "success": False,
    "error": {"code": "NOT_FOUND_ERROR", "message": "Route GET /api/x not found", "statusCode": 404},
}


def answer(status: int, body: object = None, *, text: str | None = None) -> httpx.Response:
    if text is not None:
        return httpx.Response(status, text=text, headers={"Content-Type": "text/html"})
    return httpx.Response(status, json=body if body is not None else {"success": False, "message": "x"})


@pytest.mark.parametrize(
    ("response", "unknown"),
    [
        pytest.param(answer(404, UNKNOWN_ROUTE), True, id="catch-all-404"),
        pytest.param(answer(404, {"message": "Route PUT /api/x not found"}), True, id="message-only-404"),
        pytest.param(answer(404, text="<pre>Cannot GET /api/x</pre>"), True, id="framework-html-404"),
        pytest.param(answer(405, {}), True, id="method-not-allowed"),
        pytest.param(
            answer(404, {"success": False, "message": "Order not found"}), False, id="route-level-404"
        ),
        pytest.param(answer(400, {"success": False, "message": "Invalid order id"}), False, id="validation"),
    ],
)
def test_the_unknown_route_answer_is_told_apart_from_a_routes_own_404(response, unknown):
    """API.md 8.1's catch-all (or a framework's own 404 page) means missing; "Order not found" does not."""
    assert is_unknown_route(response) is unknown


@pytest.mark.parametrize(
    ("endpoint", "response", "authorised", "presence"),
    [
        pytest.param(ORDER, answer(404), True, Presence.PRESENT, id="not-found-from-the-route"),
        pytest.param(ORDER, answer(404, UNKNOWN_ROUTE), True, Presence.MISSING, id="unknown-route"),
        pytest.param(ORDER, answer(401), False, Presence.GUARDED, id="guard-without-a-token"),
        pytest.param(ORDER, answer(401), True, Presence.PRESENT, id="guard-with-a-token"),
        pytest.param(ORDER, answer(429), True, Presence.UNCLEAR, id="rate-limited"),
        pytest.param(ORDER, answer(500), True, Presence.UNCLEAR, id="server-error"),
        pytest.param(REQUESTS, answer(200, {"success": True}), True, Presence.PRESENT, id="proof-given"),
        pytest.param(REQUESTS, answer(400), True, Presence.MISSING, id="shadowed-by-a-neighbour"),
    ],
)
def test_each_answer_is_classified(endpoint, response, authorised, presence):
    result = classify(endpoint, response, authorised=authorised)
    assert result.presence is presence
    assert result.status == response.status_code


class Recorder:
    """A backend that knows some routes and records every request the probe sends."""

    def __init__(self, known: set[tuple[str, str]]) -> None:
        self.known = known
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        path = request.url.path
        if (request.method, path) == ("POST", "/api/auth/admin-login"):
            return httpx.Response(200, json={"success": True, "data": {"token": "admin-token"}})
        if path == "/":
            return httpx.Response(200, json={"message": "Al Marya", "version": "2.4.1"})
        if (request.method, path) in self.known:
            return httpx.Response(400, json={"success": False, "message": "Validation failed"})
        return httpx.Response(404, json=UNKNOWN_ROUTE)


ADMIN = AdminCredentials("admin@example.com", "Passw0rd!")


def test_probes_name_no_record_send_no_data_and_skip_costly_routes():
    """Every probe uses the zero id and an empty body; logins and acting routes are never called."""
    backend = Recorder(set())
    report = probe("http://backend.test", admin=ADMIN, transport=httpx.MockTransport(backend))
    probes = [r for r in backend.requests if r.url.path not in {"/", "/api/auth/admin-login", "/api/health"}]
    assert probes, "the probe sent nothing: the check itself did not work"
    costly = {e.path for e in ENDPOINTS if e.probe is not Probe.SAFE}
    assert not [r for r in probes if r.url.path in costly and r.method != "GET"]
    for request in probes:
        assert ":" not in request.url.path, "every path parameter is filled"
        if request.method in ("POST", "PUT"):
            assert json.loads(request.content) == {}
        if request.method == "GET":
            assert "_capability_probe" in request.url.params, "GETs never touch the per-URL caches"
    filled = [r.url.path for r in probes if ZERO_ID in r.url.path]
    assert "/api/orders/" + ZERO_ID in filled
    assert report.count(Presence.NOT_PROBED) == len([e for e in ENDPOINTS if e.probe is not Probe.SAFE])


def test_the_admin_token_goes_only_to_user_and_admin_routes():
    """Staff, driver and Firebase routes are probed without credentials (their guard answers for them)."""
    backend = Recorder(set())
    probe("http://backend.test", admin=ADMIN, transport=httpx.MockTransport(backend))
    by_request = {(e.method, re.sub(r":[A-Za-z]+", ZERO_ID, e.path)): e for e in ENDPOINTS}
    probed = [(r, by_request.get((r.method, r.url.path))) for r in backend.requests]
    checked = [(r, e) for r, e in probed if e is not None and e.probe is Probe.SAFE]
    assert len(checked) > 50, "most routes were probed"
    for request, endpoint in checked:
        with_token = request.headers.get("authorization") == "Bearer admin-token"
        assert with_token is (endpoint.guard in {Guard.USER, Guard.ADMIN}), endpoint.key


def test_a_read_only_probe_sends_only_gets_and_never_signs_in():
    """Production: GETs only, no login; every write route is reported as not probed."""
    backend = Recorder(set())
    report = probe("http://backend.test", admin=ADMIN, read_only=True, transport=httpx.MockTransport(backend))
    assert {r.method for r in backend.requests} == {"GET"}
    assert not [r for r in backend.requests if "authorization" in r.headers]
    writes = [e for e in ENDPOINTS if e.method != "GET"]
    assert report.count(Presence.NOT_PROBED) >= len(writes)


def test_the_report_names_what_is_missing_and_the_version():
    """Present routes, missing ones and the version read from ``GET /``."""
    backend = Recorder({("POST", "/api/orders"), ("GET", f"/api/orders/{ZERO_ID}")})
    report = probe("http://backend.test/", admin=ADMIN, transport=httpx.MockTransport(backend))
    assert report.version == "2.4.1"
    assert report.base_url == "http://backend.test"
    assert report.has("POST", "/api/orders") is True
    assert report.has("POST", "/api/orders/:id/cancel") is False
    assert report.has("GET", "/api/staff/orders") is False  # the unknown-route answer beats the guard here
    assert "POST /api/orders/:id/cancel" in report.missing()
    headline = report.headline()
    assert headline[0] == "Capability report: http://backend.test (backend version 2.4.1)"
    assert "… and" in headline[2], "a long list of missing routes is cut in the headline"


def test_the_report_survives_its_json_round_trip(tmp_path):
    """The controller writes the report; workers read it back unchanged."""
    report = CapabilityReport(
        "http://x",
        "1.0",
        (
            EndpointResult("GET", "/health", "API.md 1", Presence.PRESENT, 200),
            EndpointResult("POST", "/api/auth/login", "API.md 2.2", Presence.NOT_PROBED, None, "limit"),
        ),
    )
    text = report.write(tmp_path)
    assert CapabilityReport.from_json((tmp_path / "capabilities.json").read_text()) == report
    table = text.read_text()
    assert "GET /health" in table
    assert "2 contract endpoints: 1 present, 1 not probed" in table


def test_the_contract_table_lists_each_route_once_with_a_source():
    keys = [e.key for e in ENDPOINTS]
    assert len(keys) == len(set(keys))
    assert all(e.source.startswith(("API.md", "CANCELLATION.md")) for e in ENDPOINTS)
    assert HTTPStatus.OK in next(e for e in ENDPOINTS if e.path == "/api/orders/cancellation-requests").proof
