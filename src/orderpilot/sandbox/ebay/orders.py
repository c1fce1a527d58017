"""Sell Fulfillment API orders: intake of ``POST /_sim/orders``, ``getOrders`` filtering and paging.

Shapes follow ``sell_fulfillment_v1_oas3.json`` (eBay's OpenAPI contract, v1.19): an ``Order`` with
``orderId``, ``legacyOrderId``, ``creationDate``/``lastModifiedDate`` (``YYYY-MM-DDTHH:MM:SS.sssZ``),
``orderFulfillmentStatus`` (NOT_STARTED | IN_PROGRESS | FULFILLED), ``orderPaymentStatus`` (PAID, PENDING,
FAILED, FULLY_REFUNDED, PARTIALLY_REFUNDED), ``cancelStatus`` (``cancelState`` NONE_REQUESTED | IN_PROGRESS |
CANCELED), ``buyer``, ``buyerCheckoutNotes``, ``pricingSummary``, ``paymentSummary``, ``lineItems`` and
``fulfillmentStartInstructions``; amounts are ``{"value": "19.90", "currency": "EUR"}`` with the value as a
string. ``getOrders`` takes ``filter`` (``creationdate:[a..b]``, ``lastmodifieddate:[a..]``,
``orderfulfillmentstatus:{NOT_STARTED|IN_PROGRESS}``), ``limit`` (1…1000, default 50), ``offset`` and
``orderIds`` (≤ 50) and answers an ``OrderSearchPagedCollection`` ``{href, total, limit, offset, next, prev,
orders, warnings}``; filters reach back 90 days at most. Fields given to ``/_sim/orders`` are kept verbatim;
the simulator fills in only what eBay always sends.
"""

from __future__ import annotations

import copy
import datetime as dt
import random
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlencode

from .errors import EbayError

FULFILLMENT_STATUSES = frozenset({"NOT_STARTED", "IN_PROGRESS", "FULFILLED"})
PAYMENT_STATUSES = frozenset({"FAILED", "FULLY_REFUNDED", "PAID", "PARTIALLY_REFUNDED", "PENDING"})
CANCEL_STATES = frozenset({"NONE_REQUESTED", "IN_PROGRESS", "CANCELED"})
FILTER_NAMES = frozenset({"creationdate", "lastmodifieddate", "orderfulfillmentstatus"})
SUPPORTED_STATUS_FILTERS = ({"NOT_STARTED", "IN_PROGRESS"}, {"FULFILLED", "IN_PROGRESS"})
MAX_LOOKBACK = dt.timedelta(days=90)


class IntakeError(ValueError):
    """The posted order is not a usable Sell Fulfillment ``Order``; the message names the field."""


