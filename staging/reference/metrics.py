"""Request counters for /health and /api/metrics: totals and timings only, never user data."""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any


class Metrics:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.requests = 0
        self.errors = 0
        self.total_ms = 0.0
        self.by_status: Counter[int] = Counter()

    def record(self, status: int, elapsed_ms: float) -> None:
        with self._lock:
            self.requests += 1
            self.total_ms += elapsed_ms
            self.by_status[status] += 1
            if status >= 500:
                self.errors += 1

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            average = self.total_ms / self.requests if self.requests else 0.0
            return {
                "totalRequests": self.requests,
                "errorCount": self.errors,
                "errorRate": round(self.errors / self.requests, 4) if self.requests else 0,
                "averageResponseTime": round(average, 3),
                "statusCodes": {str(code): count for code, count in sorted(self.by_status.items())},
            }
