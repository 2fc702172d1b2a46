"""Transport and policy: timeouts, transport errors apart from statuses, masked Allure attachments."""

import json
import socket
from contextlib import contextmanager
from http import HTTPStatus

import allure
import httpx
import pytest

from fixtures.api import AnonymousApi, StaffApi
from fixtures.errors import HarnessError, TransportError, UnexpectedStatus
from fixtures.models import StaffSession, parse_model
from fixtures.transport import DEFAULT_TIMEOUT, ClientConfig, build_client

CLOSED_PORT = "http://127.0.0.1:9"  # discard port: nothing listens there on a test machine


@pytest.fixture
def attachments(monkeypatch):
    """Captures `allure.attach` calls as (name, parsed JSON)."""
    captured = []

    def attach(body, name=None, attachment_type=None, extension=None):
        captured.append((name, json.loads(body)))

    monkeypatch.setattr(allure, "attach", attach)
    return captured


@pytest.fixture
def steps(monkeypatch):
    """Captures the titles of `allure.step` contexts."""
    titles = []

    @contextmanager
    def step(title):
        titles.append(title)
        yield

    monkeypatch.setattr(allure, "step", step)
    return titles


def test_an_unreachable_target_is_a_transport_error_naming_the_url():
    """A refused connection is a harness problem, never an HTTP status."""
    api = AnonymousApi(ClientConfig(CLOSED_PORT, timeout=1.0))

    with pytest.raises(TransportError) as caught:
        api.health()

    assert "127.0.0.1:9/health" in str(caught.value)
    assert not caught.value.timed_out
    assert isinstance(caught.value, HarnessError)
    assert not isinstance(caught.value, UnexpectedStatus)


def test_a_silent_target_times_out_as_a_transport_error():
    """A server that accepts but never answers hits the client's timeout."""
    with socket.create_server(("127.0.0.1", 0)) as silent:
        port = silent.getsockname()[1]
        api = AnonymousApi(ClientConfig(f"http://127.0.0.1:{port}", timeout=0.2))

        with pytest.raises(TransportError) as caught:
            api.ready()

    assert caught.value.timed_out
    assert "timed out" in str(caught.value)


def test_every_client_has_a_timeout_by_default():
    """No call can hang: the default timeout applies to connect, read, write and pool."""
    with build_client(ClientConfig("http://backend.test")) as client:
        assert client.timeout == httpx.Timeout(DEFAULT_TIMEOUT)


def test_each_exchange_is_attached_masked_with_method_url_and_status(backend, config, attachments):
    """Request and response go into one pretty JSON attachment; tokens and PINs are masked."""
    backend.on(
        "POST", "/api/staff/auth/login-pin", json={"success": True, "token": "eyJa.eyJb.c", "staff": {}}
    )
    staff = StaffApi(config, parse_model(StaffSession, {"token": "held-token", "staff": {"id": "0" * 24}}))

    staff.request("POST", "/api/staff/auth/login-pin", json={"pin": "4821"}, params={"token": "in-query"})

    ((name, exchange),) = attachments
    assert name == "POST http://backend.test/api/staff/auth/login-pin?token=*** → 200"
    assert exchange["request"]["headers"]["authorization"] == "***"
    assert exchange["request"]["body"] == {"pin": "***"}
    assert exchange["response"]["status"] == HTTPStatus.OK
    assert exchange["response"]["body"]["token"] == "***"
    rendered = json.dumps(exchange)
    for secret in ("held-token", "4821", "in-query", "eyJa.eyJb.c"):
        assert secret not in rendered


def test_a_failed_exchange_is_attached_too(attachments):
    """With no answer, the request and the error still reach the report."""
    api = AnonymousApi(ClientConfig(CLOSED_PORT, timeout=1.0))

    with pytest.raises(TransportError):
        api.login("omar@example.com", "Passw0rd!")

    ((name, exchange),) = attachments
    assert name.endswith("→ no answer")
    assert exchange["request"]["body"] == {"email": "omar@example.com", "password": "***"}
    assert "ConnectError" in exchange["error"]


def test_steps_name_the_business_action_and_never_the_secret(backend, config, steps):
    """Steps read as actions, say what a negative call expects, and leave PINs out."""
    backend.on("POST", "/api/staff/auth/login-pin", HTTPStatus.UNAUTHORIZED, json={"message": "Invalid PIN"})

    AnonymousApi(config).staff_pin_login("4821", expect=HTTPStatus.UNAUTHORIZED)

    assert steps == ["Staff member logs in with a PIN — expecting 401"]
