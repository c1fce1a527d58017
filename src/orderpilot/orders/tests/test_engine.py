import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from orderpilot.channels.services import import_order
from orderpilot.core.actors import Actor
from orderpilot.core.exceptions import RetryableError
from orderpilot.core.jobs import run_due_work
from orderpilot.orders import engine
from orderpilot.orders.models import HoldRule, SalesOrder
from orderpilot.tickets.models import Ticket
from orderpilot.tickets.services import resolve_ticket

pytestmark = pytest.mark.django_db

PERSON = Actor("alice")


def _statuses(order):
    return [(e.data["from"], e.data["to"]) for e in order.events.filter(kind="status_changed")]


def test_clean_order_runs_to_transmitted_without_a_person(channel, products, warehouse, channel_order_factory):
    # given
    order = import_order(channel, channel_order_factory("A-1")).order
    # when
    run_due_work(until_idle=True)
    # then
    order.refresh_from_db()
    assert order.status == "transmitted"
    assert order.next_step_at is None
    assert _statuses(order) == [("imported", "released"), ("released", "transmitted")]
    shipment = order.shipments.get()
    assert (shipment.shipper.code, shipment.status) == ("warehouse", "transmitted")
    assert shipment.decision["chosen"] == "warehouse"
    assert shipment.deadline_at == shipment.transmitted_at + dt.timedelta(seconds=86400)
    assert Ticket.objects.count() == 0


def test_reimport_of_an_unchanged_order_changes_nothing(channel, products, warehouse, channel_order_factory):
    incoming = channel_order_factory("A-2")
    assert import_order(channel, incoming).outcome == "created"
    assert import_order(channel, incoming).outcome == "unchanged"
    assert SalesOrder.objects.count() == 1
    assert SalesOrder.objects.get().events.filter(kind="imported").count() == 1


def test_pending_order_waits_for_the_marketplace(channel, products, warehouse, channel_order_factory):
    # given an order the marketplace still holds
    pending = channel_order_factory("P-1", marketplace_status="Pending", awaiting_marketplace=True)
    order = import_order(channel, pending).order
    run_due_work(until_idle=True)
    order.refresh_from_db()
    assert (order.status, order.next_step_at, order.customer_id) == ("imported", None, None)
    # when the marketplace releases it
    released = channel_order_factory(
        "P-1", awaiting_marketplace=False, updated_at=pending.updated_at + dt.timedelta(minutes=5)
    )
    assert import_order(channel, released).outcome == "updated"
    run_due_work(until_idle=True)
    # then it runs on, and now has a customer
    order.refresh_from_db()
    assert order.status == "transmitted"
    assert order.customer.email == "erika@example.com"


def test_cancellation_before_shipment_stops_the_order(channel, products, warehouse, channel_order_factory):
    incoming = channel_order_factory("C-1", awaiting_marketplace=True, marketplace_status="Pending")
    order = import_order(channel, incoming).order
    cancelled = channel_order_factory(
        "C-1", marketplace_status="Canceled", cancelled=True, updated_at=incoming.updated_at + dt.timedelta(minutes=1)
    )
    import_order(channel, cancelled)
    run_due_work(until_idle=True)
    order.refresh_from_db()
    assert order.status == "cancelled"
    assert order.shipments.count() == 0


def test_hold_rule_holds_with_one_ticket_and_release_does_not_refire(
    channel, products, warehouse, channel_order_factory
):
    # given a rule and an order that triggers it
    HoldRule.objects.create(code="buyer-note", when="buyer_note")
    order = import_order(channel, channel_order_factory("H-1", buyer_note="Bitte nicht klingeln")).order
    # when the engine runs, twice
    run_due_work(until_idle=True)
    run_due_work(until_idle=True)
    # then the order waits with one ticket and the evidence
    order.refresh_from_db()
    assert order.status == "on_hold"
    assert [(h.rule, h.evidence) for h in order.hold_reasons.all()] == [
        ("buyer-note", {"note": "Bitte nicht klingeln"})
    ]
    ticket = Ticket.objects.get()
    assert (ticket.reason, ticket.status, ticket.order_id) == ("hold", "open", order.pk)
    # when a person resolves the ticket and requeues the order
    resolve_ticket(ticket, actor=PERSON, requeue=True, resolution="called the buyer")
    run_due_work(until_idle=True)
    # then it runs on without being held again
    order.refresh_from_db()
    assert order.status == "transmitted"
    assert order.overridden_rules == ["buyer-note"]
    assert list(Ticket.objects.values_list("status", flat=True)) == ["closed"]
    release = order.events.get(kind="status_changed", data__to="released")
    assert release.actor == "alice"


def test_no_fitting_shipper_holds_the_order(channel, products, warehouse, channel_order_factory):
    from orderpilot.channels.base import ChannelLine

    # given a lamp of 1.4 m and a warehouse that takes at most 60 cm
    warehouse.max_length_mm = 600
    warehouse.save()
    line = ChannelLine(external_line_id="1", sku="LAMP-02", quantity=1, unit_price=Decimal("99.00"))
    order = import_order(channel, channel_order_factory("N-1", lines=(line,))).order
    # when
    run_due_work(until_idle=True)
    # then
    order.refresh_from_db()
    assert order.status == "on_hold"
    hold = order.hold_reasons.get()
    assert hold.code == "no_shipper"
    assert "length 1400 mm above its limit of 600 mm" in hold.evidence["considered"]
    assert order.shipments.count() == 0


