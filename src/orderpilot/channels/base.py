"""The one interface every sales channel connector implements, and the types it speaks.

Connectors map their wire format to these dataclasses (pure) and do their I/O through
``orderpilot.core.http``; the engine, shipping, invoicing and notifications only see these types.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol, runtime_checkable


@dataclass(frozen=True)
class PostalAddress:
    name: str = ""
    company: str = ""
    street: str = ""
    address2: str = ""
    postal_code: str = ""
    city: str = ""
    country: str = ""
    phone: str = ""

    def as_dict(self) -> dict[str, str]:
        return {k: v for k, v in self.__dict__.items()}


@dataclass(frozen=True)
class Buyer:
    email: str = ""
    name: str = ""
    company: str = ""
    vat_id: str = ""
    phone: str = ""
    #: the channel's own customer number, if it has one (shops)
    external_id: str = ""
    #: Amazon Business resale orders (IBA): the invoice party is shared, never merge customers
    never_merge: bool = False


@dataclass(frozen=True)
class ChannelLine:
    external_line_id: str
    sku: str
    quantity: int
    unit_price: Decimal
    title: str = ""
    tax_rate: Decimal = Decimal("19")
    discount: Decimal = Decimal("0")
    customization: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ChannelOrder:
    """An order as the channel reports it now."""

    external_id: str
    marketplace_status: str
    ordered_at: dt.datetime
    updated_at: dt.datetime
    currency: str
    total_gross: Decimal
    lines: tuple[ChannelLine, ...]
    shipping_gross: Decimal = Decimal("0")
    #: the marketplace still holds the order (Amazon Pending): record it, do not release it
    awaiting_marketplace: bool = False
    cancelled: bool = False
    cancellation_requested: bool = False
    ship_by: dt.datetime | None = None
    service_level: str = "standard"
    payment_method: str = ""
    cash_on_delivery: bool = False
    is_business: bool = False
    is_replacement: bool = False
    buyer_note: str = ""
    gift_message: str = ""
    language: str = "de"
    buyer: Buyer = Buyer()
    shipping_address: PostalAddress = PostalAddress()
    billing_address: PostalAddress | None = None
    raw: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class OrderPage:
    orders: tuple[ChannelOrder, ...]
    #: the channel's time up to which this poll saw every change; the next watermark
    watermark: dt.datetime


@runtime_checkable
class ChannelConnector(Protocol):
    """Fetches orders from one configured channel. Further operations (confirm shipment, payouts,
    review requests) are added to this interface by the issues that need them."""

    def fetch_changed_orders(self, *, since: dt.datetime | None) -> OrderPage:
        """All orders created or changed after ``since`` (``None``: the first poll)."""
        ...
