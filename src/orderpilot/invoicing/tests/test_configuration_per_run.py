"""Invoicing reads the company and invoicing settings once per job run; the next run sees changes."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from orderpilot.core.models import SystemSetting
from orderpilot.core.runcache import job_run
from orderpilot.invoicing.settings import InvoiceTemplate, store_invoice_template
from orderpilot.orders.engine import advance_due_orders
from orderpilot.orders.models import OrderLine, SalesOrder
from orderpilot.shipping.models import Shipment, ShipmentLine, Shipper

from .conftest import COMPANY, issue

pytestmark = pytest.mark.django_db


def _due(order):
    SalesOrder.objects.filter(pk=order.pk).update(next_step_at=timezone.now())
    return order


def test_company_and_number_pattern_changed_between_two_runs_are_used_by_the_next_run(
    company, shop, order_factory
):
    # given an order invoiced by one run
    first = _due(order_factory(shop))
    advance_due_orders()
    # when the company moves and the invoice numbers get a new pattern before the next run
    SystemSetting.objects.filter(key="company").update(value={**COMPANY, "street": "Neue Str. 2"})
    SystemSetting.objects.create(key="invoicing", value={"number_pattern": "R{year}-{seq:04}"})
    second = _due(order_factory(shop))
    advance_due_orders()
    # then the next run's invoice has them (the counter of the year goes on); the first keeps its snapshot
    (old,), (new,) = first.invoices.all(), second.invoices.all()
    year = timezone.now().year
    assert (old.number, old.seller["street"]) == (f"RE-{year}-000001", "Hauptstr. 1")
    assert (new.number, new.seller["street"]) == (f"R{year}-0002", "Neue Str. 2")


def test_a_batch_reads_the_settings_once_whatever_its_size(company, shop, order_factory):
    for _ in range(5):
        _due(order_factory(shop))
    with CaptureQueriesContext(connection) as queries:
        assert advance_due_orders() == 5
    settings_reads = [q for q in queries.captured_queries if 'FROM "core_systemsetting"' in q["sql"]]
    # company, invoicing, invoice_template (notifications only if a ticket or email needed it)
    assert len(settings_reads) == 3
    assert set(SalesOrder.objects.values_list("status", flat=True)) == {"invoiced"}


def test_an_invoice_template_stored_during_a_run_is_used_from_then_on(company, shop, order_factory):
    with job_run():
        (before,) = issue(order_factory(shop))
        store_invoice_template(InvoiceTemplate(accent_colour="#AA0000"))
        (after,) = issue(order_factory(shop))
    assert (before.layout["accent_colour"], after.layout["accent_colour"]) == ("#1F4E79", "#AA0000")


def test_deliveries_invoiced_one_by_one_take_their_exact_share(company, shop, order_factory):
    # given three lamps for 100.00 (after a discount), shipped one by one in three deliveries
    order = order_factory(shop, lines=(("LAMP-02", "Lampe", 3, "33.34", "19"),), shipping="0.00")
    OrderLine.objects.filter(order=order).update(discount=Decimal("0.02"))
    line = order.lines.get()
    shipper = Shipper.objects.create(code="warehouse", kind="in_house")
    shipments = []
    for n in range(3):
        shipment = Shipment.objects.create(
            number=f"LS-2026-00000{n + 1}", order=order, shipper=shipper, status="transmitted"
        )
        ShipmentLine.objects.create(shipment=shipment, order_line=line, quantity=1)
        shipments.append(shipment)
    # when each delivery is confirmed and invoiced on its own (earlier ones were billed in earlier runs)
    grosses = []
    for n, shipment in enumerate(shipments):
        Shipment.objects.filter(pk=shipment.pk).update(
            status="confirmed", confirmed_at=dt.datetime(2026, 11, 20 + n, tzinfo=dt.UTC)
        )
        with job_run():
            (invoice,) = issue(order)
        grosses.append(invoice.gross_total)
    # then each takes its share after the earlier ones, and together they are the line exactly
    assert grosses == [Decimal("33.33"), Decimal("33.34"), Decimal("33.33")]
    assert sum(grosses) == Decimal("100.00")
