"""The wire format helpers (API.md 8.2)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest
from bson import ObjectId

from staging.reference import wire


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param(
            {"success": True, "count": 0, "orders": []}, {"success": True, "count": 0}, id="empty-list"
        ),
        pytest.param(
            {"a": None, "b": "", "c": {}, "d": False, "e": 0}, {"d": False, "e": 0}, id="falsy-kept"
        ),
        pytest.param({"outer": {"inner": None}}, {}, id="emptied-dict-dropped"),
        pytest.param({"list": [{"x": None, "y": 1}]}, {"list": [{"y": 1}]}, id="dicts-in-lists-cleaned"),
    ],
)
def test_strip_empty_removes_empty_values_from_plain_dicts(value, expected):
    """None, '', [] and {} go; False and 0 stay."""
    assert wire.strip_empty(value) == expected


def test_strip_empty_leaves_documents_with_an_id_alone():
    """A dict with `_id` is a document and passes untouched, empties included."""
    doc = {"_id": ObjectId(), "notes": "", "items": [], "assignedStaff": None}
    assert wire.strip_empty({"data": doc}) == {"data": doc}


def test_strip_empty_keeps_mongoose_arrays_even_when_empty():
    """A DocList (a document's own array) survives the filter."""
    assert wire.strip_empty({"items": wire.DocList(), "tags": []}) == {"items": []}


def test_hydrated_puts_fields_under_doc():
    """A hydrated document carries its fields under `_doc`, next to internals in `$__`."""
    order_id = ObjectId()
    body = json.loads(
        wire.encode({"order": wire.hydrated({"_id": order_id, "orderNumber": "ALM-1", "notes": ""})})
    )
    assert body["order"]["_doc"] == {"_id": str(order_id), "orderNumber": "ALM-1", "notes": ""}
    assert "$__" in body["order"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param(datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC), "2026-01-02T03:04:05.678Z", id="utc"),
        pytest.param(
            datetime(2026, 1, 2, 7, 4, 5, tzinfo=timezone(timedelta(hours=4))),
            "2026-01-02T03:04:05.000Z",
            id="offset",
        ),
        pytest.param(datetime(2026, 1, 2, 3, 4, 5), "2026-01-02T03:04:05.000Z", id="naive-is-utc"),
    ],
)
def test_dates_serialise_like_javascript(value, expected):
    """Dates are ISO-8601 in UTC with milliseconds and Z."""
    assert wire.iso(value) == expected


def test_encode_serialises_object_ids_inside_documents():
    """ObjectIds become strings, also in documents the filter leaves alone."""
    oid = ObjectId()
    assert json.loads(wire.encode({"data": {"_id": oid, "user": oid}})) == {
        "data": {"_id": str(oid), "user": str(oid)}
    }
