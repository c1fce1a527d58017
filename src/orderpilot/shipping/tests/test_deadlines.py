"""Deadlines: the shipper's confirmation (one ticket per overdue delivery note) and the
marketplace's latest ship date (one warning ticket, escalated once when it passes)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import override_settings
from django.utils import timezone

from orderpilot.core.jobs import run_due_work
from orderpilot.core.outbox import deliver_due_messages
from orderpilot.shipping.deadlines import watch_ship_by
from orderpilot.shipping.models import Shipment
from orderpilot.shipping.services import flag_overdue_shipments, record_tracking
from orderpilot.tickets.models import Ticket

from .conftest import route

pytestmark = pytest.mark.django_db


def test_overdue_shipment_opens_exactly_one_ticket_closed_by_the_tracking(order_factory, folder_shipper):
    # given: a delivery note transmitted, its deadline passed
    shipment = route(order_factory())
    deliver_due_messages()
    Shipment.objects.filter(pk=shipment.pk).update(deadline_at=timezone.now() - dt.timedelta(seconds=1))

    # when: the deadline job runs again and again (every tick)
    flagged = [flag_overdue_shipments() for _ in range(3)]
    run_due_work(until_idle=True)

    # then
    assert flagged == [1, 0, 0]
    ticket = Ticket.objects.get()
    assert (ticket.reason, ticket.status, ticket.problem_key) == (
        "overdue_confirmation", "open", f"overdue:{shipment.number}"
    )
    assert shipment.order.events.filter(kind="confirmation_overdue").count() == 1

    # when: the tracking number arrives late
    record_tracking(shipment, tracking_number="00340434161094042557")

    # then
    ticket.refresh_from_db()
    assert (ticket.status, ticket.resolution) == ("closed", "tracking number received")


def test_shipment_within_its_deadline_opens_no_ticket(order_factory, folder_shipper):
    route(order_factory())
    deliver_due_messages()
    assert flag_overdue_shipments() == 0
    assert Ticket.objects.count() == 0


@override_settings(ORDERPILOT_SHIP_BY_WARNING="6h")
def test_ship_by_warns_once_before_and_escalates_once_after(order_factory):
    # given: one order due to ship in 5 hours, one in 2 days
    soon = order_factory(status="on_hold", ship_by=timezone.now() + dt.timedelta(hours=5))
    later = order_factory(status="released", ship_by=timezone.now() + dt.timedelta(days=2))

    # when
    first = watch_ship_by()
    second = watch_ship_by()

    # then: one warning ticket for the near one
    assert (first, second) == (1, 0)
    ticket = Ticket.objects.get()
    assert ticket.order == soon
    assert ticket.problem_key == f"ship-by:{soon.pk}"
    assert ticket.priority == 2
    assert "must ship by" in ticket.title
    assert later.events.filter(kind="ship_by_warning").count() == 0

    # when: the date passes
    soon.ship_by = timezone.now() - dt.timedelta(minutes=1)
    soon.save(update_fields=["ship_by"])
    third = watch_ship_by()
    fourth = watch_ship_by()

    # then: the same ticket, now urgent, with a comment; no second ticket
    assert (third, fourth) == (1, 0)
    ticket.refresh_from_db()
    assert ticket.priority == 1
    assert [c.body for c in ticket.comments.all()] == ["The latest ship date has passed."]
    assert Ticket.objects.count() == 1
    assert soon.events.filter(kind="ship_by_missed").count() == 1


@override_settings(ORDERPILOT_SHIP_BY_WARNING="6h")
def test_ship_by_ignores_orders_already_shipped(order_factory):
    order_factory(status="shipped", ship_by=timezone.now() - dt.timedelta(hours=1))
    assert watch_ship_by() == 0
    assert Ticket.objects.count() == 0
