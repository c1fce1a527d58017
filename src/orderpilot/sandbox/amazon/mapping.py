"""Orders v0 → Orders v2026-01-01: the same order in the new API's shape. Pure functions.

The simulator stores every order in the v0 shape it was created in and derives the v2026 view from it,
so both APIs always agree. Notable translations (research/sp-api.md §4, the 2026 model):

- ``OrderStatus`` → ``fulfillment.fulfillmentStatus`` (``Canceled`` → ``CANCELLED``; ``InvoiceUnconfirmed``
  → ``SHIPPED``, all items having left).
- v0 ``ItemPrice`` is the line total; v2026 ``product.price.unitPrice`` is per unit (ItemPrice / quantity).
- ``proceeds`` breakdowns: ITEM, SHIPPING, GIFT_WRAP, COD_FEE, DISCOUNT (negative) and, only where tax is
  charged on top of prices (US), TAX; in VAT-inclusive marketplaces (EU, UK) the VAT is inside ITEM.
- ``IsBusinessOrder`` → program ``AMAZON_BUSINESS``, ``IsPrime`` → ``PRIME``,
  ``IsPremiumOrder`` → ``PREMIUM``,
  ``IsIBA`` → ``INVOICE_BY_AMAZON``, ``IsISPU`` → ``IN_STORE_PICK_UP``, ``OrderType`` Preorder → ``PREORDER``.
- ``IsReplacementOrder``/``ReplacedOrderId`` → ``associatedOrders`` ``REPLACEMENT_ORIGINAL_ID``.
- item ``BuyerRequestedCancel`` → ``cancellation.cancellationRequest`` (requester ``BUYER``).
- ``EarliestShipDate``/``LatestShipDate`` → ``shipByWindow``; delivery dates → ``deliverByWindow``.
- item ``BuyerInfo.GiftMessageText``/``GiftWrapLevel`` → ``fulfillment.packing.giftOption``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from . import views
from .marketplaces import is_vat_inclusive, sales_channel_of
from .money import amount_of, v2026_money
from .records import PII_STATUSES, OrderRecord, PackageRecord

INCLUDED_DATA = frozenset(
    {
        "BUYER",
        "RECIPIENT",
        "PROCEEDS",
        "EXPENSE",
        "PROMOTION",
        "CANCELLATION",
        "FULFILLMENT",
        "PACKAGES",
        "TAX",
        "PAYMENT",
        "FULFILLMENT_ORDERS",
    }
)

FULFILLMENT_STATUS = {
    "PendingAvailability": "PENDING_AVAILABILITY",
    "Pending": "PENDING",
    "Unshipped": "UNSHIPPED",
    "PartiallyShipped": "PARTIALLY_SHIPPED",
    "Shipped": "SHIPPED",
    "InvoiceUnconfirmed": "SHIPPED",
    "Canceled": "CANCELLED",
    "Unfulfillable": "UNFULFILLABLE",
}
V0_STATUSES_BY_FULFILLMENT_STATUS: dict[str, frozenset[str]] = {
    v2026: frozenset(v0 for v0, mapped in FULFILLMENT_STATUS.items() if mapped == v2026)
    for v2026 in set(FULFILLMENT_STATUS.values())
}
SERVICE_LEVEL = {
    "Expedited": "EXPEDITED",
    "FreeEconomy": "FREE_ECONOMY",
    "NextDay": "NEXT_DAY",
    "Priority": "PRIORITY",
    "SameDay": "SAME_DAY",
    "SecondDay": "SECOND_DAY",
    "Scheduled": "SCHEDULED",
    "Standard": "STANDARD",
}
FULFILLED_BY = {"MFN": "MERCHANT", "AFN": "AMAZON"}
_ADDRESS_FIELDS = (
    ("Name", "name"),
    ("CompanyName", "companyName"),
    ("AddressLine1", "addressLine1"),
    ("AddressLine2", "addressLine2"),
    ("AddressLine3", "addressLine3"),
    ("City", "city"),
    ("County", "districtOrCounty"),
    ("District", "districtOrCounty"),
    ("StateOrRegion", "stateOrRegion"),
    ("Municipality", "municipality"),
    ("PostalCode", "postalCode"),
    ("CountryCode", "countryCode"),
    ("Phone", "phone"),
)
_EXTENDED_FIELDS = (
    ("StreetName", "streetName"),
    ("StreetNumber", "streetNumber"),
    ("Complement", "complement"),
    ("Neighborhood", "neighborhood"),
)


def _upper_snake(text: str) -> str:
    return text.strip().upper().replace(" ", "_")


def _currency(record: OrderRecord) -> str:
    total = record.order.get("OrderTotal") or {}
    if total.get("CurrencyCode"):
        return total["CurrencyCode"]
    for item in record.items:
        if (item.get("ItemPrice") or {}).get("CurrencyCode"):
            return item["ItemPrice"]["CurrencyCode"]
    return "EUR"


def _programs(order: dict[str, Any]) -> list[str]:
    flags = (
        ("IsBusinessOrder", "AMAZON_BUSINESS"),
        ("IsIBA", "INVOICE_BY_AMAZON"),
        ("IsISPU", "IN_STORE_PICK_UP"),
        ("IsPremiumOrder", "PREMIUM"),
        ("IsPrime", "PRIME"),
    )
    programs = [program for flag, program in flags if order.get(flag) is True]
    if order.get("OrderType") == "Preorder":
        programs.append("PREORDER")
    return sorted(programs)


def _window(earliest: str | None, latest: str | None) -> dict[str, str] | None:
    window = {k: v for k, v in (("earliestDateTime", earliest), ("latestDateTime", latest)) if v}
    return window or None


def item_proceeds(item: dict[str, Any], *, currency: str, vat_inclusive: bool) -> dict[str, Any]:
    """The v2026 ``ItemProceeds`` of a v0 order item (see the module docstring for the breakdowns)."""
    gift = (item.get("BuyerInfo") or {}).get("GiftWrapPrice")
    parts: list[tuple[str, Decimal, list[dict[str, Any]] | None]] = [
        ("ITEM", amount_of(item.get("ItemPrice")), None)
    ]
    for kind, value in (
        ("SHIPPING", item.get("ShippingPrice")),
        ("GIFT_WRAP", gift),
        ("COD_FEE", item.get("CODFee")),
    ):
        if amount_of(value):
            parts.append((kind, amount_of(value), None))
    discount = sum(
        (amount_of(item.get(k)) for k in ("PromotionDiscount", "ShippingDiscount", "CODFeeDiscount")),
        Decimal("0"),
    )
    if discount:
        parts.append(("DISCOUNT", -discount, None))
    if not vat_inclusive:
        gift_tax = (item.get("BuyerInfo") or {}).get("GiftWrapTax")
        taxes = [
            ("ITEM", item.get("ItemTax")),
            ("SHIPPING", item.get("ShippingTax")),
            ("GIFT_WRAP", gift_tax),
        ]
        detail = [
            {"subtype": sub, "value": v2026_money(amount_of(v), currency)} for sub, v in taxes if amount_of(v)
        ]
        if detail:
            parts.append(("TAX", sum((amount_of(v) for _, v in taxes), Decimal("0")), detail))
    breakdowns = []
    for kind, value, detail in parts:
        entry: dict[str, Any] = {"type": kind, "subtotal": v2026_money(value, currency)}
        if detail:
            entry["detailedBreakdowns"] = detail
        breakdowns.append(entry)
    total = sum((value for _, value, _ in parts), Decimal("0"))
    return {"proceedsTotal": v2026_money(total, currency), "breakdowns": breakdowns}


def _product(
    item: dict[str, Any], *, record: OrderRecord, included: frozenset[str], currency: str
) -> dict[str, Any]:
    product: dict[str, Any] = {}
    for v0_key, key in (("ASIN", "asin"), ("Title", "title"), ("SellerSKU", "sellerSku")):
        if item.get(v0_key) is not None:
            product[key] = item[v0_key]
    condition = {}
    if item.get("ConditionId"):
        condition["conditionType"] = _upper_snake(item["ConditionId"])
    if item.get("ConditionSubtypeId"):
        condition["conditionSubtype"] = _upper_snake(item["ConditionSubtypeId"])
    if item.get("ConditionNote") is not None:
        condition["conditionNote"] = item["ConditionNote"]
    if condition:
        product["condition"] = condition
    if not record.is_pending and item.get("ItemPrice") and item.get("QuantityOrdered"):
        price: dict[str, Any] = {
            "unitPrice": v2026_money(amount_of(item["ItemPrice"]) / item["QuantityOrdered"], currency)
        }
        if item.get("PriceDesignation") == "BusinessPrice":
            price["priceDesignation"] = "BUSINESS_PRICE"
        product["price"] = price
    if item.get("SerialNumbers"):
        product["serialNumbers"] = list(item["SerialNumbers"])
    url = ((item.get("BuyerInfo") or {}).get("BuyerCustomizedInfo") or {}).get("CustomizedURL")
    if url and "BUYER" in included and not record.is_pending:
        product["customization"] = {"customizedUrl": url}
    return product


def _item_fulfillment(item: dict[str, Any], record: OrderRecord) -> dict[str, Any]:
    ordered = int(item.get("QuantityOrdered", 0))
    shipped = int(item.get("QuantityShipped", 0))
    open_quantity = 0 if record.status == "Canceled" else max(ordered - shipped, 0)
    fulfillment: dict[str, Any] = {"quantityFulfilled": shipped, "quantityUnfulfilled": open_quantity}
    buyer = item.get("BuyerInfo") or {}
    if not record.is_pending and (buyer.get("GiftMessageText") or buyer.get("GiftWrapLevel")):
        gift = {"giftMessage": buyer.get("GiftMessageText"), "giftWrapLevel": buyer.get("GiftWrapLevel")}
        fulfillment["packing"] = {"giftOption": {k: v for k, v in gift.items() if v}}
    shipping: dict[str, Any] = {}
    window = _window(item.get("ScheduledDeliveryStartDate"), item.get("ScheduledDeliveryEndDate"))
    if window:
        shipping["scheduledDeliveryWindow"] = window
    constraints = item.get("ShippingConstraints") or {}
    if constraints:
        shipping["shippingConstraints"] = {k[0].lower() + k[1:]: v for k, v in constraints.items()}
    if item.get("IossNumber"):
        shipping["internationalShipping"] = {"iossNumber": item["IossNumber"]}
    if shipping:
        fulfillment["shipping"] = shipping
    return fulfillment


def _item_cancellation(item: dict[str, Any], record: OrderRecord) -> dict[str, Any] | None:
    cancellation: dict[str, Any] = {}
    request = item.get("BuyerRequestedCancel") or {}
    if str(request.get("IsBuyerRequestedCancel", "")).lower() == "true":
        cancellation["cancellationRequest"] = {"requester": "BUYER"}
        if request.get("BuyerCancelReason"):
            cancellation["cancellationRequest"]["cancelReason"] = request["BuyerCancelReason"]
    if record.status == "Canceled" and record.cancellation:
        cancellation["cancellationExecution"] = dict(record.cancellation)
    return cancellation or None


def v2026_item(
    item: dict[str, Any], *, record: OrderRecord, included: frozenset[str], currency: str
) -> dict[str, Any]:
    """One v2026 ``OrderItem``; sections beyond the basics appear only when ``included`` asks for them."""
    out: dict[str, Any] = {"orderItemId": item["OrderItemId"], "quantityOrdered": item["QuantityOrdered"]}
    if item.get("Measurement"):
        out["measurement"] = {"unit": item["Measurement"]["Unit"], "value": item["Measurement"]["Value"]}
    programs = list((item.get("AmazonPrograms") or {}).get("Programs") or [])
    if item.get("IsTransparency") is True:
        programs.append("TRANSPARENCY")
    if programs:
        out["programs"] = programs
    out["product"] = _product(item, record=record, included=included, currency=currency)
    if "PROCEEDS" in included and not record.is_pending and item.get("ItemPrice"):
        out["proceeds"] = item_proceeds(
            item, currency=currency, vat_inclusive=is_vat_inclusive(record.marketplace_id)
        )
    if "PROMOTION" in included and not record.is_pending and item.get("PromotionIds"):
        out["promotion"] = {"breakdowns": [{"promotionId": p} for p in item["PromotionIds"]]}
    if "CANCELLATION" in included:
        cancellation = _item_cancellation(item, record)
        if cancellation:
            out["cancellation"] = cancellation
    if "FULFILLMENT" in included:
        out["fulfillment"] = _item_fulfillment(item, record)
    if "TAX" in included and item.get("TaxCollection"):
        collection = item["TaxCollection"]
        out["tax"] = {
            "taxCollections": [
                {
                    "model": _upper_snake(collection.get("Model", "")),
                    "responsibleParty": collection.get("ResponsibleParty"),
                }
            ]
        }
    return out


def _order_proceeds(record: OrderRecord, currency: str) -> dict[str, Any]:
    """``grandTotal`` is v0's ``OrderTotal`` (the items' sum without one); breakdowns add up the items'."""
    vat_inclusive = is_vat_inclusive(record.marketplace_id)
    totals: dict[str, Decimal] = {}
    for item in record.items:
        if not item.get("ItemPrice"):
            continue
        for entry in item_proceeds(item, currency=currency, vat_inclusive=vat_inclusive)["breakdowns"]:
            totals[entry["type"]] = totals.get(entry["type"], Decimal("0")) + Decimal(
                entry["subtotal"]["amount"]
            )
    if record.order.get("OrderTotal"):
        grand_total = amount_of(record.order["OrderTotal"])
    else:
        grand_total = sum(totals.values(), Decimal("0"))
    proceeds: dict[str, Any] = {"grandTotal": v2026_money(grand_total, currency)}
    if totals:
        proceeds["breakdowns"] = [
            {"type": k, "subtotal": v2026_money(v, currency)} for k, v in totals.items()
        ]
    return proceeds


