"""Realistic eBay.de orders for the demo: one to three line items, DHL parcel or express, now and then a
buyer note, shipped to Germany or Austria (``ORDERPILOT_SIM_EBAY_GENERATE_EVERY`` or ``create_app(
generate_every=…)`` switches it on)."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any

from .orders import amount, format_time
from .people import NOTES, basket, person


def generated_order(rng: random.Random, at: dt.datetime) -> dict[str, Any]:
    """A Sell Fulfillment ``Order`` body as ``POST /_sim/orders`` takes it, created at ``at``."""
    buyer = person(rng)
    express = rng.random() < 0.15
    shipping = Decimal("9.90") if express else Decimal("4.90")
    line_items = []
    for position, (product, quantity) in enumerate(basket(rng)):
        line_shipping = shipping if position == 0 else Decimal("0")
        line_items.append(
            {
                "sku": product.sku,
                "title": product.title,
                "quantity": quantity,
                "lineItemCost": amount(product.price * quantity, "EUR"),
                "deliveryCost": {"shippingCost": amount(line_shipping, "EUR")},
            }
        )
    order: dict[str, Any] = {
        "creationDate": format_time(at),
        "lastModifiedDate": format_time(at),
        "buyer": {
            "username": f"{buyer.first_name.lower()}_{rng.randrange(10**4):04d}",
            "buyerRegistrationAddress": {"fullName": buyer.name, "email": buyer.email},
        },
        "lineItems": line_items,
        "fulfillmentStartInstructions": [
            {
                "fulfillmentInstructionsType": "SHIP_TO",
                "shippingStep": {
                    "shippingCarrierCode": "DHL",
                    "shippingServiceCode": "DE_DHLExpress" if express else "DE_DHLPaket",
                    "shipTo": {
                        "fullName": buyer.name,
                        "contactAddress": {
                            "addressLine1": f"{buyer.street} {buyer.house_number}",
                            "city": buyer.city,
                            "postalCode": buyer.postal_code,
                            "countryCode": buyer.country,
                        },
                        "primaryPhone": {"phoneNumber": buyer.phone},
                        "email": buyer.email,
                    },
                },
            }
        ],
    }
    if rng.random() < 0.1:
        order["buyerCheckoutNotes"] = rng.choice(NOTES)
    return order
