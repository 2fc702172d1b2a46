"""Seeding, as API.md 9.2 describes it: the first admin and the catalog go straight into MongoDB.

Everything else (staff, drivers, customers, orders) goes through the API, so it is made by the code
under test. These helpers are the only place that writes to the database besides ``staging.dbtools``.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import bcrypt
from bson import ObjectId
from pymongo.database import Database


@dataclass(frozen=True)
class AdminCredentials:
    email: str
    password: str


def strong_password() -> str:
    """A password that satisfies API.md 2.2's policy (lower, upper, digit, one of @$!%*?&)."""
    return f"Qa{secrets.token_hex(6)}9!"


def seed_admin(db: Database, credentials: AdminCredentials, *, bcrypt_rounds: int = 4) -> ObjectId:
    """Insert the first admin unless a user with that email exists; return its id.

    The password is hashed exactly once (API.md 9.2); any bcrypt cost verifies, and a low one keeps
    seeding fast.
    """
    email = credentials.email.lower()
    existing = db.users.find_one({"email": email}, {"_id": 1})
    if existing:
        return existing["_id"]
    now = datetime.now(UTC)
    hashed = bcrypt.hashpw(credentials.password.encode(), bcrypt.gensalt(rounds=bcrypt_rounds)).decode()
    # firebaseUid is omitted on purpose: it has a unique sparse index, and null would collide.
    document = {
        "name": "QA Admin",
        "email": email,
        "password": hashed,
        "roles": ["admin"],
        "isActive": True,
        "isEmailVerified": True,
        "authProvider": "email",
        "createdAt": now,
        "updatedAt": now,
    }
    return db.users.insert_one(document).inserted_id


def _variant(size: str, weight: int, price: float, *, active: bool = True) -> dict[str, Any]:
    return {"size": size, "weight": weight, "price": price, "stock": 50, "isActive": active}


# The catalog every target gets. It covers the pricing rules of API.md 3: a coffee priced by base price
# only, coffees with variants (one variant inactive) and an inactive coffee that must not be orderable.
CATALOG: tuple[dict[str, Any], ...] = (
    {
        "name": {"en": "Ethiopia Yirgacheffe", "ar": "إثيوبيا يرغاتشيف"},
        "description": {"en": "Floral and citrus, washed process.", "ar": "زهري وحمضي، معالجة مغسولة."},
        "price": 65.0,
        "origin": "Ethiopia",
        "roastLevel": "Light",
        "variants": [
            _variant("250gm", 250, 65.0),
            _variant("500gm", 500, 120.0),
            _variant("1kg", 1000, 225.0),
        ],
    },
    {
        "name": {"en": "Colombia Supremo", "ar": "كولومبيا سوبريمو"},
        "description": {"en": "Caramel sweetness, balanced body.", "ar": "حلاوة الكراميل وقوام متوازن."},
        "price": 55.0,
        "origin": "Colombia",
        "roastLevel": "Medium",
        "variants": [
            _variant("250gm", 250, 55.0),
            _variant("500gm", 500, 99.5),
            _variant("1kg", 1000, 180.0, active=False),
        ],
    },
    {
        "name": {"en": "Yemen Mocha Matari", "ar": "يمني موكا مطري"},
        "description": {"en": "Wine-like, chocolate finish.", "ar": "نكهة نبيذية ونهاية شوكولاتة."},
        "price": 95.0,
        "origin": "Yemen",
        "roastLevel": "Medium-Dark",
    },
    {
        "name": {"en": "Brazil Santos", "ar": "البرازيل سانتوس"},
        "description": {"en": "Nutty and smooth, low acidity.", "ar": "مكسرات وناعم وحموضة منخفضة."},
        "price": 42.25,
        "origin": "Brazil",
        "roastLevel": "Dark",
    },
    {
        "name": {"en": "Kenya AA", "ar": "كينيا إيه إيه"},
        "description": {"en": "Blackcurrant and bright acidity.", "ar": "كشمش أسود وحموضة مشرقة."},
        "price": 78.0,
        "origin": "Kenya",
        "roastLevel": "Light",
        "variants": [_variant("250gm", 250, 78.0), _variant("500gm", 500, 145.0)],
    },
    {
        "name": {"en": "Retired Harrar Blend", "ar": "خلطة هرر متوقفة"},
        "description": {"en": "No longer sold.", "ar": "لم تعد تباع."},
        "price": 60.0,
        "origin": "Ethiopia",
        "roastLevel": "Medium",
        "isActive": False,
    },
)


def seed_catalog(db: Database) -> list[ObjectId]:
    """Insert the catalog once (matched by English name); return the ids of every catalog coffee."""
    now = datetime.now(UTC)
    ids: list[ObjectId] = []
    for entry in CATALOG:
        existing = db.coffees.find_one({"name.en": entry["name"]["en"]}, {"_id": 1})
        if existing:
            ids.append(existing["_id"])
            continue
        document = {
            "image": "https://images.example.com/coffee.jpg",
            "stock": 100,
            "categories": [],
            "isActive": True,
            "createdAt": now,
            "updatedAt": now,
        } | entry
        ids.append(db.coffees.insert_one(document).inserted_id)
    return ids
