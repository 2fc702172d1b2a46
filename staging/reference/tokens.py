"""HS256 JWTs (API.md 2.1). Every token carries a `type` claim so one kind can never pass for another."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
from jwt.types import Options

from staging.reference.clock import Clock
from staging.reference.settings import Settings

ACCESS = "access"
REFRESH = "refresh"
STAFF = "staff"
DRIVER = "pin"  # the driver token's type, as the Node backend names it
PASSWORD_RESET = "password-reset"  # noqa: S105 - a token kind, not a password

PASSWORD_RESET_TTL = timedelta(hours=1)
STAFF_TTL = timedelta(hours=12)
LEGACY_STAFF_TTL = timedelta(days=7)
BADGE_TTL = timedelta(days=365)
STAFF_ADMIN = "staff-admin"
STAFF_BADGE = "staff-qr"
DRIVER_BADGE = "driver-qr"
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

    def password_reset(self, user_id: str) -> Issued:
        """The token in a reset link: signed like an access token, so only its `type` tells them apart."""
        claims = {"userId": user_id, "type": PASSWORD_RESET}
        return self._sign(claims, PASSWORD_RESET_TTL, self._settings.jwt_secret)

    def staff(self, staff_id: str, employee_id: str, role: str) -> Issued:
        claims = {"staffId": staff_id, "employeeId": employee_id, "role": role, "type": STAFF}
        return self._sign(claims, STAFF_TTL, self._settings.jwt_secret)

    def legacy_staff(self, staff_id: str) -> Issued:
        """The legacy `POST /api/staff/login` token: `{staffId, role:'staff'}`, valid 7 days (API.md 2.1)."""
        claims = {"staffId": staff_id, "role": "staff", "type": STAFF}
        return self._sign(claims, LEGACY_STAFF_TTL, self._settings.jwt_secret)

    def staff_admin(self, staff_id: str) -> Issued:
        return self._sign({"staffId": staff_id, "type": STAFF_ADMIN}, STAFF_TTL, self._settings.jwt_secret)

    def badge(self, kind: str, record_id: str) -> Issued:
        """A QR badge (staff or driver), signed with QR_BADGE_SECRET so it can never pass as a session."""
        return self._sign({"id": record_id, "type": kind}, BADGE_TTL, self._settings.qr_badge_secret)

    def decode_badge(self, token: str, kind: str) -> str:
        """The record id a badge names; TokenError when it is not a valid badge of this kind."""
        try:
            claims = jwt.decode(token, self._settings.qr_badge_secret, algorithms=[_ALGORITHM])
        except jwt.PyJWTError:
            raise TokenError("Invalid QR code") from None
        if (
            not isinstance(claims, dict)
            or claims.get("type") != kind
            or not isinstance(claims.get("id"), str)
        ):
            raise TokenError("Invalid QR code")
        return str(claims["id"])

    def driver(self, driver_id: str) -> Issued:
        claims = {"driverId": driver_id, "role": "driver", "type": DRIVER}
        return self._sign(claims, DRIVER_TTL, self._settings.jwt_secret)

    def decode(self, token: str, *, refresh: bool = False) -> dict[str, Any]:
        """Verify signature (HS256 only, so alg:none is refused) and expiry; return the claims."""
        secret = self._settings.jwt_refresh_secret if refresh else self._settings.jwt_secret
        if secret is None:
            raise TokenError("Refresh tokens are not configured")
        options: Options = {"require": ["exp", "iat", "jti", "type"]}
        if self._settings.defect_on("expired_token_accepted"):
            options["verify_exp"] = False
        try:
            if self._settings.defect_on("alg_none_accepted") and _is_unsigned(token):
                options["verify_signature"] = False
            claims = jwt.decode(token, secret, algorithms=[_ALGORITHM], options=options)
        except jwt.ExpiredSignatureError:
            raise TokenError("Token expired") from None
        except jwt.PyJWTError:
            raise TokenError("Not authorized, token failed") from None
        if not isinstance(claims, dict):
            raise TokenError("Not authorized, token failed")
        return claims


def _is_unsigned(token: str) -> bool:
    return jwt.get_unverified_header(token).get("alg", "").lower() == "none"


def expires_at(claims: dict[str, Any]) -> datetime:
    """When a decoded token expires."""
    return datetime.fromtimestamp(int(claims["exp"]), tz=UTC)
