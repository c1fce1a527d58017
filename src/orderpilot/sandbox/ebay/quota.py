"""eBay's default daily call limits, enforced per API on the simulator's clock.

eBay limits calls per API and application per day; the day starts at midnight Pacific time
(developer.ebay.com "API Call Limits": Finances API 15,000 calls/day; OAuth refresh-token grant
50,000 requests/day; Fulfillment API 100,000 calls/day for the default keyset). A call beyond the
limit is refused with 429 and errorId 2001 until the next Pacific day.
"""

from __future__ import annotations

import datetime as dt
import threading
from zoneinfo import ZoneInfo

PACIFIC = ZoneInfo("America/Los_Angeles")

DAILY_LIMITS: dict[str, int] = {
    "sell.fulfillment": 100_000,
    "sell.finances": 15_000,
    "identity.refresh_token": 50_000,
}


class DailyQuota:
    """Counts calls per API and Pacific day; ``enabled=False`` (``--relaxed``) lets every call pass."""

    def __init__(self, limits: dict[str, int] | None = None, *, enabled: bool = True) -> None:
        self.limits = {**DAILY_LIMITS, **(limits or {})}
        self.enabled = enabled
        self._counts: dict[tuple[str, dt.date], int] = {}
        self._lock = threading.Lock()

    def take(self, api: str, now: dt.datetime) -> bool:
        """Count one call to ``api``; ``False`` if today's limit is used up (the call is not counted)."""
        day = now.astimezone(PACIFIC).date()
        with self._lock:
            used = self._counts.get((api, day), 0)
            if self.enabled and used >= self.limits[api]:
                return False
            self._counts[(api, day)] = used + 1
            return True

    def used(self, api: str, now: dt.datetime) -> int:
        with self._lock:
            return self._counts.get((api, now.astimezone(PACIFIC).date()), 0)

    def reset(self) -> None:
        with self._lock:
            self._counts.clear()
