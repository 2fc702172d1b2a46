"""Order numbers `ALM-YYYYMMDD-NNNNNN` from a daily counter (API.md 4.2)."""

from __future__ import annotations

from pymongo import ReturnDocument
from pymongo.database import Database

from staging.reference.clock import Clock
from staging.reference.db import COUNTERS, Doc


def next_order_number(db: Database[Doc], clock: Clock) -> str:
    """Take the next number of the server's local day.

    The upsert with `$inc` is atomic, so concurrent orders never share a number. A number taken by a
    request that then fails is not given back (numbers may have gaps).
    """
    day = clock.local().strftime("%Y%m%d")
    counter = db[COUNTERS].find_one_and_update(
        {"_id": f"order-{day}"}, {"$inc": {"seq": 1}}, upsert=True, return_document=ReturnDocument.AFTER
    )
    if counter is None:  # an upsert returning the new document always finds one
        raise RuntimeError("order counter upsert returned nothing")
    return f"ALM-{day}-{int(counter['seq']):06d}"
