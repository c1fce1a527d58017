import datetime as dt
import json
from decimal import Decimal

import pytest

from orderpilot.channels.amazon.carriers import amazon_carrier
from orderpilot.channels.amazon.mapping import format_time, order_from_v2026


@pytest.fixture
def examples(shared_dir):
    return shared_dir / "fixtures" / "sp-api-examples"


def test_get_order_example_maps_to_a_channel_order(examples):
    # given Amazon's own example of a v2026 getOrder response
    raw = json.loads((examples / "v2026_getOrder_200.json").read_text())["order"]
    # when
    order = order_from_v2026(raw)
    # then
    assert order.external_id == "171-9876543-2109876"
    assert order.marketplace_status == "UNSHIPPED"
    assert (order.awaiting_marketplace, order.cancelled) == (False, False)
    assert order.ordered_at == dt.datetime(2024, 12, 24, 20, 30, tzinfo=dt.UTC)
    assert order.updated_at == dt.datetime(2024, 12, 25, 8, 15, tzinfo=dt.UTC)
    assert (order.currency, order.total_gross) == ("BRL", Decimal("299.90"))
    assert order.ship_by == dt.datetime(2024, 12, 27, 23, 59, 59, tzinfo=dt.UTC)
    assert order.service_level == "standard"
    assert order.gift_message == "Feliz Natal! Espero que goste do seu novo alto-falante inteligente!"
    assert order.buyer.email == "buyer-email@marketplace.amazon.com.br"
    assert order.shipping_address.street == "Rua das Flores, 123"
    assert order.shipping_address.address2 == "Apartamento 45"
    assert (order.shipping_address.postal_code, order.shipping_address.country) == ("01234-567", "BR")
    [line] = order.lines
    assert (line.external_line_id, line.sku, line.quantity, line.unit_price) == (
        "17198765432109", "ECHO-DOT-4-BR-PRETO", 1, Decimal("299.90"),
    )
    assert order.raw is raw


@pytest.mark.parametrize("name", ["v2026_searchOrders_200_UK_paginated.json", "v2026_searchOrders_200_JP.json"])
def test_search_orders_examples_map_every_order(examples, name):
    body = json.loads((examples / name).read_text())
    orders = [order_from_v2026(raw) for raw in body["orders"]]
    assert [o.external_id for o in orders] == [raw["orderId"] for raw in body["orders"]]
    assert all(o.lines and all(line.quantity > 0 for line in o.lines) for o in orders)


def _order(**changes):
    raw = {
        "orderId": "028-1234567-1234567",
        "createdTime": "2026-11-27T10:00:00Z",
        "lastUpdatedTime": "2026-11-27T10:05:00Z",
        "salesChannel": {"channelName": "AMAZON", "marketplaceId": "A1PA6795UKMFR9"},
        "fulfillment": {"fulfillmentStatus": "UNSHIPPED", "fulfillmentServiceLevel": "NEXT_DAY"},
        "orderItems": [
            {
                "orderItemId": "111",
                "quantityOrdered": 2,
                "product": {"sellerSku": "MUG-01", "price": {"unitPrice": {"amount": "11.90", "currencyCode": "EUR"}}},
                "proceeds": {
                    "breakdowns": [
                        {"type": "ITEM", "subtotal": {"amount": "23.80", "currencyCode": "EUR"}},
                        {"type": "TAX", "subtotal": {"amount": "3.80", "currencyCode": "EUR"}},
                        {"type": "SHIPPING", "subtotal": {"amount": "4.90", "currencyCode": "EUR"}},
                    ]
                },
            }
        ],
    }
    raw.update(changes)
    return raw


def test_pending_orders_wait_cancelled_orders_stop_and_express_is_recognised():
    assert order_from_v2026(_order(fulfillment={"fulfillmentStatus": "PENDING"})).awaiting_marketplace is True
    assert order_from_v2026(_order(fulfillment={"fulfillmentStatus": "CANCELLED"})).cancelled is True
    order = order_from_v2026(_order())
    assert order.service_level == "express"
    assert order.language == "de"
    # no grand total given: lines plus shipping
    assert (order.total_gross, order.shipping_gross) == (Decimal("28.70"), Decimal("4.90"))
    # 3.80 tax on 23.80 gross is 19 %
    assert order.lines[0].tax_rate == Decimal("19")


def test_business_replacement_cancellation_request_and_invoice_by_amazon():
    item = _order()["orderItems"][0] | {"cancellation": {"cancellationRequest": {"requester": "BUYER"}}}
    order = order_from_v2026(
        _order(
            programs=["AMAZON_BUSINESS", "INVOICE_BY_AMAZON"],
            associatedOrders=[{"orderId": "028-0000000-0000000", "associationType": "REPLACEMENT_ORIGINAL_ID"}],
            orderItems=[item],
        )
    )
    assert (order.is_business, order.is_replacement, order.cancellation_requested) == (True, True, True)
    assert order.buyer.never_merge is True


def test_company_in_first_address_line_moves_the_street_up():
    order = order_from_v2026(
        _order(
            recipient={
                "deliveryAddress": {
                    "name": "Max Muster",
                    "companyName": "Muster GmbH",
                    "addressLine1": "Muster GmbH",
                    "addressLine2": "Hauptstr. 5",
                    "postalCode": "94032",
                    "city": "Passau",
                    "countryCode": "DE",
                }
            }
        )
    )
    assert (order.shipping_address.company, order.shipping_address.street) == ("Muster GmbH", "Hauptstr. 5")


def test_times_go_out_as_utc_with_z():
    berlin = dt.timezone(dt.timedelta(hours=1))
    assert format_time(dt.datetime(2026, 11, 27, 9, 0, 5, 123, tzinfo=berlin)) == "2026-11-27T08:00:05Z"


@pytest.mark.parametrize(
    ("carrier", "expected"),
    [("DHL", ("DHL", None)), ("dpd", ("DPD", None)), ("Hermes", ("Hermes Logistik Gruppe", None)),
     ("Deutsche Post", ("Deutsche Post", None)), ("Spedition Huber", ("Other", "Spedition Huber")),
     ("", ("Other", "Unknown"))],
)
def test_carrier_codes(carrier, expected):
    assert amazon_carrier(carrier) == expected
