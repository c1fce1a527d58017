"""Fixtures for the Amazon simulator tests: a real server on a free port, tokens, the official models."""

from __future__ import annotations

import base64
import copy
import datetime as dt
import functools
import hashlib
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from jsonschema import Draft4Validator
from werkzeug.serving import make_server

from orderpilot.sandbox.amazon.app import Simulator, create_app
from orderpilot.sandbox.amazon.auth import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, DEFAULT_REFRESH_TOKEN

from .uploads_model import UPLOADS_MODEL

T0 = dt.datetime(2026, 11, 28, 12, 0, tzinfo=dt.UTC)
DE = "A1PA6795UKMFR9"
UK = "A1F83G8C2ARO7P"
US = "ATVPDKIKX0DER"
MODEL_NAMES = (
    "ordersV0",
    "orders_2026-01-01",
    "tokens_2021-03-01",
    "reports_2021-06-30",
    "feeds_2021-06-30",
    "solicitations",
    "messaging",
)


@dataclass
class SimServer:
    """A running simulator, an HTTP client for it, and shortcuts for the usual steps."""

    app: Simulator
    base_url: str
    client: httpx.Client

    def token(self) -> str:
        response = self.client.post(
            "/auth/o2/token",
            data={
                "grant_type": "refresh_token",
                "refresh_token": DEFAULT_REFRESH_TOKEN,
                "client_id": DEFAULT_CLIENT_ID,
                "client_secret": DEFAULT_CLIENT_SECRET,
            },
        )
        assert response.status_code == 200, response.text
        return response.json()["access_token"]

    def auth(self, token: str | None = None) -> dict[str, str]:
        return {"x-amz-access-token": token or self.token()}

    def advance(self, duration: str) -> None:
        response = self.client.post("/_sim/clock", json={"advance": duration})
        assert response.status_code == 200, response.text

    def post_order(self, body: dict[str, Any]) -> dict[str, Any]:
        response = self.client.post("/_sim/orders", json=body)
        assert response.status_code in (200, 201), response.text
        return response.json()

    def upload(
        self, headers: dict[str, str], content: bytes, *, resource: str, marketplace: str = DE
    ) -> str:
        """Create an Uploads API destination for ``resource``, put ``content`` there; its id."""
        digest = base64.b64encode(hashlib.md5(content, usedforsecurity=False).digest()).decode()
        created = self.client.post(
            f"/uploads/2020-11-01/uploadDestinations/{resource}",
            params={"marketplaceIds": marketplace, "contentMD5": digest, "contentType": "application/pdf"},
            headers=headers,
        )
        assert created.status_code == 201, created.text
        destination = created.json()["payload"]
        put = self.client.put(
            destination["url"], content=content, headers={**destination["headers"], "Content-Type": "application/pdf"}
        )
        assert put.status_code == 200, put.text
        return destination["uploadDestinationId"]


@pytest.fixture
def start_sim() -> Iterator[Any]:
    """Start simulators with ``create_app(start=T0, seed=7, **options)``; all stop after the test."""
    running: list[tuple[Any, threading.Thread, httpx.Client]] = []

    def start(**options: Any) -> SimServer:
        options.setdefault("start", T0)
        options.setdefault("seed", 7)
        app = create_app(**options)
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
        thread.start()
        base_url = f"http://127.0.0.1:{server.server_port}"
        client = httpx.Client(base_url=base_url, timeout=15)
        running.append((server, thread, client))
        return SimServer(app, base_url, client)

    yield start
    for server, thread, client in running:
        client.close()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def sim(start_sim: Any) -> SimServer:
    return start_sim()


def _strict(node: Any) -> Any:
    """The schema with ``additionalProperties: false`` wherever properties are declared and nothing else
    is said, so that a field the simulator invents (one the model does not define) fails validation."""
    if isinstance(node, dict):
        node = {k: _strict(v) for k, v in node.items()}
        if "properties" in node and "additionalProperties" not in node:
            node["additionalProperties"] = False
        return node
    if isinstance(node, list):
        return [_strict(v) for v in node]
    return node


@functools.cache
def _load_models(directory: str) -> dict[str, dict[str, Any]]:
    models = {name: json.loads((Path(directory) / f"{name}.json").read_text()) for name in MODEL_NAMES}
    return {**models, "uploads_2020-11-01": UPLOADS_MODEL}  # not among the shared fixtures


