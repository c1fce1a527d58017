"""The selection matrix: weight, dimensions, express, stock and price decide the shipper."""

from __future__ import annotations

import pytest

from orderpilot.shipping.models import Shipper, ShipperStock
from orderpilot.shipping.selection import Item, Request, ShipperSpec, choose_shipper

from .conftest import route

MUG = Item(sku="MUG-01", quantity=1, weight_g=450, length_mm=120, width_mm=100, height_mm=100)
LAMP = Item(sku="LAMP-02", quantity=1, weight_g=6200, length_mm=1400, width_mm=300, height_mm=300)
HEAVY = Item(sku="ANVIL-09", quantity=1, weight_g=40_000, length_mm=300, width_mm=200, height_mm=200)

WAREHOUSE = ShipperSpec(
    code="warehouse", priority=10, services=("standard", "express"), max_weight_g=10_000, max_length_mm=600,
    price_table=({"up_to_g": 10_000, "eur": "3.90"},), transit_days=1,
    stock={"mode": "table", "skus": {"MUG-01": 5, "LAMP-02": 5}},
)
PARCEL_3PL = ShipperSpec(
    code="parcel-3pl", priority=20, services=("standard", "cod"), max_weight_g=31_500, max_length_mm=2000,
    max_girth_mm=3000, price_table=({"up_to_g": 2000, "eur": "4.50"}, {"up_to_g": 31_500, "eur": "9.90"}),
    transit_days=2,
)
FREIGHT = ShipperSpec(
    code="freight", priority=30, services=("standard", "express"),
    price_table=({"up_to_g": 1_000_000, "eur": "59.00"},), transit_days=3,
)
EXPRESS_3PL = ShipperSpec(
    code="express-3pl", priority=40, services=("standard", "express"), max_weight_g=31_500,
    price_table=({"up_to_g": 31_500, "eur": "3.90"},), transit_days=1,
)
ALL = [WAREHOUSE, PARCEL_3PL, FREIGHT]


@pytest.mark.parametrize(
    ("case", "request_", "shippers", "chosen"),
    [
        ("light mug: the warehouse is cheapest", Request(items=(MUG,), country="DE"), ALL, "warehouse"),
        ("two mugs and cod: only the 3PL offers cod", Request(items=(MUG, MUG), country="DE", cash_on_delivery=True),
         ALL, "parcel-3pl"),
        ("lamp is 1400 mm long: too long for the warehouse", Request(items=(LAMP,), country="DE"), ALL, "parcel-3pl"),
        ("40 kg: only freight carries it", Request(items=(HEAVY,), country="DE"), ALL, "freight"),
        ("express lamp: the 3PL has no express, freight does", Request(items=(LAMP,), country="DE", service="express"),
         ALL, "freight"),
        ("express mug: warehouse", Request(items=(MUG,), country="DE", service="express"), ALL, "warehouse"),
        ("equal price 3.90: the faster one, then priority", Request(items=(MUG,), country="DE"),
         [WAREHOUSE, EXPRESS_3PL], "warehouse"),
        ("warehouse lacks the SKU in its stock table", Request(items=(Item(sku="TEE-03", quantity=1, weight_g=200),),
                                                               country="DE"), ALL, "parcel-3pl"),
        ("six mugs, warehouse has five", Request(items=(Item("MUG-01", 6, 450, 120, 100, 100),), country="DE"), ALL,
         "parcel-3pl"),
        ("nobody fits", Request(items=(HEAVY,), country="DE", cash_on_delivery=True), ALL, None),
    ],
)
def test_selection_table(case, request_, shippers, chosen):
    # when
    decision = choose_shipper(request_, shippers)

    # then
    assert decision.chosen == chosen, case
    assert [c.shipper for c in decision.considered] == [s.code for s in shippers]
    assert sum(c.eligible for c in decision.considered) >= (1 if chosen else 0)


def test_decision_gives_every_shipper_and_its_reasons():
    # when
    decision = choose_shipper(Request(items=(LAMP,), country="DE", service="express"), ALL)

    # then
    assert decision.as_dict() == {
        "chosen": "freight",
        "weight_g": 6200,
        "considered": [
            {"shipper": "warehouse", "eligible": False, "price": "3.90", "transit_days": 1,
             "reasons": ["LAMP-02: length 1400 mm above its limit of 600 mm"]},
            {"shipper": "parcel-3pl", "eligible": False, "price": "9.90", "transit_days": 2,
             "reasons": ["does not offer express"]},
            {"shipper": "freight", "eligible": True, "price": "59.00", "transit_days": 3,
             "reasons": ["can take the whole shipment", "chosen: cheapest, then fastest, then priority"]},
        ],
    }


@pytest.mark.django_db
def test_warehouse_without_the_sku_in_its_stock_table_routes_to_the_3pl(order_factory, folder_shipper):
    # given: the in-house warehouse holds mugs but no lamps; the 3PL has everything
    Shipper.objects.create(code="warehouse", kind="in_house", services=["standard"], priority=1,
                           price_table=[{"up_to_g": 31500, "eur": "1.00"}],
                           stock={"mode": "table", "skus": {"MUG-01": 10}})
    mug_order = order_factory(lines=(("MUG-01", 2),))
    mixed_order = order_factory(lines=(("MUG-01", 1), ("LAMP-02", 1)))

    # when
    mug_shipment = route(mug_order)
    mixed_shipment = route(mixed_order)

    # then
    assert mug_shipment.shipper.code == "warehouse"
    assert mixed_shipment.shipper.code == "folder-3pl"
    reasons = {c["shipper"]: c["reasons"] for c in mixed_shipment.decision["considered"]}
    assert reasons["warehouse"] == ["LAMP-02: 0 in stock, 1 needed"]
    event = mixed_order.events.get(kind="delivery_note_created")
    assert event.data["decision"]["chosen"] == "folder-3pl"


@pytest.mark.django_db
def test_stock_feed_table_decides_like_a_configured_table(order_factory, folder_shipper):
    # given: a warehouse whose stock comes from its own feed
    warehouse = Shipper.objects.create(code="warehouse", kind="in_house", priority=1,
                                       price_table=[{"up_to_g": 31500, "eur": "1.00"}], stock={"mode": "feed"})
    ShipperStock.objects.create(shipper=warehouse, sku="MUG-01", quantity=1, updated_at="2026-01-01T00:00:00Z")

    # when
    first = route(order_factory(lines=(("MUG-01", 1),)))
    second = route(order_factory(lines=(("MUG-01", 2),)))

    # then
    assert first.shipper.code == "warehouse"
    assert second.shipper.code == "folder-3pl"


@pytest.mark.django_db
def test_no_shipper_holds_the_order_with_every_reason(order_factory, warehouse):
    # given: only the warehouse, which has no cod
    order = order_factory(cash_on_delivery=True)

    # when
    shipment = route(order)

    # then
    order.refresh_from_db()
    assert shipment is None
    assert order.status == "on_hold"
    reason = order.hold_reasons.get()
    assert (reason.code, reason.evidence) == ("no_shipper", {"considered": "warehouse: does not offer cod"})
