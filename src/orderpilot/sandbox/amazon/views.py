"""Orders v0 as Amazon shows them: what a status hides and what only a Restricted Data Token reveals.

Pure functions of an :class:`OrderRecord`, the simulator's now and the RDT's ``dataElements``:

- Pending orders carry no ``OrderTotal``, address, buyer data, prices, taxes, gift or promotion data.
- ``LatestDeliveryDate`` is absent for Pending, PendingAvailability and Canceled orders.
- Without an RDT, ``ShippingAddress`` shows only City, StateOrRegion, PostalCode and CountryCode
  (amzn/selling-partner-api-models#937) and ``BuyerInfo`` is absent.
- ``Phone`` is suppressed for AFN orders and for shipped MFN orders after ``LatestDeliveryDate``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from .clock import parse_timestamp
from .records import OrderRecord

PUBLIC_ADDRESS_FIELDS = ("City", "StateOrRegion", "PostalCode", "CountryCode")
_PRICING_FIELDS = frozenset(
    {
        "ItemPrice",
        "ShippingPrice",
        "ItemTax",
        "ShippingTax",
        "ShippingDiscount",
        "ShippingDiscountTax",
        "PromotionDiscount",
        "PromotionDiscountTax",
        "PromotionIds",
        "CODFee",
        "CODFeeDiscount",
        "IsGift",
        "PointsGranted",
        "TaxCollection",
        "BuyerInfo",
    }
)
_BUYER_FIELDS = ("BuyerEmail", "BuyerName", "BuyerCounty", "BuyerTaxInfo", "PurchaseOrderNumber")
_ITEM_BUYER_FIELDS = (
    "BuyerCustomizedInfo",
    "GiftWrapPrice",
    "GiftWrapTax",
    "GiftMessageText",
    "GiftWrapLevel",
)


def phone_visible(record: OrderRecord, now: dt.datetime) -> bool:
    if not record.is_merchant_fulfilled:
        return False
    latest = record.order.get("LatestDeliveryDate")
    shipped = record.status in ("Shipped", "InvoiceUnconfirmed")
    return not (shipped and latest and now > parse_timestamp(latest))


def shipping_address(record: OrderRecord, *, full: bool, now: dt.datetime) -> dict[str, Any] | None:
    """The v0 ``ShippingAddress``: complete with an RDT, else its four non-personal fields."""
    if record.shipping_address is None or record.is_pending:
        return None
    address = dict(record.shipping_address)
    if not full:
        address = {k: address[k] for k in PUBLIC_ADDRESS_FIELDS if k in address}
    elif not phone_visible(record, now):
        address.pop("Phone", None)
    return address


def buyer_info(record: OrderRecord) -> dict[str, Any] | None:
    """The v0 ``BuyerInfo`` fields (only ever shown with an RDT)."""
    if record.buyer_info is None or record.is_pending:
        return None
    return {k: record.buyer_info[k] for k in _BUYER_FIELDS if k in record.buyer_info}


def v0_order(record: OrderRecord, *, now: dt.datetime, data_elements: frozenset[str]) -> dict[str, Any]:
    """The ``Order`` object of getOrders/getOrder; ``data_elements`` come from the RDT (empty without)."""
    order = dict(record.order)
    if record.is_pending:
        order.pop("OrderTotal", None)
    if record.is_pending or record.status == "Canceled":
        order.pop("LatestDeliveryDate", None)
    if "buyerTaxInformation" not in data_elements:
        order.pop("BuyerTaxInformation", None)
    address = shipping_address(record, full="shippingAddress" in data_elements, now=now)
    if address is not None:
        order["ShippingAddress"] = address
    buyer = buyer_info(record) if "buyerInfo" in data_elements else None
    if buyer:
        order["BuyerInfo"] = buyer
    return order


def v0_order_items(record: OrderRecord, *, data_elements: frozenset[str]) -> list[dict[str, Any]]:
    """The ``OrderItems`` of getOrderItems; item ``BuyerInfo`` (gift message…) only with an RDT."""
    items = []
    for stored in record.items:
        item = dict(stored)
        if record.is_pending:
            item = {k: v for k, v in item.items() if k not in _PRICING_FIELDS}
        elif "buyerInfo" not in data_elements:
            item.pop("BuyerInfo", None)
        items.append(item)
    return items


def v0_order_address(record: OrderRecord, *, full: bool, now: dt.datetime) -> dict[str, Any]:
    """The ``OrderAddress`` payload of getOrderAddress."""
    payload: dict[str, Any] = {"AmazonOrderId": record.order_id}
    if full and not record.is_pending and "BuyerCompanyName" in record.address_extras:
        payload["BuyerCompanyName"] = record.address_extras["BuyerCompanyName"]
    address = shipping_address(record, full=full, now=now)
    if address is not None:
        payload["ShippingAddress"] = address
    if full and not record.is_pending and "DeliveryPreferences" in record.address_extras:
        payload["DeliveryPreferences"] = record.address_extras["DeliveryPreferences"]
    return payload


def v0_order_buyer_info(record: OrderRecord, *, full: bool) -> dict[str, Any]:
    """The ``OrderBuyerInfo`` payload of getOrderBuyerInfo."""
    payload: dict[str, Any] = {"AmazonOrderId": record.order_id}
    buyer = buyer_info(record) if full else None
    payload.update(buyer or {})
    return payload


def v0_order_items_buyer_info(record: OrderRecord, *, full: bool) -> list[dict[str, Any]]:
    """The ``OrderItems`` of getOrderItemsBuyerInfo (gift wrap, gift message, customisation)."""
    items = []
    for stored in record.items:
        entry: dict[str, Any] = {"OrderItemId": stored["OrderItemId"]}
        if full and not record.is_pending:
            source = stored.get("BuyerInfo") or {}
            entry.update({k: source[k] for k in _ITEM_BUYER_FIELDS if k in source})
        items.append(entry)
    return items
