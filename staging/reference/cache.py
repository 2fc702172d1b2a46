"""A small per-URL response cache with a time to live (API.md 3 and 7.2, wire quirk `X-Cache`)."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from starlette.responses import Response


@dataclass(frozen=True)
class CachedResponse:
    status: int
    body: bytes
    media_type: str


class TtlCache:
    def __init__(self, ttl_seconds: float, max_entries: int = 1000) -> None:
        self.ttl_seconds = ttl_seconds
        self.max_entries = max_entries
        self._entries: OrderedDict[str, tuple[float, CachedResponse]] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: str) -> CachedResponse | None:
        now = time.monotonic()
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or entry[0] <= now:
                self._entries.pop(key, None)
                self.misses += 1
                return None
            self.hits += 1
            return entry[1]

    def put(self, key: str, value: CachedResponse) -> None:
        with self._lock:
            self._entries[key] = (time.monotonic() + self.ttl_seconds, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)  # the oldest entry goes first

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def serve_cached(cache: TtlCache, key: str, produce: Callable[[], Response]) -> Response:
    """Answer from the cache (`X-Cache: HIT`) or produce, store a 200 and mark it `X-Cache: MISS`."""
    hit = cache.get(key)
    if hit is not None:
        return Response(hit.body, hit.status, {"X-Cache": "HIT"}, hit.media_type)
    response = produce()
    if response.status_code == 200:
        cache.put(key, CachedResponse(response.status_code, bytes(response.body), response.media_type or ""))
    response.headers["X-Cache"] = "MISS"
    return response
