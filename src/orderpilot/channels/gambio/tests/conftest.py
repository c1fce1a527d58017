from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from orderpilot.sandbox.ebay.control import serving
from orderpilot.sandbox.gambio.app import GambioSimulator, create_app
from orderpilot.sandbox.gambio.errors import DEFAULT_PASSWORD, DEFAULT_USERNAME

FIXTURES = Path(__file__).parent / "fixtures"


def fixture(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text())


@dataclass
class RunningShop:
    app: GambioSimulator
    url: str
    control: httpx.Client

    def add_order(self, body: dict) -> dict:
        response = self.control.post("/_sim/orders", json=body)
        assert response.status_code == 201, response.text
        return response.json()

    def set_status(self, order_id: int, status_id: int, comment: str = "") -> None:
        body = {"statusId": status_id, "comment": comment}
        response = self.control.post(f"/_sim/orders/{order_id}/status", json=body)
        assert response.status_code == 200, response.text

    def updates(self) -> list[dict]:
        return self.control.get("/_sim/status-updates").json()["updates"]

    def calls(self, operation: str) -> list[dict]:
        return [r for r in self.control.get("/_sim/requests").json()["requests"] if r["operation"] == operation]


@pytest.fixture
def shop():
    """The Gambio simulator on the real clock (the connector's watermarks use ours), served over HTTP."""
    app = create_app()
    with serving(app) as url, httpx.Client(base_url=url) as control:
        yield RunningShop(app, url, control)


@pytest.fixture
def gambio_channel(db, shop):
    from orderpilot.channels.models import Channel

    return Channel.objects.create(
        code="shop-de",
        kind="gambio",
        name="Muster-Shop",
        endpoint=shop.url,
        settings={"timezone": "Europe/Berlin"},
        secrets={"username": DEFAULT_USERNAME, "password": DEFAULT_PASSWORD},
    )


def gambio_order(**changes) -> dict:
    """The fixture order without its id and dates (the simulator assigns them), with ``changes`` applied."""
    body = copy.deepcopy(fixture("order_cod.json"))
    for key in ("id", "purchaseDate", "statusHistory"):
        body.pop(key)
    body.update(changes)
    return body


@pytest.fixture
def cod_shippers(db):
    """A cheap shipper without cash on delivery and a dearer one with it."""
    from orderpilot.shipping.models import Shipper

    cheap = Shipper.objects.create(code="cheap", kind="in_house", carrier="Hermes", services=["standard"],
                                   price_table=[{"up_to_g": 31500, "eur": "3.90"}])  # fmt: skip
    cod = Shipper.objects.create(code="dhl-cod", kind="in_house", carrier="DHL", services=["standard", "cod"],
                                 price_table=[{"up_to_g": 31500, "eur": "6.90"}])  # fmt: skip
    return cheap, cod
