"""The Amazon SP-API simulator, served over real HTTP in a thread, and a channel pointing at it."""

from __future__ import annotations

import datetime as dt
import itertools
import threading
from decimal import Decimal

import httpx
import pytest
from werkzeug.serving import make_server

SELLER = {
    "client_id": "amzn1.application-oa2-client.sim",
    "client_secret": "sim-secret",
    "refresh_token": "Atzr|sim-refresh",
}
DE = "A1PA6795UKMFR9"
_numbers = itertools.count(1000001)


class Sim:
    def __init__(self, url: str):
        self.url = url
        self.http = httpx.Client(base_url=url, timeout=10)

    def add_order(self, status: str = "Unshipped", **changes) -> str:
        """Create an order through the simulator's test control (an SP-API v0 Order + items)."""
        number = next(_numbers)
        order_id = changes.pop("AmazonOrderId", f"028-{number:07d}-{number:07d}")
        now = dt.datetime.now(dt.UTC).replace(microsecond=0)
        body = {
            "AmazonOrderId": order_id,
            "PurchaseDate": (now - dt.timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "OrderStatus": status,
            "FulfillmentChannel": "MFN",
            "MarketplaceId": DE,
            "ShipmentServiceLevelCategory": "Standard",
            "OrderTotal": {"CurrencyCode": "EUR", "Amount": "23.80"},
            "LatestShipDate": (now + dt.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "EarliestDeliveryDate": (now + dt.timedelta(days=3)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "LatestDeliveryDate": (now + dt.timedelta(days=5)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "OrderItems": [
                {
                    "ASIN": "B000000001",
                    "OrderItemId": f"{number}01",
                    "SellerSKU": "MUG-01",
                    "Title": "Kaffeebecher Passau",
                    "QuantityOrdered": 2,
                    "ItemPrice": {"CurrencyCode": "EUR", "Amount": "23.80"},
                    "ItemTax": {"CurrencyCode": "EUR", "Amount": "3.80"},
                }
            ],
            "BuyerInfo": {"BuyerEmail": f"{number}@marketplace.amazon.de", "BuyerName": "Jürgen Weiß"},
            "ShippingAddress": {
                "Name": "Jürgen Weiß",
                "AddressLine1": "Hauptstraße 5",
                "City": "Passau",
                "PostalCode": "94032",
                "CountryCode": "DE",
            },
        }
        body.update(changes)
        response = self.http.post("/_sim/orders", json=body)
        assert response.status_code in (200, 201), response.text
        return order_id

    def set_status(self, order_id: str, status: str) -> None:
        response = self.http.post(f"/_sim/orders/{order_id}/status", json={"OrderStatus": status})
        assert response.status_code in (200, 204), response.text

    def faults(self, **body) -> None:
        assert self.http.post("/_sim/faults", json=body).status_code in (200, 204)


@pytest.fixture
def amazon_sim():
    from orderpilot.sandbox.amazon.app import create_app

    server = make_server("127.0.0.1", 0, create_app(relaxed=False, generate_every=0), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    sim = Sim(f"http://127.0.0.1:{server.server_port}")
    yield sim
    sim.http.close()
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture
def amazon_channel(db, amazon_sim):
    from sp_api.auth import access_token_client

    from orderpilot.channels.models import Channel

    access_token_client.cache.clear()  # the library caches tokens per process, keyed by refresh token
    return Channel.objects.create(
        code="amazon-de",
        kind="amazon",
        endpoint=amazon_sim.url,
        settings={"token_endpoint": f"{amazon_sim.url}/auth/o2/token", "marketplace_ids": [DE]},
        secrets=SELLER,
    )


def money(value: str) -> Decimal:
    return Decimal(value)
