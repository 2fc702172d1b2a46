"""Creating an order (API.md 4.1): validate everything, price from the catalog, then build the document.

Nothing here writes. The route takes an order number and inserts only once `build_order` has succeeded,
so invalid input never stores an order (and never burns a number).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bson import ObjectId
from pymongo.database import Database

from staging.reference.db import COFFEES, Doc
from staging.reference.errors import ApiError
from staging.reference.lifecycle import PAYMENT_METHODS
from staging.reference.validation import is_number, parse_object_id

ORDER_SIZES = ("250g", "500g", "1kg")
CATALOG_SIZE = {"250g": "250gm", "500g": "500gm", "1kg": "1kg"}  # order size -> catalog variant size
DELIVERY_METHOD = {"standard": "delivery", "express": "delivery", "delivery": "delivery", "pickup": "pickup"}
ADDRESS_KEYS = ("street", "city", "state", "zipCode", "country", "instructions")
NOTES_MAX = 500
# Not in the contract: an upper bound so that no integer overflows BSON's int64 (a 500 otherwise).
MAX_QUANTITY = 1000
PREPARATION_ESTIMATE_MINUTES = 15
DELIVERY_ESTIMATE_MINUTES = 30


@dataclass(frozen=True)
class ItemRequest:
    coffee_id: ObjectId
    name: str
    quantity: int
    size: str


@dataclass(frozen=True)
class OrderRequest:
    items: list[ItemRequest]
    address: dict[str, str]
    payment_method: str
    delivery_method: str
    notes: str | None


class _Problems:
    """Order validation errors, `{field, message, value}` entries (API.md 8.1)."""

    def __init__(self) -> None:
        self.entries: list[dict[str, Any]] = []

    def add(self, field: str, message: str, value: Any = None) -> None:
        self.entries.append({"field": field, "message": message, "value": value})

    def raise_if_any(self) -> None:
        if self.entries:
            raise ApiError(400, "Validation failed", errors=self.entries)


def _first(item: dict[str, Any], *keys: str) -> Any:
    for key in keys:
        if item.get(key) is not None:
            return item[key]
    return None


def _parse_item(index: int, item: Any, problems: _Problems) -> ItemRequest | None:
    where = f"items[{index}]"
    if not isinstance(item, dict):
        problems.add(where, "Each item must be an object", item)
        return None
    raw_id = _first(item, "productId", "coffeeId")
    coffee_id = parse_object_id(raw_id)
    if raw_id is None:
        problems.add(f"{where}.productId", "Product ID is required")
    elif coffee_id is None:
        problems.add(f"{where}.productId", "Invalid product ID", raw_id)
    name = _first(item, "productName", "name")
    if not isinstance(name, str) or not name.strip():
        problems.add(f"{where}.productName", "Product name is required", name)
    quantity = item.get("quantity")
    if not isinstance(quantity, int) or isinstance(quantity, bool) or not 1 <= quantity <= MAX_QUANTITY:
        problems.add(f"{where}.quantity", f"Quantity must be an integer from 1 to {MAX_QUANTITY}", quantity)
    size = _first(item, "selectedSize", "size") or "250g"
    if size not in ORDER_SIZES:
        problems.add(f"{where}.selectedSize", f"Size must be one of {', '.join(ORDER_SIZES)}", size)
    if (
        coffee_id is None
        or not isinstance(name, str)
        or not isinstance(quantity, int)
        or size not in ORDER_SIZES
    ):
        return None
    return ItemRequest(coffee_id, name.strip(), quantity, size)


def _parse_address(raw: Any, problems: _Problems) -> dict[str, str]:
    if not isinstance(raw, dict):
        problems.add("shippingAddress", "Shipping address is required", raw)
        return {}
    address: dict[str, str] = {}
    for key in ADDRESS_KEYS:
        value = raw.get(key)
        if value is None or value == "":
            continue
        if not isinstance(value, str) or len(value) > 500:
            problems.add(f"shippingAddress.{key}", f"{key} must be a string of at most 500 characters", value)
            continue
        address[key] = value.strip()
    address.setdefault("country", "UAE")
    return address


def parse_order_request(body: dict[str, Any]) -> OrderRequest:
    """Check the body against 4.1; every problem is reported at once as 400 'Validation failed'."""
    problems = _Problems()
    raw_items = body.get("items")
    items: list[ItemRequest] = []
    if not isinstance(raw_items, list) or not raw_items:
        problems.add("items", "Order must contain at least one item", raw_items)
    else:
        items = [parsed for i, raw in enumerate(raw_items) if (parsed := _parse_item(i, raw, problems))]
    address = _parse_address(body.get("shippingAddress"), problems)

    total = body.get("totalAmount")
    if not is_number(total) or total <= 0:
        problems.add("totalAmount", "Total amount is required and must be greater than 0", total)

    payment_method = body.get("paymentMethod") or "cash"
    if payment_method not in PAYMENT_METHODS:
        problems.add(
            "paymentMethod", f"Payment method must be one of {', '.join(PAYMENT_METHODS)}", payment_method
        )

    raw_delivery = body.get("deliveryMethod") or "standard"
    delivery_method = DELIVERY_METHOD.get(raw_delivery) if isinstance(raw_delivery, str) else None
    if delivery_method is None:
        problems.add("deliveryMethod", "Delivery method must be standard, express or pickup", raw_delivery)

    notes = body.get("specialInstructions")
    if notes is None:
        notes = body.get("notes")
    if notes is not None and (not isinstance(notes, str) or len(notes) > NOTES_MAX):
        problems.add(
            "specialInstructions", f"Notes must be a string of at most {NOTES_MAX} characters", notes
        )

    problems.raise_if_any()
    return OrderRequest(
        items=items,
        address=address,
        payment_method=str(payment_method),
        delivery_method=str(delivery_method),
        notes=(notes.strip() or None) if isinstance(notes, str) else None,
    )


def unit_price(coffee: Doc, size: str) -> float | None:
    """The active variant's price for the size, else the base price (API.md 3)."""
    for variant in coffee.get("variants") or []:
        if (
            isinstance(variant, dict)
            and variant.get("size") == CATALOG_SIZE[size]
            and variant.get("isActive", True) is not False
            and is_number(variant.get("price"))
        ):
            return float(variant["price"])
    price = coffee.get("price")
    return float(price) if is_number(price) else None