def format_time(moment: dt.datetime) -> str:
    """eBay's timestamps: UTC with milliseconds and ``Z``."""
    moment = moment.astimezone(dt.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def parse_time(text: str) -> dt.datetime:
    value = dt.datetime.fromisoformat(str(text).strip().replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def amount(value: Decimal, currency: str) -> dict[str, str]:
    return {"value": str(value.quantize(Decimal("0.01"))), "currency": currency}


def value_of(money: Any, where: str) -> Decimal:
    if not isinstance(money, dict) or not isinstance(money.get("value"), str) or not money.get("currency"):
        raise IntakeError(f"{where} must be an Amount {{value, currency}} with value as a string")
    try:
        return Decimal(money["value"])
    except InvalidOperation:
        raise IntakeError(f"{where}.value is not a decimal: {money['value']!r}") from None


def new_order_id(rng: random.Random) -> str:
    return f"{rng.randrange(10, 100)}-{rng.randrange(10**5):05d}-{rng.randrange(10**5):05d}"


def _line_item(raw: Any, index: int, *, rng: random.Random, created: dt.datetime) -> dict[str, Any]:
    where = f"lineItems[{index}]"
    if not isinstance(raw, dict):
        raise IntakeError(f"{where} must be an object")
    item = copy.deepcopy(raw)
    quantity = item.get("quantity")
    if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 1:
        raise IntakeError(f"{where}.quantity must be a positive integer")
    cost = value_of(item.get("lineItemCost"), f"{where}.lineItemCost")
    currency = item["lineItemCost"]["currency"]
    item.setdefault("lineItemId", str(rng.randrange(10**11, 10**12)))
    item.setdefault("legacyItemId", str(rng.randrange(10**11, 10**12)))
    item.setdefault("title", item.get("sku") or "Artikel")
    item.setdefault("soldFormat", "FIXED_PRICE")
    item.setdefault("listingMarketplaceId", "EBAY_DE")
    item.setdefault("purchaseMarketplaceId", item["listingMarketplaceId"])
    item.setdefault("lineItemFulfillmentStatus", "NOT_STARTED")
    item.setdefault("appliedPromotions", [])
    item.setdefault("taxes", [])
    item.setdefault("refunds", [])
    delivery = item.setdefault("deliveryCost", {"shippingCost": amount(Decimal("0"), currency)})
    shipping = value_of(delivery.get("shippingCost") or amount(Decimal("0"), currency), f"{where}.deliveryCost")
    discounts = sum(
        (value_of(p.get("discountAmount"), f"{where}.appliedPromotions") for p in item["appliedPromotions"]),
        Decimal("0"),
    )
    item.setdefault("total", amount(cost + shipping - abs(discounts), currency))
    item.setdefault(
        "lineItemFulfillmentInstructions",
        {
            "shipByDate": format_time(created + dt.timedelta(days=2)),
            "minEstimatedDeliveryDate": format_time(created + dt.timedelta(days=3)),
            "maxEstimatedDeliveryDate": format_time(created + dt.timedelta(days=5)),
            "guaranteedDelivery": False,
        },
    )
    return item


def build_order(body: Any, *, now: dt.datetime, rng: random.Random) -> dict[str, Any]:
    """A stored order from a ``POST /_sim/orders`` body; raises :class:`IntakeError` naming the bad field."""
    if not isinstance(body, dict):
        raise IntakeError("the body must be a JSON object: a Sell Fulfillment API Order")
    order = copy.deepcopy(body)
    order.setdefault("orderId", new_order_id(rng))
    if not isinstance(order["orderId"], str) or not order["orderId"].strip():
        raise IntakeError("orderId must be a non-empty string")
    stamp = format_time(now)
    order.setdefault("creationDate", stamp)
    order.setdefault("lastModifiedDate", stamp)
    for name in ("creationDate", "lastModifiedDate"):
        try:
            parse_time(order[name])
        except (TypeError, ValueError):
            raise IntakeError(f"{name} is not an ISO-8601 timestamp: {order[name]!r}") from None
    created = parse_time(order["creationDate"])
    order.setdefault("legacyOrderId", f"{rng.randrange(10**11, 10**12)}-{rng.randrange(10**12, 10**13)}")
    order.setdefault("sellerId", "orderpilot-sim-seller")
    order.setdefault("salesRecordReference", "0")
    order.setdefault("orderFulfillmentStatus", "NOT_STARTED")
    order.setdefault("orderPaymentStatus", "PAID")
    if order["orderFulfillmentStatus"] not in FULFILLMENT_STATUSES:
        raise IntakeError(f"orderFulfillmentStatus must be one of {sorted(FULFILLMENT_STATUSES)}")
    if order["orderPaymentStatus"] not in PAYMENT_STATUSES:
        raise IntakeError(f"orderPaymentStatus must be one of {sorted(PAYMENT_STATUSES)}")
    cancel = order.setdefault("cancelStatus", {})
    cancel.setdefault("cancelState", "NONE_REQUESTED")
    cancel.setdefault("cancelRequests", [])
    if cancel["cancelState"] not in CANCEL_STATES:
        raise IntakeError(f"cancelStatus.cancelState must be one of {sorted(CANCEL_STATES)}")
    order.setdefault("buyer", {"username": f"buyer_{rng.randrange(10**6):06d}"})
    raw_items = order.get("lineItems")
    if not isinstance(raw_items, list) or not raw_items:
        raise IntakeError("lineItems must be a non-empty list of LineItem objects")
    order["lineItems"] = [_line_item(raw, n, rng=rng, created=created) for n, raw in enumerate(raw_items)]
    ids = [item["lineItemId"] for item in order["lineItems"]]
    if len(set(ids)) != len(ids):
        raise IntakeError("lineItemId values must be unique within the order")
    instructions = order.get("fulfillmentStartInstructions")
    ship_to = ((instructions or [{}])[0].get("shippingStep") or {}).get("shipTo") if isinstance(instructions, list) \
        else None  # fmt: skip
    if not isinstance(ship_to, dict) or not isinstance(ship_to.get("contactAddress"), dict):
        raise IntakeError("fulfillmentStartInstructions[0].shippingStep.shipTo.contactAddress is required")
    first = instructions[0]
    first.setdefault("fulfillmentInstructionsType", "SHIP_TO")
    first.setdefault("ebaySupportedFulfillment", False)
    first["shippingStep"].setdefault("shippingCarrierCode", "DHL")
    first["shippingStep"].setdefault("shippingServiceCode", "DE_DHLPaket")
    _fill_summaries(order, now)
    order.setdefault("fulfillmentHrefs", [])
    return order


def _fill_summaries(order: dict[str, Any], now: dt.datetime) -> None:
    items = order["lineItems"]
    currency = items[0]["lineItemCost"]["currency"]
    subtotal = sum((Decimal(i["lineItemCost"]["value"]) for i in items), Decimal("0"))
    delivery = sum((Decimal(i["deliveryCost"]["shippingCost"]["value"]) for i in items), Decimal("0"))
    discount = sum(
        (abs(Decimal(p["discountAmount"]["value"])) for i in items for p in i["appliedPromotions"]), Decimal("0")
    )
    pricing = order.setdefault("pricingSummary", {})
    pricing.setdefault("priceSubtotal", amount(subtotal, currency))
    pricing.setdefault("deliveryCost", amount(delivery, currency))
    if discount:
        pricing.setdefault("priceDiscount", amount(-discount, currency))
    pricing.setdefault("total", amount(subtotal + delivery - discount, currency))
    total = value_of(pricing["total"], "pricingSummary.total")
    payment = order.setdefault("paymentSummary", {})
    if "payments" not in payment:
        status = "PENDING" if order["orderPaymentStatus"] in ("PENDING", "FAILED") else "PAID"
        entry: dict[str, Any] = {"paymentMethod": "EBAY", "paymentReferenceId": order["orderId"].replace("-", ""),
                                 "amount": amount(total, currency), "paymentStatus": status}  # fmt: skip
        if status == "PAID":
            entry["paymentDate"] = order["creationDate"]
        payment["payments"] = [entry]
    payment.setdefault("refunds", [])
    payment.setdefault("totalDueSeller", amount(total, currency))


def visible_order(order: dict[str, Any], *, in_list: bool) -> dict[str, Any]:
    """The order as eBay returns it; ``getOrders`` always returns ``cancelRequests`` empty."""
    shown = copy.deepcopy(order)
    if in_list:
        shown.setdefault("cancelStatus", {})["cancelRequests"] = []
    return shown


def _split_filter(text: str) -> list[str]:
    parts, depth, current = [], 0, ""
    for char in text:
        if char in "[{":
            depth += 1
        elif char in "]}":
            depth -= 1
        if char == "," and depth == 0:
            parts.append(current.strip())
            current = ""
        else:
            current += char
    if current.strip():
        parts.append(current.strip())
    return parts


def _date_range(name: str, value: str, now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    if not (value.startswith("[") and value.endswith("]") and ".." in value):
        raise EbayError(400, 30800, f"Invalid filter value {value} for filter {name}")
    start_text, end_text = value[1:-1].split("..", 1)
    if not start_text.strip():
        raise EbayError(400, 30820, "Start date is missing")
    try:
        start = parse_time(start_text)
        end = parse_time(end_text) if end_text.strip() else now
    except ValueError:
        raise EbayError(400, 30810, "Invalid date format") from None
    if start > now or end > now:
        raise EbayError(400, 30850, "Start and end dates can't be in the future")
    if start > end:
        raise EbayError(400, 30840, "Start date should be before end date")
    if now - start > MAX_LOOKBACK:
        raise EbayError(400, 30830, "Start date must be within 90 days of end date and current date.")
    return start, end


def parse_filter(text: str, now: dt.datetime) -> dict[str, Any]:
    """``{"creationdate": (start, end), "lastmodifieddate": …, "orderfulfillmentstatus": {…}}``."""
    criteria: dict[str, Any] = {}
    for part in _split_filter(text or ""):
        name, sep, value = part.partition(":")
        name = name.strip()
        if not sep or name not in FILTER_NAMES:
            raise EbayError(400, 30700, f"Invalid filter name: {name}")
        if name == "orderfulfillmentstatus":
            statuses = set(value.strip().strip("{}").split("|"))
            if statuses not in SUPPORTED_STATUS_FILTERS:
                raise EbayError(400, 30800, f"Invalid filter value {value} for filter {name}")
            criteria[name] = statuses
        else:
            criteria[name] = _date_range(name, value.strip(), now)
    if "creationdate" in criteria:
        criteria.pop("lastmodifieddate", None)  # eBay: with both, only creationdate is used
    return criteria


def _int_param(args: dict[str, str], name: str, default: int, low: int, high: int, error_id: int) -> int:
    raw = args.get(name)
    if raw is None or raw == "":
        return default
    try:
        number = int(raw)
    except ValueError:
        number = -1
    if not low <= number <= high:
        raise EbayError(400, error_id, f"Invalid {name}: {raw}")
    return number


def search(orders: list[dict[str, Any]], args: dict[str, str], *, now: dt.datetime, base_url: str) -> dict[str, Any]:
    """``getOrders``: filter, sort (newest first, like Seller Hub) and page; the collection body."""
    limit = _int_param(args, "limit", 50, 1, 1000, 31100)
    offset = _int_param(args, "offset", 0, 0, 10**9, 31000)
    if args.get("orderIds"):
        ids = [i.strip() for i in args["orderIds"].split(",") if i.strip()]
        if len(ids) > 50:
            raise EbayError(400, 30900, "Exceeded maximum number of order IDs (the current limit is 50)")
        chosen = [o for o in orders if o["orderId"] in ids]
    else:
        criteria = parse_filter(args.get("filter", ""), now)
        chosen = [o for o in orders if _matches(o, criteria, now)]
    chosen.sort(key=lambda o: (parse_time(o["creationDate"]), o["orderId"]), reverse=True)
    page = chosen[offset : offset + limit]
    href = f"{base_url}?{urlencode({**args, 'limit': limit, 'offset': offset})}"
    body: dict[str, Any] = {"href": href, "total": len(chosen), "limit": limit, "offset": offset,
                            "orders": [visible_order(o, in_list=True) for o in page], "warnings": []}  # fmt: skip
    if offset + limit < len(chosen):
        body["next"] = f"{base_url}?{urlencode({**args, 'limit': limit, 'offset': offset + limit})}"
    if offset > 0:
        body["prev"] = f"{base_url}?{urlencode({**args, 'limit': limit, 'offset': max(offset - limit, 0)})}"
    return body


def _matches(order: dict[str, Any], criteria: dict[str, Any], now: dt.datetime) -> bool:
    if not criteria:
        return now - parse_time(order["creationDate"]) <= MAX_LOOKBACK
    for name, field in (("creationdate", "creationDate"), ("lastmodifieddate", "lastModifiedDate")):
        if name in criteria:
            start, end = criteria[name]
            if not start <= parse_time(order[field]) <= end:
                return False
    statuses = criteria.get("orderfulfillmentstatus")
    return not statuses or order["orderFulfillmentStatus"] in statuses


def cancel(order: dict[str, Any], *, state: str, reason: str, now: dt.datetime) -> None:
    """A buyer's cancel request (``IN_PROGRESS``) or a completed cancellation with its full refund."""
    if state not in ("IN_PROGRESS", "CANCELED"):
        raise IntakeError("cancelState must be IN_PROGRESS or CANCELED")
    stamp = format_time(now)
    status = order["cancelStatus"]
    status["cancelState"] = state
    request = {"cancelInitiator": "BUYER", "cancelReason": reason or "BUYER_ASKED_CANCEL",
               "cancelRequestedDate": stamp, "cancelRequestId": str(len(status["cancelRequests"]) + 5000000001),
               "cancelRequestState": "REQUESTED" if state == "IN_PROGRESS" else "COMPLETED"}  # fmt: skip
    if state == "CANCELED":
        request["cancelCompletedDate"] = stamp
        status["cancelledDate"] = stamp
        order["orderPaymentStatus"] = "FULLY_REFUNDED"
        total = order["pricingSummary"]["total"]
        order["paymentSummary"]["refunds"].append(
            {"refundId": f"R{len(order['paymentSummary']['refunds']) + 1:09d}", "refundDate": stamp,
             "amount": dict(total), "refundStatus": "REFUNDED", "refundReferenceId": order["orderId"]}
        )  # fmt: skip
    status["cancelRequests"].append(request)
    order["lastModifiedDate"] = stamp
