"""Routing reads shippers, their stock and the products once per job run; the next run sees changes."""

import pytest
from django.utils import timezone

from orderpilot.catalog.models import Product
from orderpilot.core.jobs import run_job
from orderpilot.core.runcache import job_run
from orderpilot.orders.engine import advance_due_orders
from orderpilot.shipping.models import Shipper, ShipperStock
from orderpilot.shipping.services import active_shippers, update_shipper_stock

from .conftest import make_order as make_released_order

pytestmark = pytest.mark.django_db


def make_order(channel, **fields):
    """A released order, due for routing now."""
    return make_released_order(channel, next_step_at=timezone.now(), **fields)


def _shipper_of(order) -> str:
    order.refresh_from_db()
    return order.shipments.get().shipper.code


def test_a_shipper_changed_between_two_runs_is_used_by_the_next_run(channel, products, warehouse, folder_shipper):
    # given the warehouse is the cheapest and takes the first order
    first = make_order(channel)
    run_job("advance_orders")
    assert _shipper_of(first) == "warehouse"
    # when it stops shipping to Germany before the next run
    Shipper.objects.filter(code="warehouse").update(countries=["AT"])
    second = make_order(channel)
    run_job("advance_orders")
    # then the next run routes to the 3PL
    assert _shipper_of(second) == "folder-3pl"
    reasons = {c["shipper"]: c["reasons"] for c in second.shipments.get().decision["considered"]}
    assert reasons["warehouse"] == ["does not ship to DE"]


def test_product_dimensions_changed_between_two_runs_are_used_by_the_next_run(
    channel, products, warehouse, folder_shipper
):
    # given a warehouse for parcels up to 2 kg, and a mug of 450 g
    Shipper.objects.filter(code="warehouse").update(max_weight_g=2000)
    first = make_order(channel)
    advance_due_orders()
    assert _shipper_of(first) == "warehouse"
    # when the mug turns out to weigh 2.5 kg
    Product.objects.filter(sku="MUG-01").update(weight_g=2500)
    second = make_order(channel)
    advance_due_orders()
    # then
    assert _shipper_of(second) == "folder-3pl"
    assert second.shipments.get().weight_g == 2500


def test_a_stock_feed_arriving_during_a_run_is_seen_by_the_rest_of_the_run(channel, products, folder_shipper):
    warehouse = Shipper.objects.create(code="warehouse", kind="in_house", priority=1, stock={"mode": "feed"})
    ShipperStock.objects.create(shipper=warehouse, sku="MUG-01", quantity=0, updated_at="2026-01-01T00:00:00Z")
    with job_run():
        (stock_before,) = [spec.stock for shipper, spec in active_shippers() if shipper.code == "warehouse"]
        update_shipper_stock(warehouse, {"MUG-01": 5}, source="test")
        (stock_after,) = [spec.stock for shipper, spec in active_shippers() if shipper.code == "warehouse"]
    assert stock_before == {"mode": "table", "skus": {"MUG-01": 0}}
    assert stock_after == {"mode": "table", "skus": {"MUG-01": 5}}


def test_an_unknown_product_weighs_nothing_and_still_ships(channel, products, warehouse):
    # the routing step itself does not hold for an unknown SKU (the review step's rule does)
    order = make_order(channel, lines=(("NOPE-1", 1), ("MUG-01", 2)))
    advance_due_orders()
    order.refresh_from_db()
    assert order.shipments.get().weight_g == 900
