"""Field rules shared by the routes (API.md 2.2, 2.3, 4.1, 8.4). Values of the wrong JSON type never
reach a query: every check insists on the type first, so `{"$gt": ""}` is refused, not obeyed."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from typing import Any, TypeGuard

from bson import ObjectId

from staging.reference.errors import ApiError, field_error, validation_failed

_OBJECT_ID = re.compile(r"^[0-9a-fA-F]{24}$")
_EMAIL = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@"
    r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$"
)
_PIN = re.compile(r"^[0-9]{4}$")
PHONE = re.compile(r"^[\d\s\-\+\(\)]+$")
HH_MM = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]$")
SPECIAL_CHARACTERS = "@$!%*?&"
_GMAIL_DOMAINS = ("gmail.com", "googlemail.com")
# Query-string fragments the Node backend's input filter refuses (API.md 8.4, wire quirk).
_SUSPICIOUS_QUERY = ("'", "#", "--", "..")


def parse_object_id(value: Any) -> ObjectId | None:
    """A 24-hex ObjectId, or None. (bson's own check also accepts any 12-character string.)"""
    if isinstance(value, ObjectId):
        return value
    if isinstance(value, str) and _OBJECT_ID.match(value):
        return ObjectId(value)
    return None


def object_id_or_400(value: Any, what: str) -> ObjectId:
    oid = parse_object_id(value)
    if oid is None:
        raise ApiError(400, f"Invalid {what} ID")
    return oid


def normalize_email(email: str) -> str:
    """Lower-case; gmail addresses also lose dots and +tags (express-validator's normalizeEmail)."""
    local, _, domain = email.strip().lower().rpartition("@")
    if domain in _GMAIL_DOMAINS:
        local = local.split("+", 1)[0].replace(".", "")
        domain = "gmail.com"
    return f"{local}@{domain}"


def is_email(value: Any) -> bool:
    return isinstance(value, str) and len(value) <= 254 and bool(_EMAIL.match(value.strip()))


def password_problems(password: str) -> list[str]:
    problems = []
    if len(password) < 8:
        problems.append("Password must be at least 8 characters long")
    if len(password) > 128:
        problems.append("Password must be at most 128 characters long")
    if not re.search(r"[a-z]", password):
        problems.append("Password must contain a lowercase letter")
    if not re.search(r"[A-Z]", password):
        problems.append("Password must contain an uppercase letter")
    if not re.search(r"[0-9]", password):
        problems.append("Password must contain a number")
    if not any(char in SPECIAL_CHARACTERS for char in password):
        problems.append(f"Password must contain a special character ({SPECIAL_CHARACTERS})")
    return problems


def is_pin(value: Any) -> bool:
    """Exactly four ASCII digits, as a string."""
    return isinstance(value, str) and bool(_PIN.match(value))


def is_number(value: Any) -> TypeGuard[int | float]:
    """A finite JSON number that fits BSON (booleans are not numbers here)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    if isinstance(value, int):
        return -(2**63) <= value < 2**63  # larger JSON integers would not even convert to float
    return math.isfinite(value)


def search_pattern(raw: str | None, *, exact: bool = False) -> dict[str, str] | None:
    """A case-insensitive regex matching `raw` literally (escaped, bounded, no NUL bytes, which MongoDB
    refuses in a regex); None when there is nothing to search for. `exact` anchors it to the whole value."""
    text = (raw or "").replace("\x00", "").strip()[:100]
    if not text:
        return None
    escaped = re.escape(text)
    return {"$regex": f"^{escaped}$" if exact else escaped, "$options": "i"}


def is_suspicious_query_value(value: str) -> bool:
    return any(fragment in value for fragment in _SUSPICIOUS_QUERY)


class FieldErrors:
    """Collects express-validator style errors and raises them together as 400 'Validation failed'."""

    def __init__(self) -> None:
        self.errors: list[dict[str, Any]] = []

    def add(self, path: str, msg: str, value: Any = None) -> None:
        self.errors.append(field_error(path, msg, value))

    def raise_if_any(self) -> None:
        if self.errors:
            raise validation_failed(self.errors)


def contact_fields(body: Mapping[str, Any], errors: FieldErrors) -> dict[str, str]:
    """Name, email and phone of a staff member or driver (API.md 2.3, 2.4), normalised; problems recorded in
    `errors`, so the values only count once the caller's `errors.raise_if_any()` has passed."""
    name = body.get("name")
    if not isinstance(name, str) or not 1 <= len(name.strip()) <= 100:
        errors.add("name", "Name is required (at most 100 characters)", name)
    email = body.get("email")
    if not is_email(email):
        errors.add("email", "A valid email is required", email)
    phone = body.get("phone")
    if not isinstance(phone, str) or not PHONE.match(phone) or len(phone) > 20:
        errors.add("phone", "A valid phone number is required", phone)
    return {"name": str(name).strip(), "email": str(email).strip().lower(), "phone": str(phone).strip()}


# field -> (check returning the value to store, or None when invalid; the message when it is None)
FieldChecks = Mapping[str, tuple[Callable[[Any], Any], str]]


def checked_fields(body: Mapping[str, Any], checks: FieldChecks, errors: FieldErrors) -> dict[str, Any]:
    """The fields of `checks` present in `body`, as their checks return them; failures go into `errors`."""
    fields: dict[str, Any] = {}
    for key, (check, message) in checks.items():
        if key in body:
            value = check(body[key])
            if value is None:
                errors.add(key, message, body[key])
            else:
                fields[key] = value
    return fields


def optional_string(body: Mapping[str, Any], key: str, errors: FieldErrors, max_length: int) -> str | None:
    """A trimmed optional string field; wrong types and over-long values are recorded as errors."""
    value = body.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        errors.add(key, f"{key} must be a string", value)
        return None
    value = value.strip()
    if len(value) > max_length:
        errors.add(key, f"{key} must be at most {max_length} characters", value)
        return None
    return value or None


def int_query(query: Mapping[str, str], name: str, default: int, lo: int, hi: int | None = None) -> int:
    """An integer query parameter; out-of-range values are clamped, non-numbers get 400."""
    raw = query.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ApiError(400, f"{name} must be an integer") from None
    value = max(lo, value)
    return min(hi, value) if hi is not None else value


def float_query(query: Mapping[str, str], name: str) -> float | None:
    raw = query.get(name)
    if raw is None or raw == "":
        return None
    try:
        value = float(raw)
    except ValueError:
        raise ApiError(400, f"{name} must be a number") from None
    if not math.isfinite(value):
        raise ApiError(400, f"{name} must be a number")
    return value


def json_object(body: Any) -> dict[str, Any]:
    """The request body as an object; arrays and scalars are refused."""
    if not isinstance(body, dict):
        raise ApiError(400, "Request body must be a JSON object")
    return body
