"""Pure mapping of Gambio GX REST API v2 orders to the channel types. No I/O here.

Source of the shapes: gambio/docs ``docs/Tutorials/API/v2/openapi.json`` (``GXOrder``, ``GXOrderListItem``,
``GXOrderStatusHistory``) and the shop's ``OrderJsonSerializer``. Gambio descends from xt:Commerce: an
item's ``price`` is the unit price the customer pays (gross when ``isTaxAllowed``), ``finalPrice`` the
line total; ``tax`` is the VAT rate in percent; totals are rows by ``class`` (``ot_subtotal``,
``ot_shipping``, ``ot_cod_fee``, ``ot_total``…). Times are the shop's local time, ``Y-m-d H:i:s``.

Release rules by payment (``paymentType.module``; for Gambio Hub payments ``module`` is ``gambio_hub`` and
the method is ``addonValues.gambio_hub_selection``):

- prepayment (``moneyorder``, ``eustandardtransfer``, ``MoneyOrderHub``): waits for the money — recorded with
  ``awaiting_marketplace`` while its status is one of ``awaiting_payment_status_ids`` (default ``[1]``,
  "Offen"); when the merchant books the payment (any other status), the next poll releases it. The channel
  setting ``release_unpaid_prepayment = true`` ships without waiting;
- PayPal (``paypal…``): paid at checkout, released at once;
- cash on delivery (``cod``, ``CashOnDeliveryHub``): released, ``cash_on_delivery`` so that only a shipper
  with the ``cod`` service is chosen;
- invoice (``invoice``, ``InvoiceHub``): released at once (the customer pays after delivery).

A status in ``cancelled_status_ids`` (default ``[99]``, "Storniert") cancels the order.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from ..base import Buyer, ChannelLine, ChannelOrder, PostalAddress

SHOP_TIME = "%Y-%m-%d %H:%M:%S"

#: Gambio's default ``countries`` table (id → ISO code), for orders whose list item did not say it
COUNTRY_ISO = {14: "AT", 21: "BE", 56: "CZ", 57: "DK", 73: "FR", 81: "DE", 105: "IT", 124: "LU", 150: "NL",
               170: "PL", 195: "ES", 204: "CH", 222: "GB", 223: "US"}  # fmt: skip

PAYMENT_KINDS = {
    "moneyorder": "prepayment",
    "eustandardtransfer": "prepayment",
    "moneyorderhub": "prepayment",
    "cod": "cod",
    "cashondeliveryhub": "cod",
    "invoice": "invoice",
    "invoicehub": "invoice",
}


@dataclass(frozen=True)
class ShopRules:
    """A shop's configuration as far as the mapping needs it (channel settings, see the connector)."""

    zone: ZoneInfo = field(default_factory=lambda: ZoneInfo("Europe/Berlin"))
    awaiting_payment_status_ids: frozenset[int] = frozenset({1})
    cancelled_status_ids: frozenset[int] = frozenset({99})
    release_unpaid_prepayment: bool = False
    express_shipping_modules: frozenset[str] = frozenset()


def parse_shop_time(value: str, zone: ZoneInfo) -> dt.datetime:
    return dt.datetime.strptime(value, SHOP_TIME).replace(tzinfo=zone).astimezone(dt.UTC)


def format_shop_time(value: dt.datetime, zone: ZoneInfo) -> str:
    return value.astimezone(zone).strftime(SHOP_TIME)


def payment_kind(payment_type: dict[str, Any] | None, addon_values: dict[str, Any] | None = None) -> str:
    """``prepayment``, ``paypal``, ``cod``, ``invoice`` or the module's own name (lower case)."""
    module = str((payment_type or {}).get("module") or "").lower()
    if module == "gambio_hub":
        module = str((addon_values or {}).get("gambio_hub_selection") or module).lower()
    if module.startswith("paypal"):
        return "paypal"
    return PAYMENT_KINDS.get(module, module)


def _decimal(value: Any) -> Decimal:
    return Decimal(str(value)) if value not in (None, "") else Decimal("0")


def _total(order: dict[str, Any], cls: str) -> Decimal:
    return sum((_decimal(t.get("value")) for t in order.get("totals") or [] if t.get("class") == cls), Decimal("0"))


