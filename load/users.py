"""Role users: customers, staff and drivers moving real orders through the lifecycle (API.md 5.2).

Imported only inside Locust processes (``load/locustfile.py``): Locust monkey-patches the standard library
with gevent on import, which must never happen in the CLI or in pytest.

Every request is named by its route template (``/api/orders/:id``) so the SLO table has one row per
endpoint. Statuses are checked against the contract; a lost race (two staff members or drivers accepting
the same order, where the contract answers 400 or 409 to the loser) is a correct answer, not an error.
"""

from __future__ import annotations

import itertools
import random
import time
import uuid
from collections import deque
from collections.abc import Iterator
from typing import Any, ClassVar

from locust import FastHttpUser, between

from load.plan import Actor, Plan
from load.profile import RoleMix

LOST_RACE = (400, 409)
_rng = random.Random()  # noqa: S311 - variety in the load, not security
# Around Dubai: where the drivers are said to be.
_LATITUDE, _LONGITUDE = (25.05, 25.30), (55.10, 55.40)


class RoleUser(FastHttpUser):
    """What every role shares: a borrowed actor's token, timeouts, and checked calls."""

    abstract = True
    network_timeout = 10.0
    connection_timeout = 5.0
    plan: ClassVar[Plan]
    mix: ClassVar[RoleMix]
    _claims: ClassVar[Iterator[int]]

    actor: Actor | None = None

    def work(self) -> None:
        """One turn of the role's part in the lifecycle (staff and drivers; customers have weighted tasks)."""
        raise NotImplementedError

    def borrow(self, pool: list[Actor]) -> Actor:
        """This process's next actor; workers interleave so two workers never pick the same one first."""
        workers = max(self.plan.workers, 1)
        worker_index = max(getattr(self.environment.runner, "worker_index", 0), 0)
        index = next(self._claims) * workers + worker_index
        return pool[index % len(pool)]

    def call(
        self,
        method: str,
        path: str,
        name: str,
        *,
        expect: int = 200,
        tolerate: tuple[int, ...] = (),
        json: Any = None,
        token: bool = True,
    ) -> Any:
        """The parsed body on ``expect``; None (and a success) on a tolerated status; None (and a failure)
        on anything else, with the status and the server's message as the failure text."""
        headers = {"Authorization": f"Bearer {self.actor.token}"} if token and self.actor else {}
        try:
            return self._checked(
                method, path, name, expect=expect, tolerate=tolerate, json=json, headers=headers
            )
        finally:
            if self.plan.burn_ms:
                _burn(self.plan.burn_ms)

    def _checked(
        self,
        method: str,
        path: str,
        name: str,
        *,
        expect: int,
        tolerate: tuple[int, ...],
        json: Any,
        headers: dict[str, str],
    ) -> Any:
        with self.client.request(
            method, path, name=name, headers=headers, json=json, catch_response=True
        ) as response:
            status = response.status_code or 0
            if status == expect:
                try:
                    body = response.json() if response.content else {}
                except ValueError:
                    response.failure(f"HTTP {status} with a body that is not JSON")
                    return None
                response.success()
                return body
            if status in tolerate:
                response.success()
                return None
            response.failure(_failure_text(status, response))
            return None


def _burn(milliseconds: float) -> None:
    """The starved-generator self-test: hold the event loop as an expensive locustfile would."""
    until = time.perf_counter() + milliseconds / 1000
    while time.perf_counter() < until:
        pass


def _failure_text(status: int, response: Any) -> str:
    if status == 0:
        return f"no answer: {type(response.error).__name__}: {response.error}"
    try:
        body = response.json()
    except ValueError:
        body = {}
    message = body.get("message") if isinstance(body, dict) else None
    if message is None and isinstance(body, dict) and isinstance(body.get("error"), dict):
        message = body["error"].get("message")
    return f"HTTP {status}: {message or 'no message'}"


def _doc(value: Any) -> dict[str, Any]:
    """API.md 8.2: hydrated documents carry their fields under ``_doc``."""
    if isinstance(value, dict) and isinstance(value.get("_doc"), dict):
        return value["_doc"]
    return value if isinstance(value, dict) else {}


def _order_id(order: Any) -> str | None:
    doc = _doc(order)
    found = doc.get("_id") or doc.get("id")
    return str(found) if found else None


