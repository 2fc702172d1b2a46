"""HS256 JWTs (API.md 2.1). Every token carries a `type` claim so one kind can never pass for another."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt

from staging.reference.clock import Clock
from staging.reference.settings import Settings

ACCESS = "access"
REFRESH = "refresh"
STAFF = "staff"
DRIVER = "pin"  # the driver token's type, as the Node backend names it

STAFF_TTL = timedelta(hours=12)
DRIVER_TTL = timedelta(days=7)
_ALGORITHM = "HS256"


class TokenError(Exception):
    """A token that is missing, malformed, badly signed, expired or of the wrong kind."""


@dataclass(frozen=True)
class Issued:
    token: str
    jti: str
    expires_at: datetime


class TokenService:
    def __init__(self, settings: Settings, clock: Clock) -> None:
        self._settings = settings
        self._clock = clock

    def _sign(self, claims: dict[str, Any], ttl: timedelta, secret: str) -> Issued:
        now = self._clock.now()
        jti = uuid.uuid4().hex
        expires_at = now + ttl
        payload = {**claims, "jti": jti, "iat": int(now.timestamp()), "exp": int(expires_at.timestamp())}
        return Issued(jwt.encode(payload, secret, algorithm=_ALGORITHM), jti, expires_at)

    def access(self, user_id: str) -> Issued:
        return self._sign(
            {"userId": user_id, "type": ACCESS}, self._settings.jwt_expire, self._settings.jwt_secret
        )

    def refresh(self, user_id: str) -> Issued:
        secret = self._settings.jwt_refresh_secret
        if secret is None:
            # As in the Node backend: without JWT_REFRESH_SECRET the routes that issue tokens fail.
            raise RuntimeError("JWT_REFRESH_SECRET is not configured")
        return self._sign({"userId": user_id, "type": REFRESH}, self._settings.jwt_refresh_expire, secret)

    def staff(self, staff_id: str, employee_id: str, role: str) -> Issued:
        claims = {"staffId": staff_id, "employeeId": employee_id, "role": role, "type": STAFF}
        return self._sign(claims, STAFF_TTL, self._settings.jwt_secret)

    def driver(self, driver_id: str) -> Issued:
        claims = {"driverId": driver_id, "role": "driver", "type": DRIVER}
        return self._sign(claims, DRIVER_TTL, self._settings.jwt_secret)

    def decode(self, token: str, *, refresh: bool = False) -> dict[str, Any]:
        """Verify signature (HS256 only, so alg:none is refused) and expiry; return the claims."""
        secret = self._settings.jwt_refresh_secret if refresh else self._settings.jwt_secret
        if secret is None:
            raise TokenError("Refresh tokens are not configured")
        try:
            claims = jwt.decode(
                token, secret, algorithms=[_ALGORITHM], options={"require": ["exp", "iat", "jti", "type"]}
            )
        except jwt.ExpiredSignatureError:
            raise TokenError("Token expired") from None
        except jwt.PyJWTError:
            raise TokenError("Not authorized, token failed") from None
        if not isinstance(claims, dict):
            raise TokenError("Not authorized, token failed")
        return claims


def expires_at(claims: dict[str, Any]) -> datetime:
    """When a decoded token expires."""
    return datetime.fromtimestamp(int(claims["exp"]), tz=UTC)
