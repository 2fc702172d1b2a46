"""Catalog writes (API.md 3), admin only: create, update and delete coffees.

The Node backend takes multipart bodies and uploads the image to Cloudinary. Without Cloudinary here, a
coffee is sent as JSON with an `image` URL; a multipart body gets 400 saying so. Tests seed coffees in
MongoDB instead (API.md 9.2), so these routes matter for their guard and validation.
"""

from __future__ import annotations

from typing import Any

from pymongo import ReturnDocument
from starlette.responses import Response
from starlette.routing import Route

from staging.reference import wire
from staging.reference.db import COFFEES, Doc
from staging.reference.errors import ApiError
from staging.reference.guards import admin_guard
from staging.reference.routing import Call, route
from staging.reference.validation import (
    FieldChecks,
    FieldErrors,
    checked_fields,
    is_number,
    json_object,
    object_id_or_400,
)

SIZES = ("250gm", "500gm", "1kg")
TEXT_MAX = 2000


def _require_json(call: Call) -> dict[str, Any]:
    if "multipart" in call.request.headers.get("content-type", ""):
        raise ApiError(
            400, "Image uploads need Cloudinary, which is not configured: send JSON with an image URL"
        )
    return json_object(call.body)


def _localized(body: dict[str, Any], key: str, errors: FieldErrors, *, required: bool) -> Doc | None:
    value = body.get(key)
    if value is None and not required:
        return None
    if isinstance(value, str):
        value = {"en": value}
    if (
        not isinstance(value, dict)
        or not isinstance(value.get("en"), str)
        or not 1 <= len(value["en"].strip()) <= TEXT_MAX
        or any(not isinstance(v, str) or len(v) > TEXT_MAX for v in value.values())
    ):
        errors.add(key, f"{key} needs an English text (en) of at most {TEXT_MAX} characters", value)
        return None
    return {lang: text.strip() for lang, text in value.items() if lang in ("en", "ar")}


def _variants(raw: Any, errors: FieldErrors) -> list[Doc] | None:
    if raw is None:
        return None
    if not isinstance(raw, list) or any(
        not isinstance(v, dict)
        or v.get("size") not in SIZES
        or not is_number(v.get("price"))
        or v["price"] < 0
        for v in raw
    ):
        errors.add("variants", f"Each variant needs a size ({', '.join(SIZES)}) and a price >= 0", raw)
        return None
    return [
        {
            "size": v["size"],
            "price": float(v["price"]),
            "weight": v.get("weight") if is_number(v.get("weight")) else None,
            "stock": int(v["stock"]) if isinstance(v.get("stock"), int) else 0,
            "isActive": v.get("isActive") is not False,
        }
        for v in raw
    ]


def _text(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and len(value) <= TEXT_MAX else None


def _stock(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def _flag(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


_PLAIN: FieldChecks = {
    "image": (_text, "image must be a string"),
    "origin": (_text, "origin must be a string"),
    "roastLevel": (_text, "roastLevel must be a string"),
    "stock": (_stock, "stock must be a whole number >= 0"),
    "isActive": (_flag, "isActive must be true or false"),
}


def _fields(body: dict[str, Any], *, creating: bool) -> Doc:
    errors = FieldErrors()
    fields: Doc = {}
    for key in ("name", "description"):
        if (text := _localized(body, key, errors, required=creating)) is not None:
            fields[key] = text
    if "price" in body or creating:
        price = body.get("price")
        if not is_number(price) or price < 0:
            errors.add("price", "price must be a number >= 0", price)
        else:
            fields["price"] = float(price)
    if (variants := _variants(body.get("variants"), errors)) is not None:
        fields["variants"] = variants
    fields |= checked_fields(body, _PLAIN, errors)
    errors.raise_if_any()
    if not fields:
        raise ApiError(400, "Nothing to update")
    return fields


def create_coffee(call: Call) -> Response:
    fields = _fields(_require_json(call), creating=True)
    now = call.ctx.clock.now()
    coffee: Doc = {
        "categories": [],
        "stock": 0,
        "isActive": True,
        **fields,
        "createdAt": now,
        "updatedAt": now,
    }
    call.ctx.db[COFFEES].insert_one(coffee)
    call.ctx.catalog_cache.clear()
    return wire.json_response({"success": True, "message": "Coffee created", "data": coffee}, 201)


def update_coffee(call: Call) -> Response:
    fields = _fields(_require_json(call), creating=False)
    coffee_id = object_id_or_400(call.path("id"), "coffee")
    updated = call.ctx.db[COFFEES].find_one_and_update(
        {"_id": coffee_id},
        {"$set": {**fields, "updatedAt": call.ctx.clock.now()}},
        return_document=ReturnDocument.AFTER,
    )
    if updated is None:
        raise ApiError(404, "Coffee not found")
    call.ctx.catalog_cache.clear()
    return wire.json_response({"success": True, "message": "Coffee updated", "data": updated})


def delete_coffee(call: Call) -> Response:
    coffee_id = object_id_or_400(call.path("id"), "coffee")
    if not call.ctx.db[COFFEES].delete_one({"_id": coffee_id}).deleted_count:
        raise ApiError(404, "Coffee not found")
    call.ctx.catalog_cache.clear()
    return wire.json_response({"success": True, "message": "Coffee deleted"})


routes: list[Route] = [
    route("/api/coffees", create_coffee, ["POST"], guard=admin_guard),
    route("/api/coffees/{id}", update_coffee, ["PUT"], guard=admin_guard),
    route("/api/coffees/{id}", delete_coffee, ["DELETE"], guard=admin_guard),
]
