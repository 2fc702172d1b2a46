"""The firebase guard (API.md 2.1, 9.4): Firebase ID tokens, as Firebase Admin checks them.

Against the Auth emulator (``FIREBASE_AUTH_EMULATOR_HOST``) Firebase Admin accepts unsigned (``alg:none``)
tokens and checks the claims: issuer and audience of the project, not expired, issued in the past, a
subject. It then asks the emulator for the account (``accounts:lookup``), and the backend finds its User by
``firebaseUid``, ``providerId`` or email. Without Firebase credentials every such route answers 401. Real
(RS256, Google-signed) tokens would need Google's public keys, which this offline reference does not
fetch: outside emulator mode it refuses every token.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import time
from pathlib import Path
from typing import Any

import httpx
from starlette.requests import Request

from staging.reference.context import AppContext
from staging.reference.db import USERS
from staging.reference.errors import ApiError
from staging.reference.guards import UserPrincipal, bearer_token
from staging.reference.settings import Settings

log = logging.getLogger("almarya.reference")

LOOKUP_TIMEOUT_SECONDS = 5.0
CLOCK_SKEW_SECONDS = 300  # Firebase Admin tolerates a few minutes of clock difference on `iat`


class FirebaseTokenError(ValueError):
    """A token Firebase Admin would refuse; answered 401."""


def project_id(settings: Settings) -> str | None:
    """The project of the service account (or ``FIREBASE_PROJECT_ID``); None when Firebase is not set up."""
    raw = settings.firebase_service_account_key
    if raw is None and settings.firebase_service_account_path:
        try:
            raw = Path(settings.firebase_service_account_path).read_text(encoding="utf-8")
        except OSError:
            raw = None
    if raw is None:
        return None  # no credentials: Firebase Admin is not initialised
    try:
        account = json.loads(raw)
    except ValueError:
        return None
    from_key = account.get("project_id") if isinstance(account, dict) else None
    return settings.firebase_project_id or (from_key if isinstance(from_key, str) else None)


def _segment(part: str) -> Any:
    try:
        return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    except (binascii.Error, ValueError):
        raise FirebaseTokenError("Decoding Firebase ID token failed") from None


def verify_id_token(token: str, project: str, *, emulator: bool, now: float) -> dict[str, Any]:
    """The token's claims if Firebase Admin would accept it, else FirebaseTokenError."""
    parts = token.split(".")
    if len(parts) != 3:
        raise FirebaseTokenError("Decoding Firebase ID token failed")
    header, claims = _segment(parts[0]), _segment(parts[1])
    if not isinstance(header, dict) or not isinstance(claims, dict):
        raise FirebaseTokenError("Decoding Firebase ID token failed")
    if not emulator or header.get("alg") != "none":
        # Only the emulator's unsigned tokens can be checked offline (see the module docstring).
        raise FirebaseTokenError("Firebase ID token has an invalid signature")
    if claims.get("aud") != project:
        raise FirebaseTokenError('Firebase ID token has incorrect "aud" (audience) claim')
    if claims.get("iss") != f"https://securetoken.google.com/{project}":
        raise FirebaseTokenError('Firebase ID token has incorrect "iss" (issuer) claim')
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject or len(subject) > 128:
        raise FirebaseTokenError('Firebase ID token has no "sub" (subject) claim')
    expires, issued = claims.get("exp"), claims.get("iat")
    if not isinstance(expires, int | float) or expires <= now:
        raise FirebaseTokenError("Firebase ID token has expired")
    if not isinstance(issued, int | float) or issued > now + CLOCK_SKEW_SECONDS:
        raise FirebaseTokenError('Firebase ID token has an "iat" (issued-at) claim in the future')
    return claims


def lookup_account(emulator_host: str, project: str, uid: str) -> dict[str, Any] | None:
    """The emulator's record of ``uid``, or None when it has none (or cannot be asked)."""
    url = f"http://{emulator_host}/identitytoolkit.googleapis.com/v1/projects/{project}/accounts:lookup"
    try:
        response = httpx.post(
            url,
            json={"localId": [uid]},
            headers={"Authorization": "Bearer owner"},
            timeout=LOOKUP_TIMEOUT_SECONDS,
        )
        users = response.json().get("users") if response.is_success else None
    except (httpx.HTTPError, ValueError, AttributeError) as exc:
        log.warning("Firebase account lookup failed: %s", exc)
        return None
    found = users[0] if isinstance(users, list) and users else None
    return found if isinstance(found, dict) else None


def firebase_guard(ctx: AppContext, request: Request) -> UserPrincipal:
    settings = ctx.settings
    project = project_id(settings)
    if project is None:
        raise ApiError(401, "Firebase authentication is not configured")
    token = bearer_token(request)
    emulator = settings.firebase_auth_emulator_host
    try:
        claims = verify_id_token(token, project, emulator=emulator is not None, now=time.time())
    except FirebaseTokenError as exc:
        raise ApiError(401, f"Invalid Firebase token: {exc}") from None
    uid = str(claims["sub"])
    account = lookup_account(emulator, project, uid) if emulator else None
    if account is None or account.get("disabled") is True:
        raise ApiError(401, "Invalid Firebase token: no such account")
    email = claims.get("email") or account.get("email")
    candidates: list[dict[str, Any]] = [{"firebaseUid": uid}, {"providerId": uid}]
    if isinstance(email, str) and email:
        candidates.append({"email": email.strip().lower()})
    user = ctx.db[USERS].find_one({"$or": candidates}, {"password": 0})
    if user is None:
        raise ApiError(404, "User not found")
    if user.get("isActive") is False:
        raise ApiError(401, "Account is deactivated")
    return UserPrincipal(user, claims)
