from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from orderpilot.sandbox.ebay.app import EbaySimulator, create_app
from orderpilot.sandbox.ebay.auth import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, DEFAULT_REFRESH_TOKEN
from orderpilot.sandbox.ebay.control import serving

FIXTURES = Path(__file__).parent / "fixtures"


def fixture(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text())


@dataclass
class RunningSim:
    app: EbaySimulator
    url: str
    control: httpx.Client

    def add_order(self, body: dict) -> dict:
        response = self.control.post("/_sim/orders", json=body)
        assert response.status_code == 201, response.text
        return response.json()

    def fulfillments(self) -> list[dict]:
        return self.control.get("/_sim/fulfillments").json()["fulfillments"]

    def calls(self, operation: str) -> list[dict]:
        return [r for r in self.control.get("/_sim/requests").json()["requests"] if r["operation"] == operation]


@pytest.fixture
def ebay_sim():
    """The eBay simulator on the real clock (the connector's watermarks use ours), served over HTTP."""
    app = create_app()
    with serving(app) as url, httpx.Client(base_url=url) as control:
        yield RunningSim(app, url, control)


@pytest.fixture
def ebay_channel(db, ebay_sim):
    from orderpilot.channels.models import Channel

    return Channel.objects.create(
        code="ebay-de",
        kind="ebay",
        name="eBay.de",
        endpoint=ebay_sim.url,
        settings={"marketplace_id": "EBAY_DE"},
        secrets={"client_id": DEFAULT_CLIENT_ID, "client_secret": DEFAULT_CLIENT_SECRET,
                 "refresh_token": DEFAULT_REFRESH_TOKEN},  # fmt: skip
    )


@pytest.fixture(autouse=True)
def _forget_cached_tokens():
    """Each test starts a new simulator; access tokens cached for an earlier one must not leak in."""
    from orderpilot.channels.ebay import gateway

    gateway._tokens.clear()
    yield
    gateway._tokens.clear()


def ebay_order(**changes) -> dict:
    """The fixture order (a Sell Fulfillment ``Order``), fresh timestamps left to the simulator."""
    body = copy.deepcopy(fixture("order_de.json"))
    for key in ("creationDate", "lastModifiedDate"):
        body.pop(key)
    for item in body["lineItems"]:
        item.pop("lineItemFulfillmentInstructions", None)
    body.update(changes)
    return body
