"""Pure mapping of SP-API Orders v2026-01-01 JSON to the channel types. No I/O here."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from ..base import Buyer, ChannelLine, ChannelOrder, PostalAddress, RejectedOrder

#: fulfillment statuses in which Amazon has not yet released the order for shipping
WAITING_STATUSES = frozenset({"PENDING", "PENDING_AVAILABILITY"})
#: every fulfillmentStatus of the v2026 model; any other is refused rather than guessed at
KNOWN_STATUSES = WAITING_STATUSES | {"UNSHIPPED", "PARTIALLY_SHIPPED", "SHIPPED", "CANCELLED", "UNFULFILLABLE"}
EXPRESS_SERVICE_LEVELS = frozenset({"EXPEDITED", "NEXT_DAY", "SAME_DAY", "SECOND_DAY", "PRIORITY"})
#: EU marketplaces whose buyers get German texts; all others get English
GERMAN_MARKETPLACES = frozenset({"A1PA6795UKMFR9"})  # amazon.de
KNOWN_VAT_RATES = (Decimal("0"), Decimal("5"), Decimal("7"), Decimal("10"), Decimal("19"), Decimal("20"))


class UnmappableOrder(ValueError):
    """An SP-API order that cannot be read; the message names the field."""


def parse_time(value: str | None) -> dt.datetime | None:
    """An SP-API timestamp (always UTC; one without an offset is taken as UTC, not local time)."""
    if not value:
        return None
    if not isinstance(value, str):
        raise UnmappableOrder(f"{value!r} is not an ISO-8601 time")
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise UnmappableOrder(f"{value[:60]!r} is not an ISO-8601 time") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed.astimezone(dt.UTC)


def format_time(value: dt.datetime) -> str:
    """SP-API wants UTC with a literal ``Z`` and no fraction (offsets are rejected)."""
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def money(value: dict[str, Any] | None) -> Decimal:
    if not value or value.get("amount") in (None, ""):
        return Decimal("0")
    amount = value["amount"]
    if isinstance(amount, bool) or not isinstance(amount, str | int | float):
        raise UnmappableOrder(f"amount {amount!r} is not a decimal string")
    try:
        parsed = Decimal(str(amount))
    except ArithmeticError:
        raise UnmappableOrder(f"amount {str(amount)[:40]!r} is not a decimal") from None
    if not parsed.is_finite():
        raise UnmappableOrder(f"amount {amount!r} is not a finite decimal")
    return parsed


def _breakdown(item: dict[str, Any], kind: str) -> Decimal:
    total = Decimal("0")
    for row in (item.get("proceeds") or {}).get("breakdowns") or []:
        if row.get("type") == kind:
            total += money(row.get("subtotal"))
    return total


def _tax_rate(item: dict[str, Any], default: Decimal) -> Decimal:
    """The VAT rate implied by an item's gross price and its tax, snapped to a known rate."""
    gross, tax = _breakdown(item, "ITEM"), _breakdown(item, "TAX")
    if gross <= 0 or tax <= 0 or tax >= gross:
        return default
    implied = tax / (gross - tax) * 100
    nearest = min(KNOWN_VAT_RATES, key=lambda rate: abs(rate - implied))
    return nearest if abs(nearest - implied) < Decimal("0.5") else implied.quantize(Decimal("0.01"))


def _address(raw: dict[str, Any] | None) -> PostalAddress:
    raw = raw or {}
    lines = [raw.get(f"addressLine{i}") or "" for i in (1, 2, 3)]
    company = raw.get("companyName") or ""
    # DE addresses sometimes carry the company in line 1 and the street in line 2
    if company and lines[0].strip() == company.strip() and lines[1]:
        lines = lines[1:] + [""]
    return PostalAddress(
        name=raw.get("name") or "",
        company=company,
        street=lines[0],
        address2=" ".join(part for part in lines[1:] if part),
        postal_code=raw.get("postalCode") or "",
        city=raw.get("city") or "",
        country=(raw.get("countryCode") or "").upper(),
        phone=raw.get("phone") or "",
    )


def _quantity(value: Any, position: int) -> int:
    """``quantityOrdered``: a whole number (2, or "2"); 2.5, true or "two" are refused."""
    text = str(value).strip() if isinstance(value, int | str) and not isinstance(value, bool) else ""
    if not text.isdecimal() or len(text) > 9:
        raise UnmappableOrder(f"orderItems[{position}].quantityOrdered {value!r} is not a whole number")
    return int(value)


def _line(item: dict[str, Any], position: int, default_rate: Decimal) -> ChannelLine:
    if not isinstance(item, dict):
        raise UnmappableOrder(f"orderItems[{position}] is not an object")
    if item.get("orderItemId") in (None, ""):
        raise UnmappableOrder(f"orderItems[{position}].orderItemId is missing")
    product = item.get("product") or {}
    customization = (product.get("customization") or {}).get("customizedUrl")
    discount = -_breakdown(item, "DISCOUNT") if _breakdown(item, "DISCOUNT") < 0 else _breakdown(item, "DISCOUNT")
    return ChannelLine(
        external_line_id=str(item["orderItemId"]),
        sku=product.get("sellerSku") or product.get("asin") or f"line-{position}",
        title=product.get("title") or "",
        quantity=_quantity(item.get("quantityOrdered"), position),
        unit_price=money((product.get("price") or {}).get("unitPrice")),
        discount=discount,
        tax_rate=_tax_rate(item, default_rate),
        customization={"customizedUrl": customization} if customization else {},
    )


