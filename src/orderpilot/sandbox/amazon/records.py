"""What the simulator stores per order: the v0 ``Order`` as received plus the state it changes."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

PENDING_STATUSES = frozenset({"Pending", "PendingAvailability"})
SHIPPABLE_STATUSES = frozenset({"Unshipped", "PartiallyShipped"})
# Statuses for which Amazon releases buyer data (research/sp-api.md §11.2, §8.4).
PII_STATUSES = frozenset({"Unshipped", "PartiallyShipped", "Shipped", "InvoiceUnconfirmed"})


@dataclass
class PackageRecord:
    """One confirmed package (``confirmShipment`` or a fulfillment feed), as v2026 ``packages`` shows it."""

    package_reference_id: str
    carrier_code: str
    carrier_name: str | None
    shipping_method: str | None
    tracking_number: str
    ship_date: str
    created_time: str
    items: list[dict[str, Any]]  # [{"orderItemId", "quantity", "transparencyCodes"?}]
    delivered_after: dt.datetime  # simulator time from which the package counts as delivered
    request: dict[str, Any]  # the packageDetail as received, to recognise a repeat


@dataclass
class OrderRecord:
    """An order: the v0 ``Order`` (without PII sections), its items, PII kept apart, packages."""

    order: dict[str, Any]
    items: list[dict[str, Any]]
    shipping_address: dict[str, Any] | None = None
    buyer_info: dict[str, Any] | None = None
    address_extras: dict[str, Any] = field(default_factory=dict)  # BuyerCompanyName, DeliveryPreferences
    packages: list[PackageRecord] = field(default_factory=list)
    pending_until: dt.datetime | None = None  # generated Pending orders turn Unshipped at this time
    cancellation: dict[str, str] | None = None  # {"cancelledBy", "cancelReason"} once Canceled

    @property
    def order_id(self) -> str:
        return self.order["AmazonOrderId"]

    @property
    def status(self) -> str:
        return self.order["OrderStatus"]

    @property
    def marketplace_id(self) -> str:
        return self.order.get("MarketplaceId", "")

    @property
    def is_pending(self) -> bool:
        return self.status in PENDING_STATUSES

    @property
    def is_merchant_fulfilled(self) -> bool:
        return self.order.get("FulfillmentChannel", "MFN") == "MFN"

    def item(self, order_item_id: str) -> dict[str, Any] | None:
        return next((i for i in self.items if i.get("OrderItemId") == order_item_id), None)

    def package(self, reference_id: str) -> PackageRecord | None:
        return next((p for p in self.packages if p.package_reference_id == reference_id), None)