def price_items(db: Database[Doc], request: OrderRequest) -> list[Doc]:
    """Order items priced from the catalog; an unknown or inactive coffee is a 400."""
    ids = list({item.coffee_id for item in request.items})
    coffees = {coffee["_id"]: coffee for coffee in db[COFFEES].find({"_id": {"$in": ids}})}
    problems = _Problems()
    priced: list[Doc] = []
    for index, item in enumerate(request.items):
        coffee = coffees.get(item.coffee_id)
        if coffee is None or coffee.get("isActive") is not True:
            problems.add(f"items[{index}].productId", "Product not found or unavailable", str(item.coffee_id))
            continue
        price = unit_price(coffee, item.size)
        if price is None or price < 0:
            problems.add(f"items[{index}].selectedSize", "No price for this product and size", item.size)
            continue
        priced.append(
            {
                "_id": ObjectId(),
                "coffee": item.coffee_id,
                "name": item.name,
                "quantity": item.quantity,
                "price": price,
                "selectedSize": item.size,
                "subtotal": round(price * item.quantity, 2),
            }
        )
    if problems.entries:
        first = problems.entries[0]
        raise ApiError(400, f"{first['message']}: {first['value']}", errors=problems.entries)
    return priced


def build_order(
    request: OrderRequest, items: list[Doc], user_id: ObjectId, number: str, now: datetime
) -> Doc:
    """The stored order: every money figure and server-set field of 4.1."""
    subtotal = round(sum(item["subtotal"] for item in items), 2)
    tax = shipping = discount = 0
    order: Doc = {
        "_id": ObjectId(),
        "orderNumber": number,
        "user": user_id,
        "items": items,
        "subtotal": subtotal,
        "tax": tax,
        "shipping": shipping,
        "discount": discount,
        "totalAmount": round(subtotal + tax + shipping - discount, 2),
        "currency": "AED",
        "status": "pending",
        "paymentStatus": "pending",
        "paymentMethod": request.payment_method,
        "deliveryMethod": request.delivery_method,
        "deliveryAddress": request.address,
        "statusTimestamps": {"placed": now},
        "preparationTime": {"estimatedMinutes": PREPARATION_ESTIMATE_MINUTES},
        "deliveryTime": {"estimatedMinutes": DELIVERY_ESTIMATE_MINUTES},
        "cancellation": {"isCancelled": False, "status": "none"},
        "createdAt": now,
        "updatedAt": now,
    }
    if request.notes:
        order["notes"] = request.notes
    return order