def order_from_v2026(raw: dict[str, Any], *, default_vat_rate: Decimal = Decimal("19")) -> ChannelOrder:
    """One v2026 ``Order`` (fetched with FULFILLMENT, BUYER, RECIPIENT, PROCEEDS, CANCELLATION).

    Raises :class:`UnmappableOrder` (or, for shapes it does not foresee, ``KeyError``,
    ``TypeError``, ``ValueError``, ``AttributeError``, ``ArithmeticError``) for an order it cannot
    read; :func:`map_orders` turns those into :class:`~orderpilot.channels.base.RejectedOrder`.
    """
    if not isinstance(raw, dict):
        raise UnmappableOrder("the order is not a JSON object")
    if not isinstance(raw.get("orderId"), str) or not raw["orderId"].strip():
        raise UnmappableOrder("orderId is missing")
    for name in ("createdTime", "lastUpdatedTime"):
        if not raw.get(name):
            raise UnmappableOrder(f"{name} is missing")
    fulfillment = raw.get("fulfillment") or {}
    status = fulfillment.get("fulfillmentStatus") or "PENDING"
    if status not in KNOWN_STATUSES:
        raise UnmappableOrder(f"unknown fulfillmentStatus {str(status)[:40]!r}")
    items = raw.get("orderItems") or []
    if not isinstance(items, list):
        raise UnmappableOrder("orderItems is not a list")
    for position, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            raise UnmappableOrder(f"orderItems[{position}] is not an object")
    programs = set(raw.get("programs") or [])
    buyer = raw.get("buyer") or {}
    marketplace = (raw.get("salesChannel") or {}).get("marketplaceId", "")
    gift_messages = [
        ((i.get("fulfillment") or {}).get("packing") or {}).get("giftOption", {}).get("giftMessage") or ""
        for i in items
    ]
    cancellation_requested = any(((i.get("cancellation") or {}).get("cancellationRequest")) for i in items)
    replacement_of = [
        a.get("orderId")
        for a in raw.get("associatedOrders") or []
        if a.get("associationType") == "REPLACEMENT_ORIGINAL_ID"
    ]
    lines = tuple(_line(item, n, default_vat_rate) for n, item in enumerate(items, start=1))
    shipping = sum((_breakdown(i, "SHIPPING") for i in items), Decimal("0"))
    total = money((raw.get("proceeds") or {}).get("grandTotal"))
    if total == 0 and status not in WAITING_STATUSES:
        total = sum((line.unit_price * line.quantity - line.discount for line in lines), Decimal("0")) + shipping
    recipient = (raw.get("recipient") or {}).get("deliveryAddress")
    shipping_address = _address(recipient)
    currency = ((raw.get("proceeds") or {}).get("grandTotal") or {}).get("currencyCode")
    if not currency:
        currency = next(
            (((i.get("product") or {}).get("price") or {}).get("unitPrice", {}).get("currencyCode") for i in items),
            None,
        )
    return ChannelOrder(
        external_id=raw["orderId"],
        marketplace_status=status,
        ordered_at=parse_time(raw["createdTime"]),
        updated_at=parse_time(raw["lastUpdatedTime"]),
        currency=currency or "EUR",
        total_gross=total,
        shipping_gross=shipping,
        lines=lines,
        awaiting_marketplace=status in WAITING_STATUSES,
        cancelled=status == "CANCELLED",
        cancellation_requested=bool(cancellation_requested),
        ship_by=parse_time((fulfillment.get("shipByWindow") or {}).get("latestDateTime")),
        service_level="express" if fulfillment.get("fulfillmentServiceLevel") in EXPRESS_SERVICE_LEVELS else "standard",
        payment_method="amazon",
        is_business="AMAZON_BUSINESS" in programs,
        is_replacement=bool(replacement_of),
        gift_message="\n".join(m for m in gift_messages if m),
        language="de" if marketplace in GERMAN_MARKETPLACES or shipping_address.country in {"DE", "AT"} else "en",
        buyer=Buyer(
            email=buyer.get("buyerEmail") or "",
            name=buyer.get("buyerName") or shipping_address.name,
            company=buyer.get("buyerCompanyName") or "",
            never_merge="INVOICE_BY_AMAZON" in programs,
        ),
        shipping_address=shipping_address,
        raw=raw,
    )


#: what a mapping of unforeseen data raises; anything else is a bug and stops the poll
UNREADABLE = (UnmappableOrder, KeyError, TypeError, ValueError, AttributeError, ArithmeticError)


def map_orders(raws: list[Any]) -> tuple[tuple[ChannelOrder, ...], tuple[RejectedOrder, ...]]:
    """Map a page of v2026 orders; an order that cannot be read is returned as rejected, with the
    reason, and never stops the others."""
    orders, rejected = [], []
    for raw in raws:
        try:
            orders.append(order_from_v2026(raw))
        except UNREADABLE as exc:
            order_id = raw.get("orderId") if isinstance(raw, dict) else None
            rejected.append(RejectedOrder(external_id=order_id if isinstance(order_id, str) else "",
                                          problem=describe_error(exc)))
    return tuple(orders), tuple(rejected)


def describe_error(exc: Exception) -> str:
    if isinstance(exc, UnmappableOrder):
        return str(exc)
    if isinstance(exc, KeyError):
        return f"field {exc.args[0]!r} is missing" if exc.args else "a field is missing"
    return f"unreadable data ({type(exc).__name__}: {str(exc)[:300]})"