def delivery_address(record: OrderRecord, *, now: dt.datetime) -> dict[str, Any]:
    source = record.shipping_address or {}
    address: dict[str, Any] = {}
    for v0_key, key in _ADDRESS_FIELDS:
        if source.get(v0_key) is not None and key not in address:
            address[key] = source[v0_key]
    if not views.phone_visible(record, now):
        address.pop("phone", None)
    extended = source.get("ExtendedFields") or {}
    if extended:
        address["extendedFields"] = {k: extended[v0] for v0, k in _EXTENDED_FIELDS if v0 in extended}
    if record.order.get("IsAccessPointOrder") is True:
        address["addressType"] = "PICKUP_POINT"
    elif source.get("AddressType"):
        address["addressType"] = source["AddressType"].upper()
    return address


def _buyer(record: OrderRecord) -> dict[str, Any] | None:
    info = record.buyer_info or {}
    buyer: dict[str, Any] = {}
    if info.get("BuyerName"):
        buyer["buyerName"] = info["BuyerName"]
    # The buyer email needs an MFN order in an Unshipped/PartiallyShipped/Shipped state (research §4).
    if info.get("BuyerEmail") and record.is_merchant_fulfilled and record.status in PII_STATUSES:
        buyer["buyerEmail"] = info["BuyerEmail"]
    if record.address_extras.get("BuyerCompanyName"):
        buyer["buyerCompanyName"] = record.address_extras["BuyerCompanyName"]
    if info.get("PurchaseOrderNumber"):
        buyer["buyerPurchaseOrderNumber"] = info["PurchaseOrderNumber"]
    return buyer or None


