"""The wire format of every JSON response (API.md 8.2), quirks included.

Step 1 strips empty values (None, '', [], {}) from plain dicts, recursively. Two things are left alone, as
the Node backend's response filter leaves them: a dict with an ``_id`` key (a document) and a ``DocList``
(a Mongoose array, such as an order's ``items``). Step 2 serialises: ObjectId -> str, datetime -> ISO-8601
with milliseconds and ``Z``.

``hydrated()`` reproduces the ``{$__, _doc}`` form in which a Mongoose document leaks when it is spread
into a plain object (order create, staff order objects).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from bson import Decimal128, ObjectId
from starlette.background import BackgroundTask
from starlette.responses import Response

JSON_MEDIA_TYPE = "application/json; charset=utf-8"


class DocList(list[Any]):
    """A list that belongs to a document (a "Mongoose array"): never stripped, even when empty."""


def hydrated(doc: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """The shape of a hydrated Mongoose document after `{...doc}`: fields under `_doc`, internals beside."""
    if doc is None:
        return None
    fields = dict(doc)
    return {
        "$__": {
            "activePaths": {
                "paths": dict.fromkeys(fields, "init"),
                "states": {"init": dict.fromkeys(fields, True)},
            },
            "skipId": True,
        },
        "$isNew": False,
        "_doc": fields,
    }


def _is_empty(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str | list | dict) and not isinstance(value, DocList):
        return len(value) == 0
    return False


def strip_empty(value: Any) -> Any:
    """Remove empty values from plain dicts, recursively; documents and DocLists pass through untouched."""
    if isinstance(value, DocList):
        return value
    if isinstance(value, Mapping):
        if "_id" in value:
            return value
        cleaned = {key: strip_empty(item) for key, item in value.items()}
        return {key: item for key, item in cleaned.items() if not _is_empty(item)}
    if isinstance(value, list | tuple):
        return [strip_empty(item) for item in value]
    return value


def iso(value: datetime) -> str:
    """ISO-8601 in UTC with milliseconds and Z, as JavaScript's Date.toISOString()."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)  # BSON dates are UTC
    value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


_SCALARS: tuple[tuple[type, Callable[[Any], Any]], ...] = (
    (ObjectId, str),
    (datetime, iso),  # before date: a datetime is a date
    (date, date.isoformat),
    (Decimal128, lambda value: float(value.to_decimal())),
    (Decimal, float),
    (bytes, bytes.hex),
)


def to_jsonable(value: Any) -> Any:
    """Serialise BSON and Python values the way the Node backend's JSON does."""
    if isinstance(value, Mapping):
        return {str(key): to_jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [to_jsonable(item) for item in value]
    for kind, convert in _SCALARS:
        if isinstance(value, kind):
            return convert(value)
    return value


def encode(body: Any) -> bytes:
    """The exact bytes of a JSON response body: strip, then serialise."""
    return json.dumps(to_jsonable(strip_empty(body)), ensure_ascii=False, separators=(",", ":")).encode()


def json_response(
    body: Any,
    status: int = 200,
    headers: Mapping[str, str] | None = None,
    background: BackgroundTask | None = None,
) -> Response:
    return Response(encode(body), status, dict(headers or {}), JSON_MEDIA_TYPE, background)
