from __future__ import annotations

import base64
import datetime as dt
from contextlib import ExitStack
from dataclasses import dataclass

import httpx
import pytest

from orderpilot.sandbox.ebay.app import EbaySimulator, create_app
from orderpilot.sandbox.ebay.auth import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, DEFAULT_REFRESH_TOKEN
from orderpilot.sandbox.ebay.control import serving

START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


@dataclass
class Sim:
    app: EbaySimulator
    url: str
    http: httpx.Client

    def token(self, scope: str = "") -> str:
        form = {"grant_type": "refresh_token", "refresh_token": DEFAULT_REFRESH_TOKEN}
        if scope:
            form["scope"] = scope
        response = self.http.post("/identity/v1/oauth2/token", data=form, headers=basic_auth())
        assert response.status_code == 200, response.text
        return response.json()["access_token"]

    def api(self, method: str, path: str, **kwargs) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.token()}", **kwargs.pop("headers", {})}
        return self.http.request(method, path, headers=headers, **kwargs)


def basic_auth(client_id: str = DEFAULT_CLIENT_ID, secret: str = DEFAULT_CLIENT_SECRET) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()}


def order_body(**changes) -> dict:
    body = {
        "orderId": "12-03955-36441",
        "creationDate": "2026-03-02T08:30:00.000Z",
        "lastModifiedDate": "2026-03-02T08:31:00.000Z",
        "buyer": {"username": "erika_m"},
        "lineItems": [
            {
                "lineItemId": "10043519827901",
                "sku": "MUG-01",
                "title": "Kaffeebecher Steingut 350 ml",
                "quantity": 2,
                "lineItemCost": {"value": "25.80", "currency": "EUR"},
                "deliveryCost": {"shippingCost": {"value": "4.90", "currency": "EUR"}},
            }
        ],
        "fulfillmentStartInstructions": [
            {
                "shippingStep": {
                    "shippingServiceCode": "DE_DHLPaket",
                    "shipTo": {
                        "fullName": "Erika Mustermann",
                        "contactAddress": {"addressLine1": "Heidestraße 17", "city": "Köln", "postalCode": "51147",
                                           "countryCode": "DE"},
                    },
                }
            }
        ],
    }  # fmt: skip
    body.update(changes)
    return body


@pytest.fixture
def sim_factory():
    """``sim_factory(**create_app_options)`` → a running :class:`Sim`; all are stopped after the test."""
    with ExitStack() as stack:

        def start(**options) -> Sim:
            app = create_app(**{"start": START, **options})
            url = stack.enter_context(serving(app))
            return Sim(app, url, stack.enter_context(httpx.Client(base_url=url)))

        yield start


@pytest.fixture
def sim(sim_factory):
    return sim_factory()
