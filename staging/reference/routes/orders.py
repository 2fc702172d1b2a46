"""Customer orders (API.md 4): create, list, read. Cancellation (CANCELLATION.md) comes later."""

from __future__ import annotations

import time

from bson import ObjectId
from pymongo.errors import DuplicateKeyError
from starlette.responses import Response
from starlette.routing import Route

from staging.reference import notifications, order_queries, ordering, views, wire
from staging.reference.cache import serve_cached
from staging.reference.db import ORDERS
from staging.reference.errors import ApiError
from staging.reference.guards import user_guard
from staging.reference.lifecycle import PAYMENT_STATUSES
from staging.reference.order_numbers import next_order_number
from staging.reference.routing import Call, route
from staging.reference.validation import json_object

# The ``slow_order_list`` defect's delay: well past the 500 ms p95 target, on one endpoint only.
SLOW_ORDER_LIST_SECONDS = 0.7
# A number whose insert collides (a counter reset without clearing orders) is skipped, a few times over.
_NUMBER_ATTEMPTS = 5


def create_order(call: Call) -> Response:
    defect_on = call.ctx.settings.defect_on
    if defect_on("order_number_before_validation"):
        next_order_number(call.ctx.db, call.ctx.clock)  # a number burnt before the body is even read
    body = json_object(call.body)
    request = ordering.parse_order_request(body)
    items = ordering.price_items(call.ctx.db, request)
    # Everything is valid: only now take a number and write.
    for _ in range(_NUMBER_ATTEMPTS):
        number = next_order_number(call.ctx.db, call.ctx.clock)
        order = ordering.build_order(request, items, call.user.id, number, call.ctx.clock.now())
        if defect_on("client_total_trusted"):
            order["totalAmount"] = body["totalAmount"]
        if defect_on("client_payment_status_trusted") and body.get("paymentStatus") in PAYMENT_STATUSES:
            order["paymentStatus"] = body["paymentStatus"]
        if defect_on("order_notes_dropped"):
            order.pop("notes", None)
        try:
            call.ctx.db[ORDERS].insert_one(order)
            break
        except DuplicateKeyError:
            continue
    else:
        raise RuntimeError("could not allocate a unique order number")
    mail = notifications.order_confirmation(call.user.user, order)
    # Wire quirk (API.md 4.1): the order leaks as a hydrated Mongoose document, fields under `_doc`.
    created = 200 if defect_on("order_create_answers_200") else 201
    answer = {"success": True, "message": "Order created successfully", "order": wire.hydrated(order)}
    return wire.json_response(answer, created, background=notifications.send_later(call.ctx.mailer, mail))


def list_my_orders(call: Call) -> Response:
    if call.ctx.settings.defect_on("slow_order_list"):
        time.sleep(SLOW_ORDER_LIST_SECONDS)  # injected latency; runs in the thread pool, not the event loop
    settings = call.ctx.settings
    owner = None if call.user.is_admin or settings.defect_on("order_list_ignores_owner") else call.user.id

    def produce() -> Response:
        raw_search = settings.defect_on("search_regex_unescaped")
        data = order_queries.list_orders(call.ctx.db, call.query, owner, raw_search=raw_search)
        return wire.json_response({"success": True, "data": data})

    if settings.defect_on("order_list_cached_across_users"):
        return serve_cached(call.ctx.catalog_cache, f"orders:{call.request.url}", produce)
    return produce()


def get_order(call: Call) -> Response:
    defect_on = call.ctx.settings.defect_on
    if defect_on("malformed_id_500"):
        found = call.ctx.db[ORDERS].find_one({"_id": ObjectId(call.path("id"))})  # raises on a bad id
        if found is None:
            raise ApiError(404, "Order not found")
        order = found
    else:
        order = order_queries.find_order(call.ctx.db, call.path("id"))
    owned = order.get("user") == call.user.id or defect_on("order_read_skips_ownership")
    if not call.user.is_admin and not owned:
        raise ApiError(403, "Not authorized to view this order")
    return wire.json_response({"success": True, "data": views.with_customer(call.ctx.db, order)})


routes: list[Route] = [
    route("/api/orders", create_order, ["POST"], guard=user_guard),
    route("/api/orders", list_my_orders, guard=user_guard),
    route("/api/orders/{id}", get_order, guard=user_guard),
]
