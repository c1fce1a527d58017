"""Pure mapping of SP-API Orders v2026-01-01 JSON to the channel types. No I/O here."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from ..base import Buyer, ChannelLine, ChannelOrder, PostalAddress

#: fulfillment statuses in which Amazon has not yet released the order for shipping
WAITING_STATUSES = frozenset({"PENDING", "PENDING_AVAILABILITY"})
EXPRESS_SERVICE_LEVELS = frozenset({"EXPEDITED", "NEXT_DAY", "SAME_DAY", "SECOND_DAY", "PRIORITY"})
#: EU marketplaces whose buyers get German texts; all others get English
GERMAN_MARKETPLACES = frozenset({"A1PA6795UKMFR9"})  # amazon.de
KNOWN_VAT_RATES = (Decimal("0"), Decimal("5"), Decimal("7"), Decimal("10"), Decimal("19"), Decimal("20"))


def parse_time(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(dt.UTC)


def format_time(value: dt.datetime) -> str:
    """SP-API wants UTC with a literal ``Z`` and no fraction (offsets are rejected)."""
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def money(value: dict[str, Any] | None) -> Decimal:
    return Decimal(str(value["amount"])) if value and value.get("amount") not in (None, "") else Decimal("0")


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


def _line(item: dict[str, Any], position: int, default_rate: Decimal) -> ChannelLine:
    product = item.get("product") or {}
    customization = (product.get("customization") or {}).get("customizedUrl")
    discount = -_breakdown(item, "DISCOUNT") if _breakdown(item, "DISCOUNT") < 0 else _breakdown(item, "DISCOUNT")
    return ChannelLine(
        external_line_id=str(item["orderItemId"]),
        sku=product.get("sellerSku") or product.get("asin") or f"line-{position}",
        title=product.get("title") or "",
        quantity=int(item.get("quantityOrdered") or 0),
        unit_price=money((product.get("price") or {}).get("unitPrice")),
        discount=discount,
        tax_rate=_tax_rate(item, default_rate),
        customization={"customizedUrl": customization} if customization else {},
    )


def order_from_v2026(raw: dict[str, Any], *, default_vat_rate: Decimal = Decimal("19")) -> ChannelOrder:
    """One v2026 ``Order`` (fetched with FULFILLMENT, BUYER, RECIPIENT, PROCEEDS, CANCELLATION)."""
    fulfillment = raw.get("fulfillment") or {}
    status = fulfillment.get("fulfillmentStatus") or "PENDING"
    items = raw.get("orderItems") or []
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
