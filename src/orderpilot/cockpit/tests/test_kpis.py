"""KPIs: automation rate, orders per day, confirmation times, LSR, VTR, tickets, unpaid invoices; the page."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone, translation

from orderpilot.orders.models import OrderEvent
from orderpilot.tickets.models import Ticket

from ..kpis import compute_kpis
from .factories import make_channel, make_invoice, make_order, make_package, make_shipment

NOW = dt.datetime(2026, 6, 30, 12, 0, tzinfo=dt.UTC)


def _order(external_id, *, status="paid", hours_ago=48, **fields):
    return make_order(external_id, status=status, ordered_at=NOW - dt.timedelta(hours=hours_ago), **fields)


@pytest.mark.django_db
def test_automation_rate_counts_paid_orders_nobody_touched():
    # given: four paid orders: untouched, shipper-only events, touched by a person, with a ticket
    untouched = _order("A")
    OrderEvent.objects.create(order=untouched, kind="status_changed", actor="system")
    by_shipper = _order("B")
    OrderEvent.objects.create(order=by_shipper, kind="tracking_received", actor="shipper:dhl-3pl")
    by_person = _order("C")
    OrderEvent.objects.create(order=by_person, kind="status_changed", actor="olga")
    with_ticket = _order("D")
    Ticket.objects.create(order=with_ticket, reason="other", problem_key="t:d", title="x", status="closed",
                          closed_at=NOW)
    _order("E", status="shipped")  # not paid yet: not counted
    _order("F", hours_ago=24 * 40)  # outside the period

    # when
    kpis = compute_kpis(30, now=NOW)

    # then
    assert (kpis.automation.part, kpis.automation.total, kpis.automation.percent) == (2, 4, 50.0)


@pytest.mark.django_db
def test_orders_per_day_per_channel():
    # given
    ebay = make_channel("ebay-de", "ebay")
    _order("A1", hours_ago=1)
    _order("A2", hours_ago=2)
    _order("E1", hours_ago=26, channel=ebay)

    # when
    kpis = compute_kpis(7, now=NOW)

    # then
    assert len(kpis.days_list) == 8
    assert kpis.orders_per_day["amazon-de"][-1] == 2
    assert kpis.orders_per_day["ebay-de"][-2] == 1
    assert sum(kpis.orders_per_day["amazon-de"]) == 2
    assert sum(kpis.orders_per_day["ebay-de"]) == 1


@pytest.mark.django_db
def test_time_to_shipping_confirmation():
    # given: confirmed after 10 h, 20 h and 30 h
    for i, hours in enumerate([10, 20, 30]):
        order = _order(f"T{i}", hours_ago=100)
        make_shipment(order, status="confirmed", confirmed_at=order.ordered_at + dt.timedelta(hours=hours))

    # when
    with translation.override("en"):
        confirmation = compute_kpis(30, now=NOW).confirmation

    # then
    assert (confirmation.count, confirmation.median_hours, confirmation.mean_hours) == (3, 20.0, 20.0)
    assert confirmation.buckets[:3] == [("under 12 h", 1), ("12–24 h", 1), ("1–2 days", 1)]


@pytest.mark.django_db
def test_late_shipment_rate_counts_late_and_unconfirmed_orders_due_in_the_period():
    # given
    ship_by = NOW - dt.timedelta(days=2)
    _order("ON-TIME", status="shipped", ship_by=ship_by, marketplace_confirmed_at=ship_by - dt.timedelta(hours=3))
    late = _order("LATE", status="shipped", ship_by=ship_by)
    make_shipment(late, status="confirmed", confirmed_at=ship_by + dt.timedelta(hours=1))
    _order("NEVER", status="transmitted", ship_by=ship_by)
    _order("CANCELLED", status="cancelled", ship_by=ship_by)
    _order("FUTURE", status="released", ship_by=NOW + dt.timedelta(days=1))

    # when
    kpis = compute_kpis(30, now=NOW)

    # then
    assert (kpis.late.part, kpis.late.total) == (2, 3)


@pytest.mark.django_db
def test_valid_tracking_rate_needs_a_carrier_amazon_knows():
    # given
    order = _order("V", status="shipped")
    shipment = make_shipment(order, status="confirmed")
    make_package(shipment, "T-DHL", carrier="DHL", shipped_at=NOW - dt.timedelta(days=1))
    make_package(shipment, "T-HERMES", carrier="hermes", shipped_at=NOW - dt.timedelta(days=1))
    make_package(shipment, "T-LOCAL", carrier="Kurier Meier", shipped_at=NOW - dt.timedelta(days=1))
    make_package(shipment, "T-OLD", carrier="Kurier Meier", shipped_at=NOW - dt.timedelta(days=60))

    # when
    kpis = compute_kpis(30, now=NOW)

    # then
    assert (kpis.tracking.part, kpis.tracking.total) == (2, 3)


@pytest.mark.django_db
def test_open_tickets_by_reason_and_unpaid_invoices_by_age():
    # given
    Ticket.objects.create(reason="hold", problem_key="h1", title="a")
    Ticket.objects.create(reason="hold", problem_key="h2", title="b")
    Ticket.objects.create(reason="payment_difference", problem_key="p1", title="c")
    Ticket.objects.create(reason="other", problem_key="o1", title="d", status="closed", closed_at=NOW)
    fresh = _order("FRESH", status="invoiced", total="10.00")
    make_invoice(fresh, gross="10.00", issued_at=NOW - dt.timedelta(days=3))
    old = _order("OLD", status="invoiced", total="25.00")
    make_invoice(old, gross="25.00", issued_at=NOW - dt.timedelta(days=45))
    paid = _order("PAID", status="paid", total="99.00")
    make_invoice(paid, gross="99.00", issued_at=NOW - dt.timedelta(days=45))

    # when
    with translation.override("en"):
        kpis = compute_kpis(30, now=NOW)

    # then
    assert kpis.tickets_by_reason == [("order on hold", 2), ("payment difference", 1)]
    assert [(b.label, b.count, b.amount) for b in kpis.unpaid_by_age] == [
        ("0–7 days", 1, Decimal("10.00")),
        ("8–14 days", 0, Decimal("0")),
        ("15–30 days", 0, Decimal("0")),
        ("31–60 days", 1, Decimal("25.00")),
        ("over 60 days", 0, Decimal("0")),
    ]


@pytest.mark.django_db
def test_kpi_page_renders_charts_as_plain_svg_without_script(operator_client):
    # given: a channel whose code would be dangerous inside a script
    make_channel("evil-script", "gambio")
    make_order("K-1", channel=make_channel("evil-script", "gambio"), status="paid",
               ordered_at=timezone.now() - dt.timedelta(days=1))

    # when
    response = operator_client.get("/kpis/", {"days": "7"})

    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('<svg xmlns="http://www.w3.org/2000/svg"') == 5
    assert "<script" not in html.split("</head>", 1)[1]
    assert "kozea.github.io" not in html
    assert "<th scope=\"row\">evil-script</th>" in html
