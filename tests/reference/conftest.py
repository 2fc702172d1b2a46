"""Fixtures for the reference backend's own tests: a SecantusDB process, the app in-process, factories."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any

import bcrypt
import httpx
import pytest
from bson import ObjectId
from pymongo import MongoClient
from pymongo.database import Database
from pymongo.errors import PyMongoError

from staging.reference.app import create_app
from staging.reference.settings import Settings

from .support import (
    ADMIN_PASSWORD,
    CUSTOMER_PASSWORD,
    Customer,
    Worker,
    base_env,
    bearer,
    free_port,
    live_server,
    order_body,
    unique_email,
    wait_until,
)


@pytest.fixture(scope="session")
def mongo_url() -> Iterator[str]:
    """One in-memory SecantusDB per session (per xdist worker); each test module uses its own database."""
    port = free_port()
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "secantus",
                "--storage-path",
                ":memory:",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        url = f"mongodb://127.0.0.1:{port}"
        probe: MongoClient[dict[str, Any]] = MongoClient(url, serverSelectionTimeoutMS=200)

        def answers() -> bool:
            if proc.poll() is not None:
                log.seek(0)
                raise RuntimeError(f"secantus exited early: {log.read().decode(errors='replace')}")
            try:
                probe.admin.command("ping")
            except PyMongoError:
                return False
            return True

        try:
            wait_until(answers, 20, "SecantusDB answering ping")
            yield url
        finally:
            probe.close()
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)


@dataclass
class Backend:
    client: httpx.Client
    base_url: str
    db: Database[dict[str, Any]]
    settings: Settings
    pins: Iterator[str]

    def next_pin(self) -> str:
        return next(self.pins)


@pytest.fixture(scope="module")
def backend(mongo_url: str) -> Iterator[Backend]:
    """The app in-process over a database of its own; module-wide because every test writes only its own
    records (fresh emails, PINs and orders), so tests stay independent and order-free."""
    db_name = f"ref_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}_{uuid.uuid4().hex[:8]}"
    settings = Settings.from_env(base_env(mongo_url, db_name))
    mongo: MongoClient[dict[str, Any]] = MongoClient(mongo_url, tz_aware=True)
    mongo.drop_database(db_name)
    app = create_app(settings)
    try:
        with live_server(app) as base_url, httpx.Client(base_url=base_url, timeout=30) as client:
            yield Backend(
                client, base_url, mongo[db_name], settings, (f"{n:04d}" for n in itertools.count(1000))
            )
    finally:
        mongo.drop_database(db_name)
        mongo.close()


@pytest.fixture
def api(backend: Backend) -> httpx.Client:
    return backend.client


@pytest.fixture
def admin_token(backend: Backend) -> str:
    """An admin seeded straight into `users` (API.md 9.2), logged in through admin-login."""
    email = unique_email("admin")
    now = datetime.now(UTC)
    backend.db.users.insert_one(
        {
            "name": "QA Admin",
            "email": email,
            # A $2a$ hash, as Node's bcryptjs writes them (API.md 9.2); $2a$ and $2b$ hash alike here.
            "password": bcrypt.hashpw(ADMIN_PASSWORD.encode(), bcrypt.gensalt(4, prefix=b"2a")).decode(),
            "roles": ["admin"],
            "isActive": True,
            "isEmailVerified": True,
            "authProvider": "email",
            "createdAt": now,
            "updatedAt": now,
        }
    )
    response = backend.client.post("/api/auth/admin-login", json={"email": email, "password": ADMIN_PASSWORD})
    assert response.status_code == HTTPStatus.OK, response.text
    return str(response.json()["data"]["token"])


@pytest.fixture
def new_customer(backend: Backend) -> Callable[[], Customer]:
    def make() -> Customer:
        email = unique_email("customer")
        body = {
            "name": "Test Customer",
            "email": email,
            "password": CUSTOMER_PASSWORD,
            "phone": "+971501234567",
        }
        response = backend.client.post("/api/auth/register", json=body)
        assert response.status_code == HTTPStatus.CREATED, response.text
        data = response.json()["data"]
        return Customer(data["user"]["id"], email, data["token"], data["refreshToken"])

    return make


@pytest.fixture
def customer(new_customer: Callable[[], Customer]) -> Customer:
    return new_customer()


@pytest.fixture
def seed_coffee(backend: Backend) -> Callable[..., ObjectId]:
    """Coffees go straight into `coffees` (API.md 9.2)."""

    def make(
        price: float = 65.0, *, active: bool = True, variants: list[dict[str, Any]] | None = None
    ) -> ObjectId:
        now = datetime.now(UTC)
        tag = uuid.uuid4().hex[:8]
        doc: dict[str, Any] = {
            "name": {"en": f"Ethiopia Yirgacheffe {tag}", "ar": "يرغاتشيفي"},
            "description": {"en": f"Floral and bright {tag}", "ar": "زهري"},
            "price": price,
            "image": "https://example.com/x.jpg",
            "origin": "Ethiopia",
            "roastLevel": "Medium",
            "stock": 100,
            "categories": [],
            "isActive": active,
            "createdAt": now,
            "updatedAt": now,
        }
        if variants is not None:
            doc["variants"] = variants
        return backend.db.coffees.insert_one(doc).inserted_id

    return make


@pytest.fixture
def place_order(backend: Backend, seed_coffee: Callable[..., ObjectId]) -> Callable[..., dict[str, Any]]:
    """Places an order as a customer; returns the order as stored fields (`_doc`)."""

    def make(customer: Customer, **overrides: Any) -> dict[str, Any]:
        response = backend.client.post(
            "/api/orders", json=order_body(seed_coffee(), **overrides), headers=bearer(customer.token)
        )
        assert response.status_code == HTTPStatus.CREATED, response.text
        return dict(response.json()["order"]["_doc"])

    return make


@pytest.fixture
def new_staff(backend: Backend, admin_token: str) -> Callable[[], Worker]:
    def make() -> Worker:
        pin = backend.next_pin()
        body = {
            "name": "Barista",
            "email": unique_email("staff"),
            "phone": "+971 50 123 4567",
            "role": "barista",
            "pin": pin,
        }
        created = backend.client.post("/api/admin/staff/create", json=body, headers=bearer(admin_token))
        assert created.status_code == HTTPStatus.CREATED, created.text
        login = backend.client.post("/api/staff/auth/login-pin", json={"pin": pin})
        assert login.status_code == HTTPStatus.OK, login.text
        return Worker(created.json()["staff"]["id"], pin, login.json()["token"])

    return make


@pytest.fixture
def new_driver(backend: Backend, admin_token: str) -> Callable[[], Worker]:
    def make() -> Worker:
        pin = backend.next_pin()
        body = {
            "name": "Driver",
            "email": unique_email("driver"),
            "phone": f"+9715{uuid.uuid4().int % 10**8:08d}",
            "pin": pin,
            "vehicleType": "motorcycle",
            "plateNumber": "D 12345",
        }
        created = backend.client.post("/api/admin/drivers", json=body, headers=bearer(admin_token))
        assert created.status_code == HTTPStatus.CREATED, created.text
        login = backend.client.post("/api/driver/auth/pin-login", json={"pin": pin})
        assert login.status_code == HTTPStatus.OK, login.text
        return Worker(created.json()["driver"]["_id"], pin, login.json()["token"])

    return make
