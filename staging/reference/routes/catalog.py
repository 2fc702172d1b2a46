"""The coffee catalog (API.md 3). Anonymous reads are cached per URL for 5 minutes (wire quirk)."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from bson import ObjectId
from pymongo import DESCENDING
from starlette.responses import Response
from starlette.routing import Route

from staging.reference import wire
from staging.reference.cache import serve_cached
from staging.reference.db import CATEGORIES, COFFEES, Doc
from staging.reference.errors import ApiError
from staging.reference.routing import Call, route
from staging.reference.validation import float_query, int_query, parse_object_id, search_pattern

LANGUAGES = ("en", "ar")
MAX_LIMIT = 100


def _localized(coffee: Doc, lang: str) -> Doc:
    def pick(field: str) -> Any:
        value = coffee.get(field)
        if isinstance(value, dict):
            return value.get(lang) or value.get("en")
        return value

    return {**coffee, "localizedName": pick("name"), "localizedDescription": pick("description")}


def _anonymous_cache(call: Call, produce: Callable[[], Response]) -> Response:
    """Requests without an Authorization header share a per-URL cache; any token bypasses it."""
    if "authorization" in call.request.headers:
        return produce()
    return serve_cached(call.ctx.catalog_cache, str(call.request.url), produce)


def _category_ids(call: Call, category: str) -> list[Any]:
    """A category given as an id, or by name or slug (matched without regard to case)."""
    values: list[Any] = [category]
    if (oid := parse_object_id(category)) is not None:
        values.append(oid)
    exact = search_pattern(category, exact=True)
    if exact is None:
        return values
    for found in call.ctx.db[CATEGORIES].find(
        {"$or": [{"name.en": exact}, {"name.ar": exact}, {"slug": exact}]}
    ):
        values.extend([found["_id"], str(found["_id"])])
    return values


def _coffee_filter(call: Call) -> Doc:
    query = call.query
    conditions: list[Doc] = [{"isActive": True}]
    # SecantusDB has no text index: a case-insensitive, escaped regex over the names and description.
    if pattern := search_pattern(query.get("search")):
        conditions.append({"$or": [{"name.en": pattern}, {"name.ar": pattern}, {"description.en": pattern}]})
    if category := (query.get("category") or "").strip():
        conditions.append({"categories": {"$in": _category_ids(call, category)}})
    price: Doc = {}
    if (low := float_query(query, "minPrice")) is not None:
        price["$gte"] = low
    if (high := float_query(query, "maxPrice")) is not None:
        price["$lte"] = high
    if price:
        conditions.append({"price": price})
    return {"$and": conditions}


def list_coffees(call: Call) -> Response:
    def produce() -> Response:
        page = int_query(call.query, "page", 1, 1, 1_000_000)
        limit = int_query(call.query, "limit", 10, 1, MAX_LIMIT)
        lang = call.query.get("lang") or "en"
        if lang not in LANGUAGES:
            lang = "en"
        mongo_filter = _coffee_filter(call)
        coffees = call.ctx.db[COFFEES]
        total = coffees.count_documents(mongo_filter)
        found = coffees.find(mongo_filter).sort([("createdAt", DESCENDING), ("_id", DESCENDING)])
        page_docs = found.skip((page - 1) * limit).limit(limit)
        body = {
            "success": True,
            "data": [_localized(coffee, lang) for coffee in page_docs],
            "pagination": {"page": page, "limit": limit, "total": total, "pages": math.ceil(total / limit)},
            "language": lang,
        }
        return wire.json_response(body)

    return _anonymous_cache(call, produce)


def get_coffee(call: Call) -> Response:
    def produce() -> Response:
        coffee_id: ObjectId | None = parse_object_id(call.path("id"))
        if coffee_id is None:
            raise ApiError(400, "Invalid coffee ID")
        coffee = call.ctx.db[COFFEES].find_one({"_id": coffee_id})
        if coffee is None:
            raise ApiError(404, "Coffee not found", bare=True)  # wire quirk (API.md 8.1): `{message}` only
        lang = call.query.get("lang") if call.query.get("lang") in LANGUAGES else "en"
        return wire.json_response({"success": True, "data": _localized(coffee, str(lang))})

    return _anonymous_cache(call, produce)


routes: list[Route] = [
    route("/api/coffees", list_coffees),
    route("/api/coffees/{id}", get_coffee),
]