@dataclass
class Models:
    """The official Swagger models; ``validate`` checks a response against its operation's schema."""

    raw: dict[str, dict[str, Any]]
    seen: set[tuple[str, int]] = field(default_factory=set)

    def operation(self, key: str) -> tuple[dict[str, Any], dict[str, Any]]:
        api, operation_id = key.split(".", 1)
        model = self.raw[api]
        for methods in model["paths"].values():
            for operation in methods.values():
                if isinstance(operation, dict) and operation.get("operationId") == operation_id:
                    return model, operation
        raise KeyError(key)

    def schema(self, key: str, status: int) -> dict[str, Any] | None:
        model, operation = self.operation(key)
        response = operation["responses"].get(str(status))
        assert response is not None, f"the model of {key} defines no {status} response"
        if "schema" not in response:
            return None
        return {**copy.deepcopy(response["schema"]), "definitions": _strict(model["definitions"])}

    def validate(self, key: str, response: httpx.Response) -> Any:
        """Validate status and body against the model; returns the parsed body (``None`` if empty)."""
        schema = self.schema(key, response.status_code)
        self.seen.add((key, response.status_code))
        if schema is None:
            assert response.content == b"", f"{key} {response.status_code} must have an empty body"
            return None
        body = response.json()
        errors = sorted(Draft4Validator(schema).iter_errors(body), key=lambda e: list(e.absolute_path))
        assert not errors, f"{key} {response.status_code}: " + "; ".join(
            f"{list(e.absolute_path)}: {e.message}" for e in errors[:5]
        )
        return body

    def definition_validator(self, api: str, name: str) -> Draft4Validator:
        definitions = _strict(self.raw[api]["definitions"])
        return Draft4Validator({"$ref": f"#/definitions/{name}", "definitions": definitions})


@pytest.fixture
def models(shared_dir: Path) -> Models:
    return Models(_load_models(str(shared_dir / "fixtures" / "sp-api-models")))


@pytest.fixture
def example(shared_dir: Path) -> Any:
    """``example("v0_getOrders_200_TEST_CASE_200.json")`` → the saved body."""

    def load(name: str) -> Any:
        return json.loads((shared_dir / "fixtures" / "sp-api-examples" / name).read_text())

    return load


def de_order(order_id: str = "302-1234567-7654321", **overrides: Any) -> dict[str, Any]:
    """A typical Amazon.de MFN order (two items, VAT-inclusive prices) as ``POST /_sim/orders`` takes it."""
    body: dict[str, Any] = {
        "AmazonOrderId": order_id,
        "PurchaseDate": "2026-11-28T10:00:00Z",
        "LastUpdateDate": "2026-11-28T10:05:00Z",
        "OrderStatus": "Unshipped",
        "FulfillmentChannel": "MFN",
        "SalesChannel": "Amazon.de",
        "ShipServiceLevel": "Std DE Dom",
        "MarketplaceId": DE,
        "ShipmentServiceLevelCategory": "Standard",
        "OrderType": "StandardOrder",
        "PaymentMethod": "Other",
        "PaymentMethodDetails": ["Standard"],
        "EarliestShipDate": "2026-11-28T10:00:00Z",
        "LatestShipDate": "2026-11-30T23:59:59Z",
        "EarliestDeliveryDate": "2026-12-01T00:00:00Z",
        "LatestDeliveryDate": "2026-12-03T23:59:59Z",
        "IsBusinessOrder": False,
        "IsPrime": False,
        "IsReplacementOrder": False,
        "OrderItems": [
            {
                "ASIN": "B0SIMMUG01",
                "SellerSKU": "MUG-01",
                "OrderItemId": "11111111111111",
                "Title": "Kaffeebecher „Morgenmuffel“",
                "QuantityOrdered": 2,
                "ItemPrice": {"CurrencyCode": "EUR", "Amount": "25.80"},
                "ItemTax": {"CurrencyCode": "EUR", "Amount": "4.12"},
                "ShippingPrice": {"CurrencyCode": "EUR", "Amount": "3.99"},
                "ShippingTax": {"CurrencyCode": "EUR", "Amount": "0.64"},
                "IsGift": "false",
                "ConditionId": "New",
                "ConditionSubtypeId": "New",
            },
            {
                "ASIN": "B0SIMLAMP2",
                "SellerSKU": "LAMP-02",
                "OrderItemId": "22222222222222",
                "Title": "Stehlampe Nordlicht",
                "QuantityOrdered": 1,
                "ItemPrice": {"CurrencyCode": "EUR", "Amount": "89.00"},
                "ItemTax": {"CurrencyCode": "EUR", "Amount": "14.21"},
                "IsGift": "false",
                "ConditionId": "New",
                "ConditionSubtypeId": "New",
            },
        ],
        "ShippingAddress": {
            "Name": "Jürgen Müller",
            "AddressLine1": "Königsallee 14",
            "City": "Düsseldorf",
            "StateOrRegion": "Nordrhein-Westfalen",
            "PostalCode": "40212",
            "CountryCode": "DE",
            "Phone": "+49 171 1234567",
            "AddressType": "Residential",
        },
        "BuyerInfo": {"BuyerEmail": "k3x9q2m8w1z7abc@marketplace.amazon.de", "BuyerName": "Jürgen Müller"},
    }
    body.update(overrides)
    return body
