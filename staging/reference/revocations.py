"""Spent token ids: access tokens after logout, refresh tokens once rotated (API.md 2.1)."""

from __future__ import annotations

from datetime import datetime

from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from staging.reference.db import REVOCATIONS, Doc


def revoke(db: Database[Doc], jti: str, expires_at: datetime, reason: str) -> None:
    """Refuse this token from now on; idempotent. The TTL index drops the record once the token expires."""
    db[REVOCATIONS].update_one(
        {"_id": jti}, {"$setOnInsert": {"expiresAt": expires_at, "reason": reason}}, upsert=True
    )


def consume(db: Database[Doc], jti: str, expires_at: datetime, reason: str) -> bool:
    """Spend a single-use token. The insert is the atomic check: of two concurrent uses only one wins."""
    try:
        db[REVOCATIONS].insert_one({"_id": jti, "expiresAt": expires_at, "reason": reason})
    except DuplicateKeyError:
        return False
    return True


def is_revoked(db: Database[Doc], jti: str) -> bool:
    return db[REVOCATIONS].find_one({"_id": jti}, {"_id": 1}) is not None