class CustomerUser(RoleUser):
    """Browses the catalog, reads their orders, places orders and polls one of them."""

    abstract = True  # the locustfile binds a configured, concrete subclass

    def on_start(self) -> None:
        self.recent: deque[str] = deque(maxlen=5)
        if self.plan.register_during_load:
            self.actor = self._register()
        else:
            self.actor = self.borrow(self.plan.customers)

    def _register(self) -> Actor | None:
        """Registration inside the measured phase, when the profile asks for its (bcrypt) cost."""
        body = {
            "name": "Load Customer",
            "email": f"load.{uuid.uuid4().hex[:12]}@example.com",
            "password": f"Ld{uuid.uuid4().hex[:8]}!7",
        }
        answer = self.call(
            "POST", "/api/auth/register", "/api/auth/register", expect=201, json=body, token=False
        )
        data = (answer or {}).get("data") or {}
        user = data.get("user") or {}
        return Actor(str(user.get("id")), str(data.get("token"))) if data.get("token") else None

    def browse_catalog(self) -> None:
        self.call("GET", f"/api/coffees?page=1&limit={_rng.choice((10, 20))}", "/api/coffees")

    def view_coffee(self) -> None:
        self.call("GET", f"/api/coffees/{_rng.choice(self.plan.coffee_ids)}", "/api/coffees/:id")

    def read_orders(self) -> None:
        self.call("GET", "/api/orders?page=1&limit=10", "/api/orders")

    def place_order(self) -> None:
        body = _rng.choice(self.plan.order_bodies)
        answer = self.call("POST", "/api/orders", "/api/orders", expect=201, json=body)
        if answer and (order_id := _order_id(answer.get("order"))):
            self.recent.append(order_id)

    def poll_order(self) -> None:
        if self.recent:
            self.call("GET", f"/api/orders/{_rng.choice(self.recent)}", "/api/orders/:id")


class StaffUser(RoleUser):
    """Polls the queue, accepts a new order, marks it ready on a later turn (its preparation time)."""

    abstract = True

    def on_start(self) -> None:
        self.actor = self.borrow(self.plan.staff)
        self.preparing: deque[str] = deque()

    def work(self) -> None:
        if self.preparing:
            order_id = self.preparing.popleft()
            self.call("POST", f"/api/staff/orders/{order_id}/ready", "/api/staff/orders/:id/ready", json={})
            return
        queue = self.call("GET", "/api/staff/orders?status=pending", "/api/staff/orders?status=pending")
        waiting = [o for o in (queue or {}).get("orders") or [] if not _doc(o).get("assignedStaff")]
        if not waiting:
            return
        chosen = _order_id(_rng.choice(waiting[:5]))
        if chosen is None:
            return
        accepted = self.call(
            "POST", f"/api/staff/orders/{chosen}/accept", "/api/staff/orders/:id/accept", tolerate=LOST_RACE
        )
        if accepted is not None:
            self.preparing.append(chosen)


class DriverUser(RoleUser):
    """Polls available deliveries, accepts one, starts it, sends its location every few seconds, completes."""

    abstract = True

    def on_start(self) -> None:
        self.actor = self.borrow(self.plan.drivers)
        self.order_id: str | None = None
        self.started = False
        self.locations_sent = 0

    def wait_time(self) -> float:
        if self.started:
            return self.mix.location_every_s
        low, high = self.mix.think_time_s
        return _rng.uniform(low, high)

    def work(self) -> None:
        if self.order_id is None:
            self._take_a_delivery()
        elif not self.started:
            started = self.call(
                "POST", f"/api/driver/orders/{self.order_id}/start", "/api/driver/orders/:id/start"
            )
            self.started = started is not None
            if not self.started:
                self.order_id = None  # the failure is recorded; look for other work rather than loop on it
        elif self.locations_sent < self.mix.location_updates:
            location = {"latitude": _rng.uniform(*_LATITUDE), "longitude": _rng.uniform(*_LONGITUDE)}
            self.call("POST", "/api/driver/location", "/api/driver/location", json=location)
            self.locations_sent += 1
        else:
            self.call(
                "POST",
                f"/api/driver/orders/{self.order_id}/complete",
                "/api/driver/orders/:id/complete",
                json={"notes": "Handed to the customer"},
            )
            self.order_id, self.started, self.locations_sent = None, False, 0

    def _take_a_delivery(self) -> None:
        available = self.call("GET", "/api/driver/orders/available", "/api/driver/orders/available")
        orders = (available or {}).get("orders") or []
        if not orders:
            return
        order_id = _order_id(_rng.choice(orders[:5]))
        if order_id is None:
            return
        accepted = self.call(
            "POST",
            f"/api/driver/orders/{order_id}/accept",
            "/api/driver/orders/:id/accept",
            tolerate=LOST_RACE,
        )
        if accepted is not None:
            self.order_id = order_id


_ROLE_CLASSES: dict[str, type[RoleUser]] = {
    "customer": CustomerUser,
    "staff": StaffUser,
    "driver": DriverUser,
}


def configure(plan: Plan) -> list[type[RoleUser]]:
    """Concrete user classes for the roles the profile enables, with its weights and think times."""
    classes: list[type[RoleUser]] = []
    for role, mix in plan.roles.items():
        base = _ROLE_CLASSES[role]
        if role == "customer":
            tasks = [getattr(base, task) for task, weight in mix.tasks.items() for _ in range(weight)]
        else:
            tasks = [base.work]
        attributes: dict[str, Any] = {
            "abstract": False,
            "plan": plan,
            "mix": mix,
            "tasks": tasks,
            "weight": mix.weight or 1,
            "fixed_count": mix.fixed_users,
            "_claims": itertools.count(),
            "__module__": __name__,
        }
        if role != "driver":  # drivers pace themselves (location updates)
            attributes["wait_time"] = between(*mix.think_time_s)
        name = {"customer": "Customer", "staff": "Staff", "driver": "Driver"}[role]
        classes.append(type(name, (base,), attributes))
    return classes