def _recipient(record: OrderRecord, *, now: dt.datetime) -> dict[str, Any]:
    recipient: dict[str, Any] = {"deliveryAddress": delivery_address(record, now=now)}
    preferences = record.address_extras.get("DeliveryPreferences") or {}
    preference: dict[str, Any] = {}
    if preferences.get("DropOffLocation"):
        preference["dropOffLocation"] = preferences["DropOffLocation"]
    if preferences.get("AddressInstructions"):
        preference["addressInstruction"] = preferences["AddressInstructions"]
    if preferences.get("OtherAttributes"):
        preference["deliveryCapabilities"] = list(preferences["OtherAttributes"])
    if preference:
        recipient["deliveryPreference"] = preference
    return recipient


def _fulfillment(record: OrderRecord) -> dict[str, Any]:
    order = record.order
    fulfillment: dict[str, Any] = {"fulfillmentStatus": FULFILLMENT_STATUS[record.status]}
    if order.get("FulfillmentChannel") in FULFILLED_BY:
        fulfillment["fulfilledBy"] = FULFILLED_BY[order["FulfillmentChannel"]]
    if order.get("ShipmentServiceLevelCategory") in SERVICE_LEVEL:
        fulfillment["fulfillmentServiceLevel"] = SERVICE_LEVEL[order["ShipmentServiceLevelCategory"]]
    ship_by = _window(order.get("EarliestShipDate"), order.get("LatestShipDate"))
    if ship_by:
        fulfillment["shipByWindow"] = ship_by
    latest = None if (record.is_pending or record.status == "Canceled") else order.get("LatestDeliveryDate")
    deliver_by = _window(order.get("EarliestDeliveryDate"), latest)
    if deliver_by:
        fulfillment["deliverByWindow"] = deliver_by
    return fulfillment


