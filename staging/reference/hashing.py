"""Password and PIN hashing: bcrypt for secrets, a keyed HMAC fingerprint to find and de-duplicate PINs."""

from __future__ import annotations

import hashlib
import hmac

import bcrypt

# bcrypt reads at most 72 bytes; bcryptjs (Node) silently ignores the rest, and so do we, so long
# passwords neither crash the hashing library nor behave differently from the Node backend.
_BCRYPT_MAX_BYTES = 72


def _secret_bytes(secret: str) -> bytes:
    return secret.encode()[:_BCRYPT_MAX_BYTES]


def hash_secret(secret: str, rounds: int) -> str:
    """A bcrypt hash ($2b$) of a password or PIN."""
    return bcrypt.hashpw(_secret_bytes(secret), bcrypt.gensalt(rounds)).decode()


def verify_secret(secret: str, hashed: object) -> bool:
    """Check a secret against a stored bcrypt hash ($2a$/$2b$/$2y$); anything malformed is a mismatch."""
    if not isinstance(hashed, str) or not hashed.startswith("$2"):
        return False
    try:
        return bcrypt.checkpw(_secret_bytes(secret), hashed.encode())
    except ValueError:
        return False


def pin_fingerprint(key: str, realm: str, pin: str) -> str:
    """A deterministic, keyed fingerprint of a PIN.

    Why: PINs are stored as bcrypt hashes, which are salted, so "is this PIN already held?" and "whose PIN
    is this?" cannot be asked of the database; comparing against every hash costs one bcrypt per account
    and is racy. The HMAC is deterministic, so a unique (partial) index makes a PIN belong to exactly one
    account even under concurrent writes, and a login finds its account in one indexed query before the
    bcrypt check. Keyed with a server secret so a database dump alone does not reveal the PINs; the realm
    keeps staff and driver PINs apart.
    """
    return hmac.new(key.encode(), f"{realm}:{pin}".encode(), hashlib.sha256).hexdigest()
