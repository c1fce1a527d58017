"""The engine reads configuration once per batch (job run), and the next run sees what changed."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from orderpilot.catalog.models import Product
from orderpilot.channels.base import ChannelLine
from orderpilot.channels.services import import_order
from orderpilot.core.jobs import run_job
from orderpilot.orders.engine import advance_due_orders
from orderpilot.orders.models import HoldRule, SalesOrder

pytestmark = pytest.mark.django_db


def _status(external_id: str) -> str:
    return SalesOrder.objects.get(external_id=external_id).status


def _line(sku: str) -> tuple[ChannelLine, ...]:
    return (ChannelLine(external_line_id="1", sku=sku, quantity=1, unit_price=19),)


def test_a_hold_rule_added_between_two_runs_holds_in_the_next_run(
    channel, products, warehouse, channel_order_factory
):
    # given an order with a buyer note released by a run without any rule
    import_order(channel, channel_order_factory("N-1", buyer_note="Bitte klingeln"))
    run_job("advance_orders")
    assert _status("N-1") == "released"
    # when a rule for buyer notes is configured and the next order with a note arrives
    HoldRule.objects.create(code="note", when="buyer_note")
    import_order(channel, channel_order_factory("N-2", buyer_note="Bitte klingeln"))
    run_job("advance_orders")
    # then the next run holds it (and routes the first, released before the rule existed)
    assert (_status("N-1"), _status("N-2")) == ("transmitted", "on_hold")
    # and a rule switched off between runs no longer holds
    HoldRule.objects.filter(code="note").update(active=False)
    import_order(channel, channel_order_factory("N-3", buyer_note="Bitte klingeln"))
    run_job("advance_orders")
    assert _status("N-3") == "released"


def test_an_order_whose_product_is_unknown_still_holds_next_to_known_ones_in_the_same_run(
    channel, products, warehouse, channel_order_factory
):
    # given an unknown-SKU rule, and in one batch orders of a known, an unknown and an inactive product
    HoldRule.objects.create(code="unknown", when="unknown_sku")
    Product.objects.create(sku="OLD-01", active=False)
    import_order(channel, channel_order_factory("K-1"))
    import_order(channel, channel_order_factory("U-1", lines=_line("NOPE-1")))
    import_order(channel, channel_order_factory("K-2"))
    import_order(channel, channel_order_factory("U-2", lines=_line("NOPE-1")))
    import_order(channel, channel_order_factory("I-1", lines=_line("OLD-01")))
    # when one run reviews them all
    assert advance_due_orders() == 5
    # then every order with the unknown SKU is held, not only the first, and an inactive product is unknown
    assert {o.external_id: o.status for o in SalesOrder.objects.all()} == {
        "K-1": "released", "U-1": "on_hold", "K-2": "released", "U-2": "on_hold", "I-1": "on_hold",
    }
    hold = SalesOrder.objects.get(external_id="U-2").hold_reasons.get()
    assert (hold.code, hold.evidence) == ("unknown_sku", {"skus": ["NOPE-1"]})
    # when the product is created before the next run
    Product.objects.create(sku="NOPE-1", weight_g=300)
    import_order(channel, channel_order_factory("U-3", lines=_line("NOPE-1")))
    advance_due_orders()
    # then the next run knows it
    assert _status("U-3") == "released"


def test_a_batch_reads_rules_products_and_shippers_once_whatever_its_size(
    channel, products, warehouse, folder_shipper, channel_order_factory
):
    # given six orders to review, with hold rules
    HoldRule.objects.create(code="note", when="buyer_note")
    HoldRule.objects.create(code="unknown", when="unknown_sku")
    for n in range(6):
        import_order(channel, channel_order_factory(f"B-{n}"))

    def tables_read(run) -> dict[str, int]:
        with CaptureQueriesContext(connection) as queries:
            run()
        reads = [q["sql"] for q in queries.captured_queries if q["sql"].lstrip().upper().startswith("SELECT")]
        return {
            table: sum(f'FROM "{table}"' in sql for sql in reads)
            for table in ("orders_holdrule", "catalog_product", "shipping_shipper", "orders_orderline",
                          "customers_customer", "core_systemsetting")
        }

    # when one batch reviews them, then another routes them
    reviewed = tables_read(advance_due_orders)
    routed = tables_read(advance_due_orders)
    # then each batch read each kind of configuration once (the lines in one query), not once per order;
    # the company settings are for the order confirmation emails
    assert reviewed == {"orders_holdrule": 1, "catalog_product": 1, "shipping_shipper": 0, "orders_orderline": 1,
                        "customers_customer": 0, "core_systemsetting": 1}
    assert routed == {"orders_holdrule": 0, "catalog_product": 1, "shipping_shipper": 1, "orders_orderline": 1,
                      "customers_customer": 0, "core_systemsetting": 0}
    assert set(SalesOrder.objects.values_list("status", flat=True)) == {"transmitted"}
