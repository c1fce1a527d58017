"""Realistic Gambio shop orders for the demo: prepayment, PayPal, cash on delivery or invoice, now and then a
customer comment (``ORDERPILOT_SIM_GAMBIO_GENERATE_EVERY`` or ``create_app(generate_every=…)``)."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from orderpilot.sandbox.ebay.people import NOTES, basket, person

from .orders import shop_time

PAYMENTS = (
    ({"title": "Vorkasse", "module": "moneyorder"}, 0.3),
    ({"title": "PayPal", "module": "paypal3"}, 0.35),
    ({"title": "Nachnahme", "module": "cod"}, 0.1),
    ({"title": "Rechnung", "module": "invoice"}, 0.25),
)
COUNTRY_IDS = {"DE": 81, "AT": 14}
SHIPPING = Decimal("4.90")
COD_FEE = Decimal("2.00")


def _total(title: str, value: Decimal, cls: str, sort: int, n: int) -> dict[str, Any]:
    return {"id": n, "title": title, "value": float(value), "valueText": f"{value:.2f} EUR".replace(".", ","),
            "class": cls, "sortOrder": sort}  # fmt: skip


def generated_order(rng: random.Random, at: dt.datetime, zone: ZoneInfo) -> dict[str, Any]:
    """A GXOrder body as ``POST /_sim/orders`` takes it, bought at ``at``."""
    buyer = person(rng)
    payment = rng.choices([p for p, _ in PAYMENTS], weights=[w for _, w in PAYMENTS])[0]
    address = {"gender": rng.choice(("m", "f")), "firstname": buyer.first_name, "lastname": buyer.last_name,
               "street": buyer.street, "houseNumber": buyer.house_number, "postcode": buyer.postal_code,
               "city": buyer.city, "countryId": COUNTRY_IDS[buyer.country]}  # fmt: skip
    items = [
        {"model": product.sku, "name": product.title, "quantity": quantity, "price": float(product.price),
         "finalPrice": float(product.price * quantity), "tax": 19, "isTaxAllowed": True}
        for product, quantity in basket(rng)
    ]  # fmt: skip
    subtotal = sum((Decimal(str(i["finalPrice"])) for i in items), Decimal("0"))
    totals = [_total("Zwischensumme:", subtotal, "ot_subtotal", 10, 1), _total("Versand:", SHIPPING, "ot_shipping",
                                                                             30, 2)]  # fmt: skip
    total = subtotal + SHIPPING
    if payment["module"] == "cod":
        totals.append(_total("Nachnahmegebühr:", COD_FEE, "ot_cod_fee", 35, 3))
        total += COD_FEE
    totals.append(_total("Summe:", total, "ot_total", 99, len(totals) + 1))
    return {
        "purchaseDate": shop_time(at, zone),
        "comment": rng.choice(NOTES) if rng.random() < 0.1 else "",
        "paymentType": dict(payment),
        "shippingType": {"title": "DHL Paket", "module": "dhl_dhl"},
        "customer": {"number": f"K{rng.randrange(10**4, 10**5)}", "email": buyer.email, "phone": buyer.phone},
        "addresses": {"delivery": address},
        "items": items,
        "totals": totals,
    }
