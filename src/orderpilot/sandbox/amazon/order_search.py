"""Selecting orders for getOrders (v0) and searchOrders (v2026): date rules and filters, shared.

Date rules from both models: exactly one of *CreatedAfter* / *LastUpdatedAfter*; *Created* and
*LastUpdated* bounds never mix; a *Before* bound must not precede its *After* bound and must be at least
two minutes before now. Without a *Before* bound the search runs up to now, which the response echoes
(``LastUpdatedBefore``/``CreatedBefore``) as the watermark for the next poll.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from .clock import parse_timestamp
from .errors import invalid_input
from .records import OrderRecord
from .state import SimState

TWO_MINUTES = dt.timedelta(minutes=2)


@dataclass(frozen=True)
class DateWindow:
    field: str | None  # "PurchaseDate" or "LastUpdateDate"; None when searching by order ids only
    after: dt.datetime | None
    before: dt.datetime | None
    echo_name: str | None  # the response key that reports the effective upper bound


@dataclass(frozen=True)
class OrderFilter:
    marketplace_ids: frozenset[str] | None = None
    statuses: frozenset[str] | None = None  # v0 OrderStatus values
    channels: frozenset[str] | None = None  # MFN / AFN
    payment_methods: frozenset[str] | None = None
    buyer_email: str | None = None
    seller_order_id: str | None = None
    order_ids: frozenset[str] | None = None
    is_ispu: bool | None = None
    # (v0 field, allowed values), e.g. ("EasyShipShipmentStatus", {...}); an order without the field fails
    field_values: tuple[tuple[str, frozenset[str]], ...] = ()
    # (v0 field, at or after, at or before), e.g. ("EarliestDeliveryDate", t1, None)
    date_bounds: tuple[tuple[str, dt.datetime | None, dt.datetime | None], ...] = ()


def date_window(
    *,
    names: tuple[str, str, str, str],
    created_after: dt.datetime | None,
    created_before: dt.datetime | None,
    updated_after: dt.datetime | None,
    updated_before: dt.datetime | None,
    now: dt.datetime,
    dates_optional: bool,
) -> DateWindow:
    """Apply the date rules; ``names`` are the API's spellings (createdAfter, createdBefore, …)."""
    n_created_after, n_created_before, n_updated_after, n_updated_before = names
    if created_after and updated_after:
        raise invalid_input(f"Provide exactly one of {n_created_after} and {n_updated_after}.")
    if (created_after or created_before) and (updated_after or updated_before):
        raise invalid_input(
            f"{n_created_after}/{n_created_before} cannot be combined with "
            f"{n_updated_after}/{n_updated_before}."
        )
    if not (created_after or updated_after):
        if created_before or updated_before:
            raise invalid_input(
                f"{n_created_before if created_before else n_updated_before} needs its *After* date."
            )
        if dates_optional:
            return DateWindow(None, None, None, None)
        raise invalid_input(f"Either {n_created_after} or {n_updated_after} is required.")
    field, after, before, before_name = (
        ("PurchaseDate", created_after, created_before, n_created_before)
        if created_after
        else ("LastUpdateDate", updated_after, updated_before, n_updated_before)
    )
    if before is not None:
        if before < after:
            raise invalid_input(f"{before_name} must be equal to or after its *After* date.")
        if before > now - TWO_MINUTES:
            raise invalid_input(
                f"{before_name} must be at least two minutes before the time of the request.",
                f"Latest allowed now: {(now - TWO_MINUTES).replace(microsecond=0).isoformat()}",
            )
    return DateWindow(field, after, before or now, before_name)


def _matches(record: OrderRecord, window: DateWindow, filters: OrderFilter) -> bool:
    order = record.order
    if window.field:
        moment = parse_timestamp(order[window.field])
        if (window.after and moment < window.after) or (window.before and moment > window.before):
            return False
    checks = (
        (filters.marketplace_ids, record.marketplace_id),
        (filters.statuses, record.status),
        (filters.channels, order.get("FulfillmentChannel", "MFN")),
        (filters.payment_methods, order.get("PaymentMethod")),
        (filters.order_ids, record.order_id),
    )
    if any(allowed is not None and value not in allowed for allowed, value in checks):
        return False
    if filters.buyer_email is not None and (record.buyer_info or {}).get("BuyerEmail") != filters.buyer_email:
        return False
    if filters.seller_order_id is not None and order.get("SellerOrderId") != filters.seller_order_id:
        return False
    if any(order.get(name) not in allowed for name, allowed in filters.field_values):
        return False
    for name, lower, upper in filters.date_bounds:
        if not order.get(name):
            return False
        moment = parse_timestamp(order[name])
        if (lower and moment < lower) or (upper and moment > upper):
            return False
    return filters.is_ispu is None or bool(order.get("IsISPU")) == filters.is_ispu


def search(state: SimState, window: DateWindow, filters: OrderFilter) -> list[str]:
    """Matching order ids, oldest first by the searched date (purchase date without one), then by id."""
    key_field = window.field or "PurchaseDate"
    found = [r for r in state.orders.values() if _matches(r, window, filters)]
    found.sort(key=lambda r: (parse_timestamp(r.order[key_field]), r.order_id))
    return [r.order_id for r in found]
