"""Realistic Amazon.de (Germany, Austria) and Amazon.co.uk orders for the demo and load tests.

Names and addresses carry umlauts and other non-ASCII letters; about one order in seven starts
``Pending`` and turns ``Unshipped`` a few minutes later (simulator time), one in ten is a gift with a
message, one in ten a business order (with purchase order number and company), one in five express.
Prices include VAT (19 % DE, 20 % AT and UK); the SKUs come from the configured list.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
import string
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from .clock import format_timestamp
from .intake import build_record, new_order_id, new_order_item_id, recount
from .money import v0_money
from .records import OrderRecord

DEFAULT_SKUS = ("MUG-01", "LAMP-02", "TEE-03")
_CATALOG = {
    "MUG-01": ("Kaffeebecher „Morgenmuffel“ 350 ml, Steingut", Decimal("12.90")),
    "LAMP-02": ("Stehlampe Nordlicht, Messing, 140 cm", Decimal("89.00")),
    "TEE-03": ("T-Shirt Bio-Baumwolle, Größe M, Waldgrün", Decimal("19.90")),
}
_DE_NAMES = (
    "Jürgen Müller",
    "Björn Schäfer",
    "Käthe Groß",
    "Sören Köhler",
    "Zoë Weiß",
    "Günther Öztürk",
    "Hannelore Krüger",
    "Jörg Bäcker",
    "Lena Jäger",
    "Maximilian Schröder",
    "Anja Fuß",
    "Frauke Lührs",
)
_AT_NAMES = ("Michaela Pölzl", "Florian Hödl", "Theresia Gößweiner", "Dominik Jöchl", "Ursula Lämmerhofer")
_UK_NAMES = ("Oliver Smith", "Siobhán O'Brien", "Chloë Davies", "Seán Murphy", "Amelia Jones", "Harry Evans")
_DE_ADDRESSES = (
    ("Königsallee 14", "40212", "Düsseldorf", "Nordrhein-Westfalen"),
    ("Hauptstraße 1", "94032", "Passau", "Bayern"),
    ("Schloßstraße 88", "12163", "Berlin", "Berlin"),
    ("Mühlenkamp 7", "22303", "Hamburg", "Hamburg"),
    ("Gärtnerplatz 3", "80469", "München", "Bayern"),
    ("Große Brüdergasse 21", "01067", "Dresden", "Sachsen"),
    ("Heidestraße 17", "51147", "Köln", "Nordrhein-Westfalen"),
    ("Bürgerstraße 5", "37073", "Göttingen", "Niedersachsen"),
)
_AT_ADDRESSES = (
    ("Mariahilfer Straße 88", "1060", "Wien", "Wien"),
    ("Getreidegasse 9", "5020", "Salzburg", "Salzburg"),
    ("Herrengasse 16", "8010", "Graz", "Steiermark"),
    ("Maria-Theresien-Straße 31", "6020", "Innsbruck", "Tirol"),
)
_UK_ADDRESSES = (
    ("221B Baker Street", "NW1 6XE", "London", "Greater London"),
    ("Deansgate 100", "M3 2GP", "Manchester", "Greater Manchester"),
    ("Princes Street 48", "EH2 2YJ", "Edinburgh", "Scotland"),
    ("Queen Street 12", "CF10 2BU", "Cardiff", "Wales"),
)
_GIFT_MESSAGES = (
    "Alles Gute zum Geburtstag! Deine Käthe",
    "Frohe Weihnachten und ein schönes Fest – Jörg & Anja",
    "Herzlichen Glückwunsch zur bestandenen Prüfung!",
    "Happy birthday, love from Siobhán",
)
_COMPANIES = ("Müller & Söhne GmbH", "Bäckerei Größl KG", "Schäfer Elektrotechnik AG", "Hödl Holzbau GmbH")
# (marketplace id, destination country, currency, VAT rate, sales channel, order id prefix, level code)
_MARKETS = (
    ("A1PA6795UKMFR9", "DE", "EUR", Decimal("0.19"), "Amazon.de", ("302", "303", "304", "028"), "DE Dom"),
    ("A1PA6795UKMFR9", "AT", "EUR", Decimal("0.20"), "Amazon.de", ("302", "305", "306"), "DE AT"),
    ("A1F83G8C2ARO7P", "GB", "GBP", Decimal("0.20"), "Amazon.co.uk", ("202", "203", "204", "026"), "UK Dom"),
)


def _asin(sku: str) -> str:
    return "B0" + hashlib.sha1(sku.encode()).hexdigest()[:8].upper()


def _price(sku: str, currency: str, rng: random.Random) -> tuple[str, Decimal]:
    title, eur = _CATALOG.get(
        sku, (f"Artikel {sku}", Decimal(rng.choice(("9.90", "14.90", "24.90", "39.90"))))
    )
    if currency == "GBP":
        eur = (eur * Decimal("0.86")).quantize(Decimal("1")) - Decimal("0.01")
    return title, eur


def _tax(gross: Decimal, rate: Decimal) -> Decimal:
    return (gross - gross / (1 + rate)).quantize(Decimal("0.01"), ROUND_HALF_UP)


class OrderGenerator:
    """Builds orders with a seeded random source; ``skus`` is the option list items are drawn from."""

    def __init__(self, rng: random.Random, skus: tuple[str, ...] = DEFAULT_SKUS) -> None:
        self.rng = rng
        self.skus = tuple(skus) or DEFAULT_SKUS

    def order(self, now: dt.datetime, *, skus: tuple[str, ...] | None = None) -> OrderRecord:
        rng = self.rng
        marketplace_id, country, currency, vat, channel, prefixes, level = rng.choices(
            _MARKETS, weights=(6, 2, 2)
        )[0]
        names, addresses = {
            "DE": (_DE_NAMES, _DE_ADDRESSES),
            "AT": (_AT_NAMES, _AT_ADDRESSES),
            "GB": (_UK_NAMES, _UK_ADDRESSES),
        }[country]
        pending = rng.random() < 0.15
        express = rng.random() < 0.2
        business = rng.random() < 0.1
        gift = rng.random() < 0.1
        purchase = now - dt.timedelta(seconds=rng.randint(0, 90))
        ship_days, transit_days = (1, 1) if express else (2, rng.choice((1, 2, 3)))
        latest_ship = (purchase + dt.timedelta(days=ship_days)).replace(hour=23, minute=59, second=59)
        earliest_delivery = (latest_ship + dt.timedelta(days=1)).replace(hour=0, minute=0, second=0)
        latest_delivery = (earliest_delivery + dt.timedelta(days=transit_days)).replace(
            hour=23, minute=59, second=59
        )
        items = self._items(skus or self.skus, currency, vat, express=express, gift=gift, business=business)
        name = rng.choice(names)
        street, postal_code, city, region = rng.choice(addresses)
        address: dict[str, Any] = {
            "Name": name,
            "AddressLine1": street,
            "City": city,
            "StateOrRegion": region,
            "PostalCode": postal_code,
            "CountryCode": country,
            "AddressType": "Residential",
            "Phone": f"+{44 if country == 'GB' else 49 if country == 'DE' else 43} "
            f"{rng.randint(150, 179)} {rng.randint(1000000, 9999999)}",
        }
        body: dict[str, Any] = {
            "AmazonOrderId": new_order_id(rng, rng.choice(prefixes)),
            "PurchaseDate": format_timestamp(purchase),
            "LastUpdateDate": format_timestamp(now),
            "OrderStatus": "Pending" if pending else "Unshipped",
            "FulfillmentChannel": "MFN",
            "SalesChannel": channel,
            "ShipServiceLevel": f"{'Exp' if express else 'Std'} {level}",
            "NumberOfItemsShipped": 0,
            "NumberOfItemsUnshipped": 0 if pending else sum(i["QuantityOrdered"] for i in items),
            "PaymentMethod": "Other",
            "PaymentMethodDetails": ["Standard"],
            "IsReplacementOrder": False,
            "MarketplaceId": marketplace_id,
            "ShipmentServiceLevelCategory": ("NextDay" if country == "GB" else "Expedited")
            if express
            else "Standard",
            "OrderType": "StandardOrder",
            "EarliestShipDate": format_timestamp(purchase),
            "LatestShipDate": format_timestamp(latest_ship),
            "EarliestDeliveryDate": format_timestamp(earliest_delivery),
            "LatestDeliveryDate": format_timestamp(latest_delivery),
            "IsBusinessOrder": business,
            "IsPrime": rng.random() < 0.3,
            "IsPremiumOrder": False,
            "IsGlobalExpressEnabled": False,
            "IsSoldByAB": False,
            "IsIBA": False,
            "IsISPU": False,
            "IsAccessPointOrder": False,
            "OrderItems": items,
            "ShippingAddress": address,
            "BuyerInfo": {"BuyerEmail": self._relay_email(country), "BuyerName": name},
        }
        if business:
            company = rng.choice(_COMPANIES)
            address["CompanyName"], address["AddressType"] = company, "Commercial"
            body["BuyerCompanyName"] = company
            body["BuyerInfo"]["PurchaseOrderNumber"] = f"PO-{now.year}-{rng.randint(1000, 9999)}"
        record = build_record(body, now=now, rng=rng)
        if pending:
            record.pending_until = now + dt.timedelta(seconds=rng.randint(60, 600))
        return record

    def _relay_email(self, country: str) -> str:
        local = "".join(self.rng.choices(string.ascii_lowercase + string.digits, k=15))
        return f"{local}@marketplace.amazon.{'co.uk' if country == 'GB' else 'de'}"

    def _items(
        self, skus: tuple[str, ...], currency: str, vat: Decimal, *, express: bool, gift: bool, business: bool
    ) -> list[dict[str, Any]]:
        rng = self.rng
        chosen = rng.sample(list(skus), k=min(len(skus), rng.choices((1, 2, 3), weights=(6, 3, 1))[0]))
        items = []
        for index, sku in enumerate(chosen):
            title, unit = _price(sku, currency, rng)
            quantity = rng.choices((1, 2, 3), weights=(8, 2, 1))[0]
            gross = unit * quantity
            shipping = Decimal("0.00") if index else (Decimal("5.99") if express else Decimal("3.99"))
            item: dict[str, Any] = {
                "ASIN": _asin(sku),
                "SellerSKU": sku,
                "OrderItemId": new_order_item_id(rng),
                "Title": title,
                "QuantityOrdered": quantity,
                "QuantityShipped": 0,
                "ProductInfo": {"NumberOfItems": "1"},
                "ItemPrice": v0_money(gross, currency),
                "ItemTax": v0_money(_tax(gross, vat), currency),
                "ShippingPrice": v0_money(shipping, currency),
                "ShippingTax": v0_money(_tax(shipping, vat), currency),
                "PromotionDiscount": v0_money(Decimal("0"), currency),
                "IsGift": "false",
                "ConditionId": "New",
                "ConditionSubtypeId": "New",
                "IsTransparency": False,
                "SerialNumberRequired": False,
            }
            if business:
                item["PriceDesignation"] = "BusinessPrice"
            if gift and index == 0:
                item["IsGift"] = "true"
                item["BuyerInfo"] = {
                    "GiftMessageText": rng.choice(_GIFT_MESSAGES),
                    "GiftWrapLevel": "Classic",
                }
            items.append(item)
        return items


def advance_pending(orders: dict[str, OrderRecord], now: dt.datetime) -> None:
    """Generated Pending orders whose payment 'cleared' become Unshipped at their scheduled time."""
    for record in orders.values():
        if record.pending_until is not None and now >= record.pending_until and record.is_pending:
            record.order["OrderStatus"] = "Unshipped"
            record.order["LastUpdateDate"] = format_timestamp(record.pending_until)
            record.pending_until = None
            recount(record)
