"""Customer orders (API.md 4): create, list, read. Cancellation (CANCELLATION.md) comes later."""

from __future__ import annotations

from pymongo.errors import DuplicateKeyError
from starlette.responses import Response
from starlette.routing import Route

from staging.reference import notifications, order_queries, ordering, views, wire
from staging.reference.db import ORDERS
from staging.reference.errors import ApiError
from staging.reference.guards import user_guard
from staging.reference.order_numbers import next_order_number
from staging.reference.routing import Call, route
from staging.reference.validation import json_object

# A number whose insert collides (a counter reset without clearing orders) is skipped, a few times over.
_NUMBER_ATTEMPTS = 5


def create_order(call: Call) -> Response:
    request = ordering.parse_order_request(json_object(call.body))
    items = ordering.price_items(call.ctx.db, request)
    # Everything is valid: only now take a number and write.
    for _ in range(_NUMBER_ATTEMPTS):
        number = next_order_number(call.ctx.db, call.ctx.clock)
        order = ordering.build_order(request, items, call.user.id, number, call.ctx.clock.now())
        try:
            call.ctx.db[ORDERS].insert_one(order)
            break
        except DuplicateKeyError:
            continue
    else:
        raise RuntimeError("could not allocate a unique order number")
    mail = notifications.order_confirmation(call.user.user, order)
    # Wire quirk (API.md 4.1): the order leaks as a hydrated Mongoose document, fields under `_doc`.
    body = {"success": True, "message": "Order created successfully", "order": wire.hydrated(order)}
    return wire.json_response(body, 201, background=notifications.send_later(call.ctx.mailer, mail))


def list_my_orders(call: Call) -> Response:
    owner = None if call.user.is_admin else call.user.id
    data = order_queries.list_orders(call.ctx.db, call.query, owner)
    return wire.json_response({"success": True, "data": data})


def get_order(call: Call) -> Response:
    order = order_queries.find_order(call.ctx.db, call.path("id"))
    if not call.user.is_admin and order.get("user") != call.user.id:
        raise ApiError(403, "Not authorized to view this order")
    return wire.json_response({"success": True, "data": views.with_customer(call.ctx.db, order)})


routes: list[Route] = [
    route("/api/orders", create_order, ["POST"], guard=user_guard),
    route("/api/orders", list_my_orders, guard=user_guard),
    route("/api/orders/{id}", get_order, guard=user_guard),
]
