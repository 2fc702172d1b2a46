"""Server time: UTC instants for storage, the server's local zone (TZ) for order numbers and "today"."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


class Clock:
    def __init__(self, tz_name: str | None = None) -> None:
        self.tz: tzinfo | None = _zone(tz_name)

    def now(self) -> datetime:
        """Now in UTC, truncated to milliseconds as MongoDB stores it (so a stored value reads back equal)."""
        now = datetime.now(UTC)
        return now.replace(microsecond=now.microsecond // 1000 * 1000)

    def local(self, instant: datetime | None = None) -> datetime:
        """An instant in the server's local zone (the TZ variable, else the system's zone)."""
        instant = instant or self.now()
        return instant.astimezone(self.tz) if self.tz else instant.astimezone()

    def today_start(self) -> datetime:
        """The server's local midnight as a UTC instant: where "today" begins."""
        local = self.local()
        return self._local_midnight(local.year, local.month, local.day)

    def month_start(self, months_back: int = 0) -> datetime:
        """The first local midnight of the month `months_back` months before this one, in UTC."""
        local = self.local()
        index = local.year * 12 + local.month - 1 - months_back
        return self._local_midnight(index // 12, index % 12 + 1, 1)

    def _local_midnight(self, year: int, month: int, day: int) -> datetime:
        # Built from the wall-clock date so the zone's offset on that day applies (daylight saving).
        naive = datetime(year, month, day)  # localised on the next line
        local = naive.replace(tzinfo=self.tz) if self.tz else naive.astimezone()
        return local.astimezone(UTC)

    def ago(self, **delta: float) -> datetime:
        return self.now() - timedelta(**delta)


def _zone(tz_name: str | None) -> tzinfo | None:
    """A named zone, or None to use the system zone (POSIX TZ strings such as UTC0 are read by libc)."""
    if not tz_name:
        return None
    try:
        return ZoneInfo(tz_name.lstrip(":"))
    except (ZoneInfoNotFoundError, ValueError):
        return None
