"""Pure mapping between eBay's Sell Fulfillment JSON and the channel types. No I/O here.

Field names follow eBay's OpenAPI contract ``sell_fulfillment_v1_oas3.json`` (``Order``, ``LineItem``,
``PricingSummary``, ``PaymentSummary``, ``CancelStatus``, ``FulfillmentStartInstruction``,
``ShippingFulfillmentDetails``). What OrderPilot reads from an order:

- ``orderPaymentStatus`` PENDING or FAILED: eBay has not got the money yet → recorded, not released;
- ``cancelStatus.cancelState`` CANCELED, or the payment FULLY_REFUNDED → cancelled; IN_PROGRESS (the buyer
  asked to cancel) → ``cancellation_requested``;
- ``buyerCheckoutNotes`` → the buyer note; ``lineItems[].giftDetails.message`` → the gift message;
- ``fulfillmentStartInstructions[0].shippingStep``: ``shipTo`` is the delivery address (for eBay's Global
  Shipping Program it is the programme's hub, which is where the parcel must go), ``shippingServiceCode``
  decides express (``…Express…``, ``…Overnight…``, ``…NextDay…``, ``…Expedited…``, ``…Courier…`` or a code the
  channel lists in ``settings.express_services``);
- ``lineItems[].lineItemFulfillmentInstructions.shipByDate`` → ship-by (the earliest).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from ..base import Buyer, ChannelLine, ChannelOrder, PostalAddress, ShipmentConfirmation

WAITING_PAYMENT = frozenset({"PENDING", "FAILED"})
EXPRESS_PATTERN = re.compile(r"express|overnight|nextday|next_day|expedited|courier|sameday|oneday", re.I)
GERMAN_MARKETPLACES = frozenset({"EBAY_DE", "EBAY_AT", "EBAY_CH"})
KNOWN_VAT_RATES = (Decimal("0"), Decimal("5"), Decimal("7"), Decimal("10"), Decimal("19"), Decimal("20"))
CENT = Decimal("0.01")

#: how merchants and shippers write a carrier → eBay's carrier code (Trading API ShippingCarrierCodeType)
CARRIER_CODES = {
    "dhl": "DHL",
    "dhl paket": "DHL",
    "dhl express": "DHL",
    "deutsche post": "DeutschePost",
    "warenpost": "DeutschePost",
    "dpd": "DPD",
    "gls": "GLS",
    "hermes": "Hermes",
    "ups": "UPS",
    "fedex": "FedEx",
    "usps": "USPS",
    "tnt": "TNT",
    "royal mail": "RoyalMail",
    "parcelforce": "Parcelforce",
    "chronopost": "Chronopost",
    "postnl": "PostNL",
    "österreichische post": "AustriaPost",
    "austria post": "AustriaPost",
    "die schweizerische post": "SwissPost",
    "swiss post": "SwissPost",
}


def parse_time(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(dt.UTC)


def format_time(value: dt.datetime) -> str:
    """eBay's timestamp format: UTC, milliseconds, ``Z`` (``2015-08-04T19:09:02.768Z``)."""
    value = value.astimezone(dt.UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def money(value: dict[str, Any] | None) -> Decimal:
    return Decimal(str(value["value"])) if value and value.get("value") not in (None, "") else Decimal("0")


def ebay_carrier(carrier: str) -> str:
    """eBay's code for a carrier as we know it; an unknown carrier is sent as written (without blanks)."""
    name = (carrier or "").strip()
    return CARRIER_CODES.get(name.lower()) or re.sub(r"\s+", "", name) or "Other"


def _tax_rate(item: dict[str, Any], default: Decimal) -> Decimal:
    """The VAT rate implied by the line's gross cost and its taxes, snapped to a known rate; else ``default``."""
    gross = money(item.get("lineItemCost"))
    tax = sum((money(t.get("amount")) for t in item.get("taxes") or []), Decimal("0"))
    if gross <= 0 or tax <= 0 or tax >= gross:
        return default
    implied = tax / (gross - tax) * 100
    nearest = min(KNOWN_VAT_RATES, key=lambda rate: abs(rate - implied))
    return nearest if abs(nearest - implied) < Decimal("0.5") else implied.quantize(CENT)


def _line(item: dict[str, Any], default_rate: Decimal) -> ChannelLine:
    quantity = int(item.get("quantity") or 0)
    cost = money(item.get("lineItemCost"))
    discount = sum((abs(money(p.get("discountAmount"))) for p in item.get("appliedPromotions") or []), Decimal("0"))
    return ChannelLine(
        external_line_id=str(item["lineItemId"]),
        sku=item.get("sku") or f"ebay-{item.get('legacyItemId', item['lineItemId'])}",
        title=item.get("title") or "",
        quantity=quantity,
        unit_price=(cost / quantity).quantize(CENT) if quantity else cost,
        discount=discount,
        tax_rate=_tax_rate(item, default_rate),
    )


def _address(contact: dict[str, Any] | None) -> PostalAddress:
    contact = contact or {}
    address = contact.get("contactAddress") or {}
    return PostalAddress(
        name=contact.get("fullName") or "",
        company=contact.get("companyName") or "",
        street=address.get("addressLine1") or "",
        address2=address.get("addressLine2") or "",
        postal_code=address.get("postalCode") or "",
        city=address.get("city") or "",
        country=(address.get("countryCode") or "").upper(),
        phone=(contact.get("primaryPhone") or {}).get("phoneNumber") or "",
    )


def _vat_id(tax_id: dict[str, Any]) -> str:
    """The buyer's VAT number, when the tax identifier eBay holds is one (``taxIdentifierType`` VATIN)."""
    if tax_id.get("taxIdentifierType") not in (None, "VATIN"):
        return ""
    return tax_id.get("taxpayerId") or ""


def is_express(service_code: str, extra_codes: Iterable[str] = ()) -> bool:
    return bool(service_code) and (service_code in set(extra_codes) or bool(EXPRESS_PATTERN.search(service_code)))


def order_from_ebay(
    raw: dict[str, Any], *, default_vat_rate: Decimal = Decimal("19"), express_services: Iterable[str] = ()
) -> ChannelOrder:
    """One Sell Fulfillment ``Order`` (as ``getOrders``/``getOrder`` return it)."""
    items = raw.get("lineItems") or []
    instruction = (raw.get("fulfillmentStartInstructions") or [{}])[0]
    step = instruction.get("shippingStep") or {}
    ship_to = step.get("shipTo") or {}
    shipping_address = _address(ship_to)
    buyer = raw.get("buyer") or {}
    registration = buyer.get("buyerRegistrationAddress") or {}
    billing = _address(registration) if registration.get("contactAddress") else None
    tax_id = buyer.get("taxIdentifier") or {}
    cancel = raw.get("cancelStatus") or {}
    cancel_state = cancel.get("cancelState") or "NONE_REQUESTED"
    payment_status = raw.get("orderPaymentStatus") or "PAID"
    pricing = raw.get("pricingSummary") or {}
    lines = tuple(_line(item, default_vat_rate) for item in items)
    total = money(pricing.get("total"))
    if total == 0:
        total = sum((money(i.get("total")) for i in items), Decimal("0"))
    shipping = money(pricing.get("deliveryCost")) - abs(money(pricing.get("deliveryDiscount")))
    currency = (pricing.get("total") or {}).get("currency") or next(
        ((i.get("lineItemCost") or {}).get("currency") for i in items), "EUR"
    )
    ship_by = [parse_time((i.get("lineItemFulfillmentInstructions") or {}).get("shipByDate")) for i in items]
    payments = (raw.get("paymentSummary") or {}).get("payments") or [{}]
    marketplace = next((i.get("purchaseMarketplaceId") or i.get("listingMarketplaceId") for i in items), "")
    pending_cancel = any(r.get("cancelRequestState") == "REQUESTED" for r in cancel.get("cancelRequests") or [])
    status = "CANCELED" if cancel_state == "CANCELED" else f"{raw.get('orderFulfillmentStatus', '')}/{payment_status}"
    gift_messages = [((i.get("giftDetails") or {}).get("message") or "") for i in items]
    return ChannelOrder(
        external_id=raw["orderId"],
        marketplace_status=status[:32],
        ordered_at=parse_time(raw["creationDate"]),
        updated_at=parse_time(raw.get("lastModifiedDate") or raw["creationDate"]),
        currency=currency,
        total_gross=total,
        shipping_gross=max(shipping, Decimal("0")),
        lines=lines,
        awaiting_marketplace=payment_status in WAITING_PAYMENT,
        cancelled=cancel_state == "CANCELED" or payment_status == "FULLY_REFUNDED",
        cancellation_requested=cancel_state == "IN_PROGRESS" or pending_cancel,
        ship_by=min((d for d in ship_by if d), default=None),
        service_level="express" if is_express(step.get("shippingServiceCode") or "", express_services) else "standard",
        payment_method=(payments[0].get("paymentMethod") or "EBAY").lower(),
        is_business=bool(ship_to.get("companyName") or tax_id.get("taxpayerId")),
        buyer_note=(raw.get("buyerCheckoutNotes") or "").strip(),
        gift_message="\n".join(m for m in gift_messages if m),
        language="de" if marketplace in GERMAN_MARKETPLACES or shipping_address.country in {"DE", "AT", "CH"} else "en",
        buyer=Buyer(
            email=registration.get("email") or ship_to.get("email") or "",
            name=registration.get("fullName") or shipping_address.name,
            company=registration.get("companyName") or shipping_address.company,
            vat_id=_vat_id(tax_id),
            phone=(registration.get("primaryPhone") or {}).get("phoneNumber") or shipping_address.phone,
            external_id=buyer.get("username") or "",
        ),
        shipping_address=shipping_address,
        billing_address=billing,
        raw=raw,
    )


def fulfillment_body(confirmation: ShipmentConfirmation) -> dict[str, Any]:
    """``ShippingFulfillmentDetails`` for one package."""
    return {
        "lineItems": [{"lineItemId": line_id, "quantity": quantity} for line_id, quantity in confirmation.items],
        "shippedDate": format_time(confirmation.shipped_at),
        "shippingCarrierCode": ebay_carrier(confirmation.carrier),
        "trackingNumber": re.sub(r"[^A-Za-z0-9]", "", confirmation.tracking_number),
    }
