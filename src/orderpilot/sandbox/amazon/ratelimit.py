"""Amazon's published usage plans and token buckets that enforce them on the simulator's clock.

Rates and bursts are the defaults quoted in each operation's description in the official Swagger models
(``research/sp-api.md`` §2.1, §4, §6.1, §7.1, §8); ``sendInvoice`` has no plan in the model, so it gets the
plan of every other Messaging operation (1 rps, burst 5). ``createUploadDestinationForResource``: 0.1 rps,
burst 5, as the Uploads model in amzn/selling-partner-api-models says (the reference pages now print 10/10;
a client that adopts ``x-amzn-RateLimit-Limit`` follows whichever is served).
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass


@dataclass(frozen=True)
class UsagePlan:
    rate: str  # as Amazon prints it in x-amzn-RateLimit-Limit, e.g. "0.0167"
    burst: int

    @property
    def per_second(self) -> float:
        return float(self.rate)


# Keyed by "<model name>.<operationId>"; the model name is the Swagger file's stem.
USAGE_PLANS: dict[str, UsagePlan] = {
    "ordersV0.getOrders": UsagePlan("0.0167", 20),
    "ordersV0.getOrder": UsagePlan("0.5", 30),
    "ordersV0.getOrderBuyerInfo": UsagePlan("0.5", 30),
    "ordersV0.getOrderAddress": UsagePlan("0.5", 30),
    "ordersV0.getOrderItems": UsagePlan("0.5", 30),
    "ordersV0.getOrderItemsBuyerInfo": UsagePlan("0.5", 30),
    "ordersV0.confirmShipment": UsagePlan("2", 10),
    "orders_2026-01-01.searchOrders": UsagePlan("0.0056", 20),
    "orders_2026-01-01.getOrder": UsagePlan("0.5", 30),
    "tokens_2021-03-01.createRestrictedDataToken": UsagePlan("1", 10),
    "reports_2021-06-30.getReports": UsagePlan("0.0222", 10),
    "reports_2021-06-30.createReport": UsagePlan("0.0167", 15),
    "reports_2021-06-30.getReport": UsagePlan("2", 15),
    "reports_2021-06-30.cancelReport": UsagePlan("0.0222", 10),
    "reports_2021-06-30.getReportDocument": UsagePlan("0.0167", 15),
    "feeds_2021-06-30.getFeeds": UsagePlan("0.0222", 10),
    "feeds_2021-06-30.createFeed": UsagePlan("0.0083", 15),
    "feeds_2021-06-30.getFeed": UsagePlan("2", 15),
    "feeds_2021-06-30.cancelFeed": UsagePlan("2", 15),
    "feeds_2021-06-30.createFeedDocument": UsagePlan("0.5", 15),
    "feeds_2021-06-30.getFeedDocument": UsagePlan("0.0222", 10),
    "solicitations.getSolicitationActionsForOrder": UsagePlan("1", 5),
    "solicitations.createProductReviewAndSellerFeedbackSolicitation": UsagePlan("1", 5),
    "messaging.getMessagingActionsForOrder": UsagePlan("1", 5),
    "messaging.sendInvoice": UsagePlan("1", 5),
    "uploads_2020-11-01.createUploadDestinationForResource": UsagePlan("0.1", 5),
}


class RateLimiter:
    """One token bucket per (selling-partner application, operation); full when first used.

    A bucket holds at most ``burst`` tokens and refills at ``rate`` per second of simulator time, so
    advancing the clock refills it. With ``enabled=False`` every call passes (benchmarks).
    """

    def __init__(self, *, enabled: bool) -> None:
        self.enabled = enabled
        self._buckets: dict[tuple[str, str], tuple[float, dt.datetime]] = {}
        self._lock = threading.Lock()

    def take(self, app_key: str, operation: str, plan: UsagePlan, now: dt.datetime) -> bool:
        """Take one token for this call; ``False`` means the call must be refused with 429."""
        if not self.enabled:
            return True
        key = (app_key, operation)
        with self._lock:
            tokens, updated = self._buckets.get(key, (float(plan.burst), now))
            elapsed = max((now - updated).total_seconds(), 0.0)
            tokens = min(float(plan.burst), tokens + elapsed * plan.per_second)
            if tokens < 1.0:
                self._buckets[key] = (tokens, now)
                return False
            self._buckets[key] = (tokens - 1.0, now)
            return True

    def reset(self) -> None:
        with self._lock:
            self._buckets.clear()