def test_a_failing_step_parks_the_order_with_a_ticket_and_requeue_retries_it(
    channel, products, warehouse, channel_order_factory, monkeypatch
):
    # given a routing step that hits a bug
    order = import_order(channel, channel_order_factory("E-1")).order

    def broken(order):
        raise ValueError("boom")

    monkeypatch.setitem(engine.STEPS, "released", f"{__name__}.BROKEN")
    monkeypatch.setitem(globals(), "BROKEN", broken)
    # when
    run_due_work(until_idle=True)
    # then the order stops where it was, with a ticket, and nothing half-done
    order.refresh_from_db()
    assert (order.status, order.next_step_at) == ("released", None)
    ticket = Ticket.objects.get()
    assert (ticket.reason, ticket.body) == ("processing_error", "ValueError: boom")
    assert order.shipments.count() == 0
    # when the bug is fixed and the ticket resolved with requeue
    monkeypatch.undo()
    resolve_ticket(ticket, actor=PERSON, requeue=True)
    run_due_work(until_idle=True)
    order.refresh_from_db()
    assert order.status == "transmitted"


def test_a_passing_failure_is_retried_with_backoff(channel, products, warehouse, channel_order_factory, monkeypatch):
    order = import_order(channel, channel_order_factory("R-1")).order

    def busy(order):
        raise RetryableError("database busy")

    monkeypatch.setitem(engine.STEPS, "imported", f"{__name__}.BUSY")
    monkeypatch.setitem(globals(), "BUSY", busy)
    before = timezone.now()
    run_due_work(until_idle=True)
    order.refresh_from_db()
    assert order.status == "imported"
    assert order.step_attempts == 1
    assert order.next_step_at >= before + dt.timedelta(seconds=7)
    assert order.events.filter(kind="step_retry").count() == 1
    assert Ticket.objects.count() == 0


def test_a_buyer_cancellation_request_always_holds_the_order(channel, products, warehouse, channel_order_factory):
    # given no configured rules at all
    order = import_order(channel, channel_order_factory("X-1", cancellation_requested=True)).order
    # when
    run_due_work(until_idle=True)
    # then a person decides
    order.refresh_from_db()
    assert order.status == "on_hold"
    assert [h.rule for h in order.hold_reasons.all()] == ["cancellation-request"]


def test_a_cancellation_request_after_release_opens_a_ticket(channel, products, warehouse, channel_order_factory):
    incoming = channel_order_factory("X-2")
    order = import_order(channel, incoming).order
    run_due_work(until_idle=True)
    requested = channel_order_factory(
        "X-2", cancellation_requested=True, updated_at=incoming.updated_at + dt.timedelta(minutes=3)
    )
    import_order(channel, requested)
    import_order(channel, requested)
    ticket = Ticket.objects.get()
    assert (ticket.order_id, ticket.priority) == (order.pk, 1)
    assert "asked to cancel" in ticket.title


def test_cancelling_a_held_order_closes_its_hold_ticket(channel, products, warehouse, channel_order_factory):
    # given an order held for its buyer's question
    incoming = channel_order_factory("H-1", cancellation_requested=True)
    order = import_order(channel, incoming).order
    run_due_work(until_idle=True)
    order.refresh_from_db()
    assert order.status == "on_hold"
    assert Ticket.objects.get(order=order).status == "open"
    # when the marketplace cancels it
    cancelled = channel_order_factory(
        "H-1", cancelled=True, marketplace_status="Canceled", updated_at=incoming.updated_at + dt.timedelta(minutes=5)
    )
    import_order(channel, cancelled)
    # then nobody is left to decide whether it may ship
    order.refresh_from_db()
    assert order.status == "cancelled"
    ticket = Ticket.objects.get(order=order)
    assert ticket.status != "open"
    assert "order cancelled" in ticket.resolution


def test_a_marketplace_cancellation_after_shipment_stops_an_order_not_invoiced_yet(
    channel, products, warehouse, channel_order_factory
):
    from orderpilot.shipping.services import record_tracking

    # given a shipped order whose invoice is not issued yet
    incoming = channel_order_factory("S-1")
    order = import_order(channel, incoming).order
    run_due_work(until_idle=True)
    order.refresh_from_db()
    record_tracking(order.shipments.get(), tracking_number="00340434161234567894", carrier="DHL")
    order.refresh_from_db()
    assert order.status == "shipped"
    assert not order.invoices.exists()
    # when the marketplace cancels it (a refund after shipment)
    cancelled = channel_order_factory(
        "S-1", cancelled=True, marketplace_status="Canceled", updated_at=incoming.updated_at + dt.timedelta(hours=1)
    )
    import_order(channel, cancelled)
    run_due_work(until_idle=True)
    # then it is cancelled, and no invoice follows for it
    order.refresh_from_db()
    assert order.status == "cancelled"
    assert not order.invoices.exists()
    assert order.events.filter(kind="cancelled_after_shipment").count() == 1