def package_status(package: PackageRecord, now: dt.datetime) -> str:
    return "DELIVERED" if now >= package.delivered_after else "SHIPPED"


def v2026_package(package: PackageRecord, *, now: dt.datetime) -> dict[str, Any]:
    carrier = package.carrier_name if package.carrier_code == "Other" else package.carrier_code
    out: dict[str, Any] = {
        "packageReferenceId": package.package_reference_id,
        "createdTime": package.created_time,
        "packageStatus": {"status": package_status(package, now)},
        "carrier": carrier,
        "shipTime": package.ship_date,
    }
    if package.shipping_method:
        out["shippingService"] = package.shipping_method
    out["trackingNumber"] = package.tracking_number
    out["packageItems"] = [dict(item) for item in package.items]
    return out


def v2026_order(record: OrderRecord, *, included: frozenset[str], now: dt.datetime) -> dict[str, Any]:
    """The v2026 ``Order`` for a stored order; ``included`` is the request's ``includedData``."""
    order = record.order
    currency = _currency(record)
    out: dict[str, Any] = {"orderId": record.order_id}
    if order.get("SellerOrderId"):
        out["orderAliases"] = [{"aliasId": order["SellerOrderId"], "aliasType": "SELLER_ORDER_ID"}]
    out["createdTime"] = order["PurchaseDate"]
    out["lastUpdatedTime"] = order["LastUpdateDate"]
    programs = _programs(order)
    if programs:
        out["programs"] = programs
    if order.get("IsReplacementOrder") is True and order.get("ReplacedOrderId"):
        out["associatedOrders"] = [
            {"orderId": order["ReplacedOrderId"], "associationType": "REPLACEMENT_ORIGINAL_ID"}
        ]
    channel_name = "NON_AMAZON" if order.get("SalesChannel") == "Non-Amazon" else "AMAZON"
    sales_channel: dict[str, Any] = {"channelName": channel_name, "marketplaceId": record.marketplace_id}
    marketplace_name = order.get("SalesChannel") or sales_channel_of(record.marketplace_id)
    if marketplace_name:
        sales_channel["marketplaceName"] = marketplace_name
    out["salesChannel"] = sales_channel
    pii_allowed = not record.is_pending
    if "BUYER" in included and pii_allowed:
        buyer = _buyer(record)
        if buyer:
            out["buyer"] = buyer
    if "RECIPIENT" in included and pii_allowed and record.shipping_address:
        out["recipient"] = _recipient(record, now=now)
    if "PROCEEDS" in included and not record.is_pending and any(i.get("ItemPrice") for i in record.items):
        out["proceeds"] = _order_proceeds(record, currency)
    if "PAYMENT" in included and order.get("PaymentExecutionDetail"):
        out["payment"] = {
            "paymentExecutions": [
                {
                    k: v
                    for k, v in (
                        ("paymentMethod", d.get("PaymentMethod")),
                        (
                            "paymentAmount",
                            v2026_money(amount_of(d.get("Payment")), d["Payment"]["CurrencyCode"]),
                        ),
                        ("acquirerId", d.get("AcquirerId")),
                        ("cardBrand", d.get("CardBrand")),
                        ("authorizationCode", d.get("AuthorizationCode")),
                    )
                    if v is not None
                }
                for d in order["PaymentExecutionDetail"]
            ]
        }
    if "TAX" in included and order.get("BuyerInvoicePreference"):
        out["tax"] = {"taxInvoicing": {"buyerInvoicePreference": order["BuyerInvoicePreference"]}}
    if "FULFILLMENT" in included:
        out["fulfillment"] = _fulfillment(record)
    out["orderItems"] = [
        v2026_item(i, record=record, included=included, currency=currency) for i in record.items
    ]
    if "PACKAGES" in included and record.is_merchant_fulfilled and record.packages:
        out["packages"] = [v2026_package(p, now=now) for p in record.packages]
    return out
