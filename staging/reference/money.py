"""Money: amounts are AED with two decimals on the wire and whole fils (1/100 AED) in bookkeeping.

Refund totals are kept in integer fils so that adding up partial refunds never drifts (0.1 + 0.2), and
Stripe takes amounts in the currency's smallest unit anyway (API.md 6.1).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from staging.reference.validation import is_number


def to_fils(amount: float | int | Decimal) -> int:
    """AED → fils, rounding half up as `Math.round(x * 100)` does for positive amounts."""
    return int((Decimal(str(amount)) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def to_aed(fils: int) -> float:
    return float(Decimal(fils) / 100)


def average_aed(total: float, count: int) -> float:
    """``total / count`` to the fils, halves rounded up like every other amount (Python's round() would send
    131.625 to 131.62)."""
    return to_aed(to_fils(Decimal(str(total)) / count)) if count else 0


def has_two_decimals_at_most(value: Any) -> bool:
    """Whether a JSON number is a valid AED amount (no fraction of a fil)."""
    if not is_number(value):
        return False
    try:
        return Decimal(str(value)) == Decimal(str(value)).quantize(Decimal("0.01"))
    except InvalidOperation:
        return False


def share_fils(total_fils: int, percent: Decimal) -> int:
    """``percent`` of an amount in fils, rounded half up to a whole fil."""
    return int((Decimal(total_fils) * percent / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))
