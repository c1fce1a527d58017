"""The one interface every sales channel connector implements, and the types it speaks.

Connectors map their wire format to these dataclasses (pure) and do their I/O through
``orderpilot.core.http``; the engine, shipping, invoicing and notifications only see these types.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, BinaryIO, Protocol, runtime_checkable


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
        return dict(self.__dict__)


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
class RejectedOrder:
    """An order of a page that the connector could not read (missing fields, wrong types, unknown
    status). The poll records it with a ticket naming ``external_id`` and goes on with the others."""

    external_id: str
    problem: str


@dataclass(frozen=True)
class OrderPage:
    """One page of a poll. Import its orders, then store ``resume``; the last page of a poll
    carries the new ``watermark`` (the channel's time up to which every change was seen).
    ``rejected`` are the page's orders that could not be read; each is recorded (ticket) before
    the watermark moves past it."""

    orders: tuple[ChannelOrder, ...]
    resume: dict[str, Any] | None = None
    watermark: dt.datetime | None = None
    rejected: tuple[RejectedOrder, ...] = ()


@dataclass(frozen=True)
class ShipmentConfirmation:
    """One package to confirm to the marketplace."""

    order_external_id: str
    package_reference: int
    carrier: str
    tracking_number: str
    shipped_at: dt.datetime
    #: (the channel's line id, quantity) for every line in this package
    items: tuple[tuple[str, int], ...]
    shipping_method: str = ""


@dataclass(frozen=True)
class SettlementReport:
    """A payout/settlement document of the channel; ``write_to(file)`` downloads it into a file.

    ``parser`` reads the document for payment matching (a ``payments.base.PayoutParser``);
    ``None`` means an Amazon settlement flat file V2.
    """

    report_id: str
    write_to: Callable[[BinaryIO], None]
    parser: Callable[[BinaryIO], Iterator[Any]] | None = None


@dataclass(frozen=True)
class InvoiceUpload:
    """An invoice (or credit note) for the marketplace to hand to its buyer."""

    order_external_id: str
    number: str
    document_type: str  # "Invoice" or "CreditNote"
    total_amount: str
    total_vat_amount: str
    currency: str
    pdf: bytes


@runtime_checkable
class ChannelConnector(Protocol):
    """What OrderPilot needs from a sales channel. Further operations (payouts, review requests,
    invoice upload) join this interface with the issues that need them."""

    def fetch_changed_orders(
        self, *, since: dt.datetime | None, resume: dict[str, Any] | None
    ) -> Iterator[OrderPage]:
        """Pages of orders created or changed after ``since`` (``None``: the first poll).

        ``resume`` is the last page's ``resume`` of an interrupted poll: continue from there.
        Raises RetryableError when the channel asks to wait (rate limit); pages already yielded stay.
        """
        ...

    def confirm_shipment(self, confirmation: ShipmentConfirmation, *, is_retry: bool = False) -> dict[str, Any]:
        """Tell the marketplace a package left, with its tracking number; idempotent per package.

        ``is_retry``: an earlier attempt may have reached the marketplace; check before sending.
        Raises TerminalError when the marketplace refuses the data (a person must look).
        """
        ...

    def request_review(
        self, order_external_id: str, *, before_send: Callable[[], None] | None = None
    ) -> dict[str, Any]:
        """Ask the marketplace to send its own review request, once, inside its window.

        ``before_send`` is called right before the request leaves (the caller notes it: the answer
        may be lost, and the marketplace cannot be asked whether a request arrived).

        Returns ``{"sent": True}``, or ``{"sent": False, "reason": …}`` when the marketplace will
        not send one (window closed, not eligible). Raises RetryableError while it may still come.
        """
        ...


class SettlementSource(Protocol):
    """Connectors whose marketplace pays out through settlement files (Amazon) offer this too."""

    def settlement_reports(self, *, since: dt.datetime | None) -> Iterator[SettlementReport]:
        """Settlement documents created since ``since``; the caller skips the ones it has."""
        ...
