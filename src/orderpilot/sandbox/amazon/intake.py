"""Turning a posted SP-API v0 ``Order`` (plus ``OrderItems``, ``BuyerInfo``, ``ShippingAddress``) into a
stored :class:`OrderRecord`.

Fields given are kept verbatim. The simulator fills in only what every order needs and Amazon always
sends: ``AmazonOrderId`` (3-7-7), ``PurchaseDate`` and ``LastUpdateDate`` (simulator now), ``OrderStatus``
(``Unshipped``), ``MarketplaceId`` (Amazon.de), ``NumberOfItemsShipped``/``NumberOfItemsUnshipped``,
each item's ``QuantityShipped`` and, for a priced non-pending order without one, ``OrderTotal``.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any

from .clock import format_timestamp, parse_timestamp
from .marketplaces import DEFAULT_MARKETPLACE_ID, is_vat_inclusive
from .money import amount_of, v0_money
from .records import PENDING_STATUSES, OrderRecord

ORDER_STATUSES = frozenset(
    {
        "Pending",
        "Unshipped",
        "PartiallyShipped",
        "Shipped",
        "Canceled",
        "Unfulfillable",
        "InvoiceUnconfirmed",
        "PendingAvailability",
    }
)
_MONEY_FIELDS = (
    "ItemPrice",
    "ShippingPrice",
    "ItemTax",
    "ShippingTax",
    "ShippingDiscount",
    "ShippingDiscountTax",
    "PromotionDiscount",
    "PromotionDiscountTax",
    "CODFee",
    "CODFeeDiscount",
)
_DATE_FIELDS = (
    "PurchaseDate",
    "LastUpdateDate",
    "EarliestShipDate",
    "LatestShipDate",
    "EarliestDeliveryDate",
    "LatestDeliveryDate",
)


class IntakeError(ValueError):
    """The posted order is not a usable SP-API order; the message says which field."""


def new_order_id(rng: random.Random, prefix: str = "302") -> str:
    return f"{prefix}-{rng.randrange(10**7):07d}-{rng.randrange(10**7):07d}"


def new_order_item_id(rng: random.Random) -> str:
    return f"{rng.randrange(10**13, 10**14)}"


def _check_money(value: Any, where: str) -> None:
    if value is None:
        return
    if (
        not isinstance(value, dict)
        or not isinstance(value.get("Amount"), str)
        or not value.get("CurrencyCode")
    ):
        raise IntakeError(f"{where} must be a Money object {{CurrencyCode, Amount}} with Amount as a string")
    try:
        Decimal(value["Amount"])
    except ArithmeticError:
        raise IntakeError(f"{where}.Amount is not a decimal: {value['Amount']!r}") from None


def _items(raw_items: Any, rng: random.Random, status: str) -> list[dict[str, Any]]:
    if not isinstance(raw_items, list) or not raw_items:
        raise IntakeError("OrderItems must be a non-empty list of OrderItem objects")
    items = []
    for index, raw in enumerate(raw_items):
        if not isinstance(raw, dict):
            raise IntakeError(f"OrderItems[{index}] must be an object")
        item = dict(raw)
        item.setdefault("OrderItemId", new_order_item_id(rng))
        if not isinstance(item.get("ASIN"), str) or not item["ASIN"]:
            raise IntakeError(f"OrderItems[{index}].ASIN is required")
        quantity = item.get("QuantityOrdered")
        if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 1:
            raise IntakeError(f"OrderItems[{index}].QuantityOrdered must be a positive integer")
        for name in _MONEY_FIELDS:
            _check_money(item.get(name), f"OrderItems[{index}].{name}")
        if "QuantityShipped" not in item:
            item["QuantityShipped"] = quantity if status in ("Shipped", "InvoiceUnconfirmed") else 0
        items.append(item)
    ids = [item["OrderItemId"] for item in items]
    if len(set(ids)) != len(ids):
        raise IntakeError("OrderItemId values must be unique within the order")
    return items


def computed_total(items: list[dict[str, Any]], marketplace_id: str) -> dict[str, str] | None:
    """v0 ``OrderTotal``: what the buyer pays (VAT inside prices in EU/UK, added on top in the US)."""
    priced = [i for i in items if i.get("ItemPrice")]
    if not priced:
        return None
    currency = priced[0]["ItemPrice"]["CurrencyCode"]
    total = Decimal("0")
    for item in items:
        gift = (item.get("BuyerInfo") or {}).get("GiftWrapPrice")
        total += sum((amount_of(item.get(k)) for k in ("ItemPrice", "ShippingPrice", "CODFee")), Decimal("0"))
        total += amount_of(gift)
        total -= sum(
            (amount_of(item.get(k)) for k in ("PromotionDiscount", "ShippingDiscount", "CODFeeDiscount")),
            Decimal("0"),
        )
        if not is_vat_inclusive(marketplace_id):
            total += sum((amount_of(item.get(k)) for k in ("ItemTax", "ShippingTax")), Decimal("0"))
    return v0_money(total, currency)


def recount(record: OrderRecord) -> None:
    """``NumberOfItemsShipped``/``Unshipped`` from the items (Amazon shows 0/0 while Pending or Canceled);
    a priced order that is neither Pending nor Canceled gets an ``OrderTotal`` if it has none."""
    if "OrderTotal" not in record.order and record.status not in PENDING_STATUSES | {"Canceled"}:
        total = computed_total(record.items, record.marketplace_id)
        if total:
            record.order["OrderTotal"] = total
    shipped = sum(int(i.get("QuantityShipped", 0)) for i in record.items)
    ordered = sum(int(i["QuantityOrdered"]) for i in record.items)
    record.order["NumberOfItemsShipped"] = shipped
    open_statuses = PENDING_STATUSES | {"Canceled", "Unfulfillable"}
    record.order["NumberOfItemsUnshipped"] = (
        0 if record.status in open_statuses else max(ordered - shipped, 0)
    )


def build_record(body: Any, *, now: dt.datetime, rng: random.Random) -> OrderRecord:
    """A stored order from a ``POST /_sim/orders`` body; raises :class:`IntakeError` naming the bad field."""
    if not isinstance(body, dict):
        raise IntakeError("the body must be a JSON object: an SP-API Order plus OrderItems")
    order = {
        k: v
        for k, v in body.items()
        if k not in ("OrderItems", "ShippingAddress", "BuyerInfo", "BuyerCompanyName", "DeliveryPreferences")
    }
    order.setdefault("AmazonOrderId", new_order_id(rng))
    if not isinstance(order["AmazonOrderId"], str) or not order["AmazonOrderId"].strip():
        raise IntakeError("AmazonOrderId must be a non-empty string")
    order.setdefault("OrderStatus", "Unshipped")
    if order["OrderStatus"] not in ORDER_STATUSES:
        raise IntakeError(f"OrderStatus must be one of {sorted(ORDER_STATUSES)}")
    stamp = format_timestamp(now)
    order.setdefault("PurchaseDate", stamp)
    order.setdefault("LastUpdateDate", stamp)
    for name in _DATE_FIELDS:
        if name in order:
            try:
                parse_timestamp(str(order[name]))
            except ValueError:
                raise IntakeError(f"{name} is not an ISO-8601 timestamp: {order[name]!r}") from None
    order.setdefault("MarketplaceId", DEFAULT_MARKETPLACE_ID)
    _check_money(order.get("OrderTotal"), "OrderTotal")
    items = _items(body.get("OrderItems"), rng, order["OrderStatus"])
    for name in ("ShippingAddress", "BuyerInfo"):
        if body.get(name) is not None and not isinstance(body[name], dict):
            raise IntakeError(f"{name} must be an object")
    extras = {k: body[k] for k in ("BuyerCompanyName", "DeliveryPreferences") if body.get(k) is not None}
    record = OrderRecord(
        order=order,
        items=items,
        shipping_address=body.get("ShippingAddress"),
        buyer_info=body.get("BuyerInfo"),
        address_extras=extras,
    )
    if "NumberOfItemsShipped" not in order or "NumberOfItemsUnshipped" not in order:
        recount(record)
    elif "OrderTotal" not in order and order["OrderStatus"] not in PENDING_STATUSES | {"Canceled"}:
        total = computed_total(items, order["MarketplaceId"])
        if total:
            order["OrderTotal"] = total
    if order["OrderStatus"] == "Canceled":
        record.cancellation = default_cancellation(record)
    return record


def default_cancellation(record: OrderRecord, reason: str | None = None) -> dict[str, str]:
    """Who cancelled: the buyer when a buyer cancel request is on the order, else Amazon."""
    requests = [i.get("BuyerRequestedCancel") or {} for i in record.items]
    by_buyer = [r for r in requests if str(r.get("IsBuyerRequestedCancel", "")).lower() == "true"]
    execution = {"cancelledBy": "BUYER" if by_buyer else "AMAZON"}
    text = reason or (by_buyer[0].get("BuyerCancelReason") if by_buyer else None)
    if text:
        execution["cancelReason"] = text
    return execution