def _line(item: dict[str, Any]) -> ChannelLine:
    quantity = _decimal(item.get("quantity"))
    price = _decimal(item.get("price"))
    whole = int(math.ceil(quantity)) if quantity > 0 else 0
    customization: dict[str, Any] = {}
    if quantity != whole:
        # a fractional quantity (metres, litres) cannot be a package line: a person has to look
        customization["fractional_quantity"] = f"{quantity} {item.get('quantityUnitName') or ''}".strip()
    if item.get("customizationData"):
        customization["gx_customizer"] = item["customizationData"]
    attributes = ", ".join(f"{a.get('name')}: {a.get('value')}" for a in item.get("attributes") or [] if a.get("name"))
    title = str(item.get("name") or "")
    final = _decimal(item.get("finalPrice")) if item.get("finalPrice") is not None else price * quantity
    product_id = (item.get("addonValues") or {}).get("productId")
    return ChannelLine(
        external_line_id=str(item["id"]),
        sku=str(item.get("model") or f"gambio-{product_id or item['id']}"),
        title=f"{title} ({attributes})" if attributes else title,
        quantity=whole,
        unit_price=price,
        discount=max(price * quantity - final, Decimal("0")).quantize(Decimal("0.01")),
        tax_rate=_decimal(item.get("tax")) if item.get("isTaxAllowed", True) not in (False, "false") else Decimal("0"),
        customization=customization,
    )


def _address(raw: dict[str, Any] | None, listed: dict[str, Any] | None, phone: str) -> PostalAddress:
    raw = raw or {}
    country = (listed or {}).get("countryIsoCode") or COUNTRY_ISO.get(int(raw.get("countryId") or 0), "")
    extra = [raw.get("additionalAddressInfo") or "", raw.get("suburb") or ""]
    return PostalAddress(
        name=f"{raw.get('firstname', '')} {raw.get('lastname', '')}".strip(),
        company=raw.get("company") or "",
        street=f"{raw.get('street', '')} {raw.get('houseNumber', '')}".strip(),
        address2=", ".join(part for part in extra if part),
        postal_code=raw.get("postcode") or "",
        city=raw.get("city") or "",
        country=country.upper(),
        phone=phone,
    )


def _is_express(shipping_type: dict[str, Any] | None, extra_modules: Iterable[str]) -> bool:
    module = str((shipping_type or {}).get("module") or "")
    title = str((shipping_type or {}).get("title") or "")
    return module in set(extra_modules) or "express" in module.lower() or "express" in title.lower()


def order_from_gambio(order: dict[str, Any], listed: dict[str, Any] | None, rules: ShopRules) -> ChannelOrder:
    """One full ``GXOrder`` (``GET /orders/{id}``) with its list item (``statusName``, ISO country codes)."""
    customer = order.get("customer") or {}
    addresses = order.get("addresses") or {}
    phone = customer.get("phone") or ""
    shipping_address = _address(addresses.get("delivery"), (listed or {}).get("deliveryAddress"), phone)
    billing_address = _address(addresses.get("billing"), (listed or {}).get("billingAddress"), phone)
    status_id = int(order.get("statusId") or 0)
    kind = payment_kind(order.get("paymentType"), order.get("addonValues"))
    cancelled = status_id in rules.cancelled_status_ids
    awaiting = (
        kind == "prepayment"
        and not rules.release_unpaid_prepayment
        and status_id in rules.awaiting_payment_status_ids
        and not cancelled
    )
    purchased = parse_shop_time(order["purchaseDate"], rules.zone)
    history = [
        parse_shop_time(h["dateAdded"], rules.zone) for h in order.get("statusHistory") or [] if h.get("dateAdded")
    ]
    language = str(order.get("languageCode") or "de").lower()
    customer_number = str(customer.get("number") or "") or (str(customer["id"]) if customer.get("id") else "")
    return ChannelOrder(
        external_id=str(order["id"]),
        marketplace_status=str((listed or {}).get("statusName") or f"status {status_id}")[:32],
        ordered_at=purchased,
        updated_at=max([purchased, *history]),
        currency=order.get("currencyCode") or "EUR",
        total_gross=_total(order, "ot_total"),
        shipping_gross=_total(order, "ot_shipping"),
        lines=tuple(_line(item) for item in order.get("items") or []),
        awaiting_marketplace=awaiting,
        cancelled=cancelled,
        service_level="express" if _is_express(order.get("shippingType"), rules.express_shipping_modules)
        else "standard",
        payment_method=kind,
        cash_on_delivery=kind == "cod",
        is_business=bool(billing_address.company or customer.get("vatId")),
        buyer_note=str(order.get("comment") or "").strip(),
        language=language,
        buyer=Buyer(
            email=customer.get("email") or "",
            name=billing_address.name,
            company=billing_address.company,
            vat_id=str(customer.get("vatId") or ""),
            phone=phone,
            external_id=customer_number,
        ),
        shipping_address=shipping_address,
        billing_address=billing_address,
        raw={"order": order, "listItem": listed or {}},
    )
