"""PINs that identify a staff member or a driver on their own (API.md 2.3, 2.4).

A PIN is stored twice: as a bcrypt hash (`pin`, the secret) and as a keyed HMAC (`pinFingerprint`, see
hashing.pin_fingerprint) under a unique partial index, so one PIN belongs to one holder and a login
finds its holder in a single indexed query.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field

from bson import ObjectId
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from staging.reference.db import DRIVERS, STAFFS, Doc
from staging.reference.hashing import hash_secret, pin_fingerprint, verify_secret


@dataclass(frozen=True)
class PinBook:
    collection: str
    realm: str
    holders: Doc = field(default_factory=dict)  # whose PINs count: non-deleted staff, active drivers


STAFF_PINS = PinBook(STAFFS, "staff-pin", {"isDeleted": {"$ne": True}})
DRIVER_PINS = PinBook(DRIVERS, "driver-pin", {"isActive": True})


class PinKeeper:
    def __init__(self, db: Database[Doc], fingerprint_key: str, bcrypt_rounds: int) -> None:
        self._db = db
        self._key = f"pin-fingerprint:{fingerprint_key}"
        self._rounds = bcrypt_rounds

    def stored_fields(self, book: PinBook, pin: str) -> Doc:
        """The fields that store a PIN on its holder's record."""
        return {"pin": hash_secret(pin, self._rounds), "pinFingerprint": self.fingerprint(book, pin)}

    def fingerprint(self, book: PinBook, pin: str) -> str:
        return pin_fingerprint(self._key, book.realm, pin)

    def find_holder(self, book: PinBook, pin: str) -> Doc | None:
        """The record this PIN identifies, or None."""
        collection = self._db[book.collection]
        holder = collection.find_one({**book.holders, "pinFingerprint": self.fingerprint(book, pin)})
        if holder is not None:
            return holder if verify_secret(pin, holder.get("pin")) else None
        return self._find_unfingerprinted(book, pin)

    def is_held(self, book: PinBook, pin: str, exclude: ObjectId | None = None) -> bool:
        holder = self.find_holder(book, pin)
        return holder is not None and holder["_id"] != exclude

    def _find_unfingerprinted(self, book: PinBook, pin: str) -> Doc | None:
        # Records seeded straight into MongoDB carry only the bcrypt hash: check those one by one and
        # give a match its fingerprint, so the next lookup is a single indexed query.
        collection = self._db[book.collection]
        for candidate in collection.find({**book.holders, "pinFingerprint": {"$exists": False}}, {"pin": 1}):
            if verify_secret(pin, candidate.get("pin")):
                # A DuplicateKeyError means another holder took this PIN meanwhile; the answer stands.
                with contextlib.suppress(DuplicateKeyError):
                    collection.update_one(
                        {"_id": candidate["_id"], "pinFingerprint": {"$exists": False}},
                        {"$set": {"pinFingerprint": self.fingerprint(book, pin)}},
                    )
                return collection.find_one({"_id": candidate["_id"]})
        return None
