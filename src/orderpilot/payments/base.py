"""The interface every payout source (Amazon settlements, eBay payouts, shop payments) feeds.

A source yields one :class:`PayoutSummary` first, then :class:`SettlementLine` items, as a
generator over its input (constant memory). Parsers are pure: bytes in, these types out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import BinaryIO, Protocol, runtime_checkable

from orderpilot.core.exceptions import TerminalError


class PayoutFormatError(TerminalError):
    """The file is not what it claims to be (wrong columns, truncated, unreadable values)."""

    def __init__(self, message: str, *, line: int | None = None):
        super().__init__(f"line {line}: {message}" if line else message)
        self.line = line


@dataclass(frozen=True)
class PayoutSummary:
    """The payout as a whole: what the marketplace transfers and when."""

    settlement_id: str
    currency: str
    total_amount: Decimal
    deposit_date: dt.datetime
    period_start: dt.datetime | None = None
    period_end: dt.datetime | None = None


@dataclass(frozen=True)
class SettlementLine:
    """One amount of a payout.

    :param category: ``principal``, ``tax``, ``shipping``, ``promotion`` (what the buyer paid),
        ``fee``, ``reserve`` or ``other`` (charges of the marketplace), see ``LineCategory``.
    :param order_ref: the channel's order id, or ``""`` for amounts that belong to no order.
    :param is_refund: the amount belongs to a refund to the buyer.
    :param content: the source row as read, for the content checksum.
    """

    line_number: int
    category: str
    order_ref: str
    amount: Decimal
    transaction_type: str = ""
    amount_type: str = ""
    description: str = ""
    is_refund: bool = False
    posted_at: dt.datetime | None = None
    sku: str = ""
    quantity: int | None = None
    content: str = ""


@runtime_checkable
class PayoutParser(Protocol):
    def __call__(self, fileobj: BinaryIO) -> Iterator[PayoutSummary | SettlementLine]:
        """Yield the summary first, then every line; raise :class:`PayoutFormatError` on bad input."""
        ...
