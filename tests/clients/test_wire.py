"""The wire notes of API.md, tolerated in one place: `_doc`, empty values, ids, dates, sizes, messages."""

from datetime import UTC, datetime

import pytest

from fixtures import wire

OID = "65f1c2d3e4f5a6b7c8d9e0f1"


def test_unwrap_docs_replaces_hydrated_documents_recursively():
    """`{$__, _doc}` anywhere, including inside lists and nested documents, becomes its `_doc` fields."""
    body = {
        "success": True,
        "order": {
            "$__": {"activePaths": {}},
            "$isNew": False,
            "_doc": {
                "_id": OID,
                "user": {"$__": {}, "_doc": {"name": "Fatima", "email": "f@example.com"}},
                "items": [{"$__": {}, "_doc": {"name": "Yemen Mocha", "quantity": 2}}],
            },
        },
    }

    assert wire.unwrap_docs(body) == {
        "success": True,
        "order": {
            "_id": OID,
            "user": {"name": "Fatima", "email": "f@example.com"},
            "items": [{"name": "Yemen Mocha", "quantity": 2}],
        },
    }


def test_unwrap_docs_keeps_plain_siblings_but_lets_doc_fields_win():
    """A non-internal key next to `_doc` survives; a field inside `_doc` is the document's truth."""
    wrapped = {"$__": {}, "isAssignedToMe": True, "status": "stale", "_doc": {"status": "ready"}}

    assert wire.unwrap_docs(wrapped) == {"isAssignedToMe": True, "status": "ready"}


def test_plain_bodies_pass_through_unchanged():
    """Bodies without `_doc` (and non-JSON text) are not altered."""
    body = {"success": True, "data": [{"_id": OID, "$gt": ""}], "count": 0}

    assert wire.normalise(body) == body
    assert wire.normalise("<html></html>") == "<html></html>"
    assert wire.normalise(None) is None


@pytest.mark.parametrize(
    ("body", "message"),
    [
        pytest.param({"success": False, "message": "Order not found"}, "Order not found", id="route-error"),
        pytest.param({"message": "Invalid token"}, "Invalid token", id="message-only-no-success-key"),
        pytest.param(
            {"success": False, "message": "Validation failed",
             "errors": [{"type": "field", "value": "", "msg": "Email is required", "path": "email"}]},
            "Validation failed", id="validation-message-first",
        ),
        pytest.param(
            {"success": False, "errors": [{"type": "field", "msg": "Email is required", "path": "email"}]},
            "Email is required", id="validation-entry-msg",
        ),
        pytest.param(
            {"success": False, "errors": [{"field": "items", "message": "Items are required", "value": []}]},
            "Items are required", id="order-entry-with-field",
        ),
        pytest.param(
            {"success": False, "errors": [{"message": "Invalid size", "value": "2kg"}]},
            "Invalid size", id="order-entry-without-field",
        ),
        pytest.param(
            {"success": False,
             "error": {"code": "VALIDATION_ERROR", "message": "Bad input", "statusCode": 400}},
            "Bad input", id="global-handler",
        ),
        pytest.param(
            {"success": False, "error": {"code": "NOT_FOUND_ERROR", "message": "Route GET /api/x not found"}},
            "Route GET /api/x not found", id="unknown-route",
        ),
        pytest.param(
            {"success": False, "message": "Too many requests", "retryAfter": 900}, "Too many requests",
            id="rate-limit",
        ),
        pytest.param(
            {"success": False, "message": "Access denied by CORS policy"}, "Access denied by CORS policy",
            id="cors",
        ),
        pytest.param({"success": False, "errors": []}, None, id="empty-errors"),
        pytest.param({"success": False}, None, id="no-message-at-all"),
        pytest.param("Bad Request", None, id="non-json-body"),
        pytest.param(None, None, id="empty-body"),
    ],
)  # fmt: skip
def test_message_is_read_from_every_error_shape_of_8_1(body, message):
    """`message`, else `error.message`, else the first `errors` entry's `msg` or `message`."""
    assert wire.message_of(body) == message


def test_error_code_is_read_from_the_global_handler_body():
    """`error.code` tells the unknown-route 404 apart from a missing record."""
    assert wire.error_code_of({"error": {"code": "NOT_FOUND_ERROR"}}) == "NOT_FOUND_ERROR"
    assert wire.error_code_of({"message": "Order not found"}) is None


@pytest.mark.parametrize(("catalog", "order"), [("250gm", "250g"), ("500gm", "500g"), ("1kg", "1kg")])
def test_catalog_and_order_sizes_map_both_ways(catalog, order):
    """The catalog's `250gm` is the order's `250g` (wire note, API.md 3)."""
    assert wire.size_from_catalog(catalog) == order
    assert wire.size_to_catalog(order) == catalog


@pytest.mark.parametrize("value", ["250g", "2kg", "", None, 250])
def test_anything_but_a_catalog_size_is_refused(value):
    """Only the three catalog spellings are tolerated; an order spelling in the catalog is a finding."""
    with pytest.raises(ValueError, match="not a catalog size"):
        wire.size_from_catalog(value)


def test_iso_timestamps_parse_to_aware_datetimes():
    """JavaScript's `toISOString` format becomes an aware UTC datetime."""
    assert wire.parse_timestamp("2025-03-01T08:30:00.000Z") == datetime(2025, 3, 1, 8, 30, tzinfo=UTC)


def test_naive_timestamps_are_refused():
    """A timestamp without a zone cannot be compared safely, so it is not tolerated."""
    with pytest.raises(ValueError, match="no time zone"):
        wire.parse_timestamp("2025-03-01T08:30:00")


@pytest.mark.parametrize(
    ("left", "right", "same"),
    [
        pytest.param(OID, OID, True, id="two-strings"),
        pytest.param(OID, {"_id": OID, "name": "Omar"}, True, id="string-and-populated"),
        pytest.param({"id": OID}, {"_id": OID}, True, id="id-and-_id"),
        pytest.param(OID, "65f1c2d3e4f5a6b7c8d9e0f2", False, id="different"),
        pytest.param(None, None, False, id="both-missing"),
    ],
)
def test_ids_compare_as_strings_whatever_the_reference_shape(left, right, same):
    """Ids match as strings, whether an id string or a populated reference."""
    assert wire.same_id(left, right) is same


def test_cache_buster_is_new_every_time_and_safe_for_8_4():
    """Each call gives an unused query value made of hex only."""
    first, second = wire.cache_buster(), wire.cache_buster()

    assert first != second
    assert all(ch in "0123456789abcdef" for ch in next(iter(first.values())))
