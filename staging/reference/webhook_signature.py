"""Stripe webhook signatures (API.md 6.3, CANCELLATION.md 6), checked the way Stripe's libraries do.

Header ``stripe-signature: t=<unix>,v1=<hex>[,v1=<hex>…]``; each ``v1`` is the HMAC-SHA256 of
``"<t>.<raw body>"`` keyed with the endpoint secret. A signature older than the tolerance is refused, so a
captured delivery cannot be replayed later.
"""

from __future__ import annotations

import hashlib
import hmac

TOLERANCE_SECONDS = 300


class SignatureError(ValueError):
    """Why a delivery is not trusted; answered as 400 ``Webhook Error: <message>``."""


def _parts(header: str) -> tuple[int, list[str]]:
    stamp: int | None = None
    signatures: list[str] = []
    for item in header.split(","):
        key, _, value = item.strip().partition("=")
        if key == "t":
            try:
                stamp = int(value)
            except ValueError:
                raise SignatureError("Unable to extract timestamp and signatures from header") from None
        elif key == "v1" and value:
            signatures.append(value)
    if stamp is None or not signatures:
        raise SignatureError("Unable to extract timestamp and signatures from header")
    return stamp, signatures


def verify(
    payload: bytes,
    header: str | None,
    secret: str,
    now: float,
    *,
    tolerance: int = TOLERANCE_SECONDS,
    check_signature: bool = True,
    check_timestamp: bool = True,
) -> None:
    """Raise SignatureError unless ``header`` signs exactly ``payload`` with ``secret``, recently enough.

    ``check_signature`` and ``check_timestamp`` exist for injected defects only.
    """
    if not header:
        raise SignatureError("No stripe-signature header value was provided.")
    stamp, signatures = _parts(header)
    expected = hmac.new(secret.encode(), f"{stamp}.".encode() + payload, hashlib.sha256).hexdigest()
    if check_signature and not any(hmac.compare_digest(expected, given) for given in signatures):
        raise SignatureError("No signatures found matching the expected signature for payload")
    if check_timestamp and stamp < now - tolerance:
        raise SignatureError("Timestamp outside the tolerance zone")
