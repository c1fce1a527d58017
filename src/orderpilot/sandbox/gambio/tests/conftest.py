from __future__ import annotations

import datetime as dt
from contextlib import ExitStack
from dataclasses import dataclass

import httpx
import pytest

from orderpilot.sandbox.ebay.control import serving
from orderpilot.sandbox.gambio.app import GambioSimulator, create_app
from orderpilot.sandbox.gambio.errors import DEFAULT_PASSWORD, DEFAULT_USERNAME

START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)  # 10:00 in the shop (Europe/Berlin)


@dataclass
class Sim:
    app: GambioSimulator
    url: str
    http: httpx.Client

    def api(self, method: str, path: str, **kwargs) -> httpx.Response:
        return self.http.request(method, f"/api.php/v2{path}", auth=(DEFAULT_USERNAME, DEFAULT_PASSWORD), **kwargs)


def order_body(**changes) -> dict:
    body = {
        "paymentType": {"title": "Vorkasse", "module": "moneyorder"},
        "customer": {"number": "K10042", "email": "max@example.com", "phone": "0421 22346"},
        "addresses": {"delivery": {"gender": "m", "firstname": "Max", "lastname": "Mustermann",
                                   "street": "Testweg", "houseNumber": "123", "postcode": "28219", "city": "Bremen",
                                   "countryId": 81}},
        "items": [{"model": "MUG-01", "name": "Kaffeebecher", "quantity": 2, "price": 12.9, "tax": 19}],
    }  # fmt: skip
    body.update(changes)
    return body


@pytest.fixture
def sim_factory():
    with ExitStack() as stack:

        def start(**options) -> Sim:
            app = create_app(**{"start": START, **options})
            url = stack.enter_context(serving(app))
            return Sim(app, url, stack.enter_context(httpx.Client(base_url=url)))

        yield start


@pytest.fixture
def sim(sim_factory):
    return sim_factory()
