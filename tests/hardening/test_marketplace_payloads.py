"""Hostile and malformed marketplace orders: refused with a clear error and a ticket naming the
order, never stopping the other orders of the poll, never stored half, and never letting the
watermark pass an order that is neither imported nor recorded.

Decision (documented in ``channels/services.py::poll_channel``): an order that cannot be read or
stored is *recorded* (a ticket ``import:<channel>:<id>``, one while open) and the watermark moves
on; the order comes again when the marketplace reports a change to it, and its ticket closes once
it imports. Holding the watermark back instead would re-read an ever growing window for ever.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from decimal import Decimal

import pytest

from orderpilot.channels.amazon.mapping import map_orders, order_from_v2026
from orderpilot.channels.base import Buyer, ChannelLine, PostalAddress
from orderpilot.channels.models import Channel
from orderpilot.channels.services import import_order, poll_channel, poll_due_channels
from orderpilot.channels.validation import UnacceptableOrder, check_channel_order
from orderpilot.customers.models import Customer
from orderpilot.orders.models import SalesOrder
from orderpilot.tickets.models import Ticket

from .conftest import DE


def _poll(channel: Channel) -> int:
    channel.refresh_from_db()
    return poll_channel(channel)


def _item(**changes):
    item = {
        "ASIN": "B000000001",
        "SellerSKU": "MUG-01",
        "Title": "Kaffeebecher Passau",
        "QuantityOrdered": 2,
        "ItemPrice": {"CurrencyCode": "EUR", "Amount": "23.80"},
        "ItemTax": {"CurrencyCode": "EUR", "Amount": "3.80"},
    }
    item.update(changes)
    return [item]


def _open_import_tickets() -> dict[str, Ticket]:
    return {t.problem_key: t for t in Ticket.objects.filter(problem_key__startswith="import:", status="open")}


# --- through the simulator: odd data its intake accepts, and garbage put into its state -------------


@pytest.mark.django_db
def test_unreadable_orders_of_a_page_are_ticketed_and_the_others_imported(amazon_sim, amazon_channel):
    # given: good and odd orders side by side in one page
    good = amazon_sim.add_order()
    long_title = amazon_sim.add_order(OrderItems=_item(Title="Becher " * 8000))
    odd_service = amazon_sim.add_order(ShipmentServiceLevelCategory="Teleportation")
    bad = {
        amazon_sim.add_order(
            OrderTotal={"CurrencyCode": "EUR", "Amount": "NaN"},
            OrderItems=_item(ItemPrice={"CurrencyCode": "EUR", "Amount": "NaN"}),
        ): "not a finite decimal",
        amazon_sim.add_order(OrderItems=_item(SellerSKU={"$where": "1"})): "sku must be text",
        amazon_sim.add_order(OrderItems=_item(QuantityOrdered=10**12)): "quantity",
        amazon_sim.add_order(
            BuyerInfo={"BuyerEmail": "a@marketplace.amazon.de", "BuyerName": "Jürgen " * 20000}
        ): "buyer.name has 140000 characters",
        amazon_sim.add_order(
            BuyerInfo={"BuyerEmail": "b@marketplace.amazon.de", "BuyerName": "Erika\u0000Mustermann"}
        ): "NUL",
        amazon_sim.add_order(
            ShippingAddress={"Name": "A B", "AddressLine1": "Hauptstr. 5", "City": "Passau",
                             "PostalCode": "94032", "CountryCode": "Deutschland"}
        ): "not a two-letter country code",
        amazon_sim.add_order(AmazonOrderId="028-" + "9" * 120): "the order id",
    }
    garbage = amazon_sim.add_order()
    amazon_sim.app.state.orders[garbage].order["PurchaseDate"] = "yesterday at noon"
    bad[garbage] = "'yesterday at noon' is not an ISO-8601 time"

    # when
    imported = _poll(amazon_channel)

    # then: the good ones are in, with the odd parts made harmless
    assert imported == 3
    assert set(SalesOrder.objects.values_list("external_id", flat=True)) == {good, long_title, odd_service}
    assert len(SalesOrder.objects.get(external_id=long_title).lines.get().title) == 500
    assert SalesOrder.objects.get(external_id=odd_service).service_level == "standard"
    # every bad one has one ticket naming it and saying why
    tickets = _open_import_tickets()
    assert len(tickets) == len(bad)
    for external_id, why in bad.items():
        [ticket] = [t for t in tickets.values() if external_id[:64] in t.title]
        assert ticket.title.startswith("amazon-de ")
        assert ticket.title.endswith("the order could not be imported")
        assert ticket.reason == "marketplace_error"
        assert why in ticket.body
    # nothing of a bad order was stored, not even its customer
    assert Customer.objects.count() == 3
    # the watermark moved on, as the page was read whole
    amazon_channel.refresh_from_db()
    assert amazon_channel.watermark is not None
    assert (amazon_channel.last_poll_error, amazon_channel.poll_resume) == ("", None)
    assert amazon_channel.poll_failing_since is None


@pytest.mark.django_db
def test_a_second_poll_adds_no_ticket_and_a_fixed_order_closes_its_ticket(amazon_sim, amazon_channel):
    # given: an order whose buyer name PostgreSQL could not store, polled once
    order_id = amazon_sim.add_order(
        BuyerInfo={"BuyerEmail": "c@marketplace.amazon.de", "BuyerName": "Erika\u0000Mustermann"}
    )
    _poll(amazon_channel)
    assert list(_open_import_tickets()) == [f"import:amazon-de:{order_id}"]

    # when: polled again (the overlap window reads it again)
    _poll(amazon_channel)

    # then: still one ticket
    assert Ticket.objects.filter(problem_key=f"import:amazon-de:{order_id}").count() == 1

    # when: Amazon corrects the order and reports the change
    record = amazon_sim.app.state.orders[order_id]
    record.buyer_info["BuyerName"] = "Erika Mustermann"
    record.order["LastUpdateDate"] = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    _poll(amazon_channel)

    # then: it is imported and its ticket closed
    order = SalesOrder.objects.get(external_id=order_id)
    assert order.customer.name == "Erika Mustermann"
    ticket = Ticket.objects.get(problem_key=f"import:amazon-de:{order_id}")
    assert (ticket.status, ticket.resolution) == ("closed", "the order was imported after all")


@pytest.mark.django_db
def test_a_failing_channel_does_not_stop_the_others(amazon_sim, amazon_channel, monkeypatch):
    # given: two channels on the simulator; importing into the first one hits a bug
    other = Channel.objects.create(
        code="amazon-de-2",
        kind="amazon",
        endpoint=amazon_sim.url,
        settings=amazon_channel.settings,
        secrets=amazon_channel.secrets,
    )
    amazon_sim.add_order()
    import orderpilot.channels.services as services

    real_import = services.import_order

    def import_with_a_bug(channel, incoming):
        if channel.code == "amazon-de":
            raise RuntimeError("a bug nobody foresaw")
        return real_import(channel, incoming)

    monkeypatch.setattr(services, "import_order", import_with_a_bug)

    # when
    imported = poll_due_channels()

    # then: the second channel imported its order; the first noted the failure, watermark unmoved
    assert imported == 1
    assert SalesOrder.objects.get().channel == other
    amazon_channel.refresh_from_db()
    assert amazon_channel.last_poll_error == "RuntimeError: a bug nobody foresaw"
    assert amazon_channel.watermark is None
    assert amazon_channel.poll_failing_since is not None


# --- the mapping alone: garbage never raises, each bad order is named --------------------------------


def _v2026(**changes):
    raw = {
        "orderId": "028-1234567-1234567",
        "createdTime": "2026-11-27T10:00:00Z",
        "lastUpdatedTime": "2026-11-27T10:05:00Z",
        "salesChannel": {"channelName": "AMAZON", "marketplaceId": DE},
        "fulfillment": {"fulfillmentStatus": "UNSHIPPED"},
        "orderItems": [
            {
                "orderItemId": "111",
                "quantityOrdered": 2,
                "product": {"sellerSku": "MUG-01", "price": {"unitPrice": {"amount": "11.90", "currencyCode": "EUR"}}},
            }
        ],
    }
    raw.update(changes)
    return raw


def _with_item(**changes):
    raw = _v2026()
    raw["orderItems"][0].update(changes)
    return raw


GARBAGE = [
    ("a string", "not-an-order", "not a JSON object"),
    ("null", None, "not a JSON object"),
    ("a list", [1, 2], "not a JSON object"),
    ("no id", {k: v for k, v in _v2026().items() if k != "orderId"}, "orderId is missing"),
    ("numeric id", _v2026(orderId=12345), "orderId is missing"),
    ("no createdTime", {k: v for k, v in _v2026().items() if k != "createdTime"}, "createdTime is missing"),
    ("createdTime garbage", _v2026(createdTime="soon"), "'soon' is not an ISO-8601 time"),
    ("createdTime a number", _v2026(lastUpdatedTime=1732700000), "is not an ISO-8601 time"),
    ("unknown status", _v2026(fulfillment={"fulfillmentStatus": "TELEPORTED"}),
     "unknown fulfillmentStatus 'TELEPORTED'"),
    ("fulfillment a string", _v2026(fulfillment="UNSHIPPED"), "unreadable data (AttributeError"),
    ("items a string", _v2026(orderItems="MUG-01"), "orderItems is not a list"),
    ("item a number", _v2026(orderItems=[7]), "orderItems[1] is not an object"),
    ("item without id", _with_item(orderItemId=None), "orderItems[1].orderItemId is missing"),
    ("quantity in words", _with_item(quantityOrdered="two"), "quantityOrdered 'two' is not a whole number"),
    ("quantity a fraction", _with_item(quantityOrdered=2.5), "quantityOrdered 2.5 is not a whole number"),
    ("quantity a boolean", _with_item(quantityOrdered=True), "quantityOrdered True is not a whole number"),
    ("quantity negative", _with_item(quantityOrdered=-3), "quantityOrdered -3 is not a whole number"),
    ("quantity a superscript", _with_item(quantityOrdered="²"), "is not a whole number"),
    ("price in words", _with_item(product={"price": {"unitPrice": {"amount": "cheap"}}}), "amount 'cheap'"),
    ("price infinite", _with_item(product={"price": {"unitPrice": {"amount": "-Infinity"}}}), "not a finite"),
    ("price an object", _with_item(product={"price": {"unitPrice": {"amount": {"$gt": 0}}}}), "not a decimal"),
    ("total NaN", _v2026(proceeds={"grandTotal": {"amount": "NaN", "currencyCode": "EUR"}}), "not a finite"),
    ("address a string", _v2026(recipient={"deliveryAddress": "Hauptstr. 5"}), "unreadable data"),
    ("buyer a list", _v2026(buyer=["Erika"]), "unreadable data"),
]


@pytest.mark.parametrize(("raw", "problem"), [(raw, problem) for _, raw, problem in GARBAGE],
                         ids=[name for name, _, _ in GARBAGE])
def test_a_garbage_order_is_rejected_with_its_reason_and_the_page_goes_on(raw, problem):
    # given: the garbage between two good orders
    page = [_v2026(orderId="028-0000001-0000001"), raw, _v2026(orderId="028-0000002-0000002")]

    # when
    orders, rejected = map_orders(page)

    # then
    assert [o.external_id for o in orders] == ["028-0000001-0000001", "028-0000002-0000002"]
    [rejection] = rejected
    assert problem in rejection.problem
    expected_id = raw.get("orderId") if isinstance(raw, dict) and isinstance(raw.get("orderId"), str) else ""
    assert rejection.external_id == expected_id


def test_an_order_time_without_offset_is_utc_not_the_machines_local_time():
    order = order_from_v2026(_v2026(createdTime="2026-11-27T10:00:00"))
    assert order.ordered_at == dt.datetime(2026, 11, 27, 10, 0, tzinfo=dt.UTC)


# --- what every connector's orders must satisfy before they are stored -------------------------------


HOSTILE_FIELDS = [
    ("empty id", {"external_id": ""}, "the order id must be non-empty text"),
    ("formula id", {"external_id": "=HYPERLINK(\"http://evil\")"}, "the order id"),
    ("path id", {"external_id": "../../etc/passwd"}, "the order id"),
    ("long id", {"external_id": "A" * 65}, "the order id"),
    ("naive time", {"ordered_at": dt.datetime(2026, 11, 27, 10, 0)},  # noqa: DTZ001 - the point of the test
     "ordered_at must be a time with a time zone"),
    ("currency", {"currency": "eur"}, "currency 'eur' is not an ISO 4217 code"),
    ("negative total", {"total_gross": Decimal("-1.00")}, "total_gross -1.00 is out of range"),
    ("huge total", {"total_gross": Decimal("1e13")}, "total_gross 1E+13 is out of range"),
    ("NaN total", {"total_gross": Decimal("NaN")}, "total_gross NaN is not a finite amount"),
    ("float total", {"total_gross": 19.9}, "total_gross must be a decimal amount"),
    ("unknown service", {"service_level": "warp"}, "service_level 'warp' is neither standard nor express"),
    ("huge note", {"buyer_note": "x" * 20_001}, "buyer_note has 20001 characters"),
    ("NUL in note", {"buyer_note": "a\x00b"}, "buyer_note contains a NUL character"),
    ("surrogate", {"gift_message": "\ud800"}, "gift_message is not valid Unicode"),
    ("no lines list", {"lines": "MUG-01"}, "lines must be a list"),
    ("too many lines", {"lines": tuple(
        ChannelLine(external_line_id=str(n), sku="MUG-01", quantity=1, unit_price=Decimal("1")) for n in range(1001)
    )}, "1001 lines"),
    ("zero quantity", {"lines": (ChannelLine(external_line_id="1", sku="MUG-01", quantity=0,
                                             unit_price=Decimal("1")),)}, "lines[1].quantity"),
    ("empty sku", {"lines": (ChannelLine(external_line_id="1", sku=" ", quantity=1,
                                         unit_price=Decimal("1")),)}, "lines[1].sku is empty"),
    ("tax rate 100", {"lines": (ChannelLine(external_line_id="1", sku="MUG-01", quantity=1, unit_price=Decimal("1"),
                                            tax_rate=Decimal("100")),)}, "lines[1].tax_rate 100 is not between"),
    ("long email", {"buyer": Buyer(email="a" * 250 + "@x.de")}, "buyer.email has 255 characters"),
    ("long postal code", {"shipping_address": PostalAddress(name="A", street="B 1", postal_code="1" * 17,
                                                            city="C", country="DE")},
     "shipping_address.postal_code has 17 characters"),
    ("country name", {"shipping_address": PostalAddress(name="A", street="B 1", postal_code="1", city="C",
                                                        country="GERMANY")}, "shipping_address.country"),
    ("deep payload", {"raw": {"a": json.loads("[" * 60 + "]" * 60)}}, "nested deeper than"),
    ("NUL in payload", {"raw": {"buyer": {"buyerName": "a\u0000"}}}, "the raw payload has a text that contains a NUL"),
    ("infinite in payload", {"raw": {"x": float("inf")}}, "not finite"),
    ("huge payload", {"raw": {"x": "y" * (2 * 1024 * 1024 + 1)}}, "the raw payload has 2097"),
]


@pytest.mark.parametrize(("changes", "problem"), [(c, p) for _, c, p in HOSTILE_FIELDS],
                         ids=[name for name, _, _ in HOSTILE_FIELDS])
def test_validation_names_the_bad_field(channel_order_factory, changes, problem):
    with pytest.raises(UnacceptableOrder) as refused:
        check_channel_order(dataclasses.replace(channel_order_factory(), **changes))
    assert problem in str(refused.value)


def test_a_normal_order_passes_validation(channel_order_factory):
    check_channel_order(channel_order_factory())


@pytest.mark.django_db
def test_a_refused_order_stores_nothing(channel, channel_order_factory):
    # given
    hostile = channel_order_factory(buyer=Buyer(email="x@example.com", name="Erika\x00Mustermann"))

    # when
    with pytest.raises(UnacceptableOrder):
        import_order(channel, hostile)

    # then
    assert (SalesOrder.objects.count(), Customer.objects.count()) == (0, 0)


@pytest.mark.django_db
def test_an_update_that_turns_hostile_leaves_the_stored_order_as_it_was(channel, channel_order_factory):
    # given: an order imported once
    first = channel_order_factory(external_id="SHOP-1", buyer_note="bitte klingeln")
    order = import_order(channel, first).order

    # when: its next version carries a NUL byte in the note
    later = channel_order_factory(
        external_id="SHOP-1", buyer_note="bitte\x00klingeln", updated_at=first.updated_at + dt.timedelta(minutes=1)
    )
    with pytest.raises(UnacceptableOrder):
        import_order(channel, later)

    # then
    order.refresh_from_db()
    assert order.buyer_note == "bitte klingeln"
    assert order.events.filter(kind="updated").count() == 0
