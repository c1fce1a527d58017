"""A cancellation after transmission reaches the shipper by its channel and opens a ticket."""

from __future__ import annotations

import pytest
from django.db import transaction

from orderpilot.core.locking import lock_for_update
from orderpilot.core.models import OutboxMessage, OutboxStatus
from orderpilot.core.outbox import deliver_due_messages
from orderpilot.orders.services import cancel_order
from orderpilot.shipping.services import cancel_shipments_of_cancelled_orders, record_tracking
from orderpilot.tickets.models import Ticket

from .conftest import route

pytestmark = pytest.mark.django_db


def _cancel(order):
    with transaction.atomic():
        cancel_order(lock_for_update(order), reason="cancelled at the marketplace")


def test_cancellation_after_transmission_sends_a_cancellation_document_and_opens_a_ticket(
    order_factory, folder_shipper, tmp_path
):
    # given: the delivery note is at the 3PL (csv), then the order is cancelled
    folder_shipper.document_format = "csv"
    folder_shipper.save(update_fields=["document_format"])
    shipment = route(order_factory())
    deliver_due_messages()
    _cancel(shipment.order)

    # when: the sweep runs, and the outbox delivers
    assert cancel_shipments_of_cancelled_orders() == 1
    assert cancel_shipments_of_cancelled_orders() == 0
    deliver_due_messages()

    # then: a cancellation file beside the delivery note, sent once; a ticket; the shipment cancelled
    folder = tmp_path / "3pl"
    assert sorted(p.name for p in folder.iterdir()) == [f"{shipment.number}-cancel.csv", f"{shipment.number}.csv"]
    assert (folder / f"{shipment.number}-cancel.csv").read_bytes() == (
        f"action;delivery_note;order\r\nCANCEL;{shipment.number};{shipment.order.external_id}\r\n".encode()
    )
    message = OutboxMessage.objects.get(kind="shipment.cancel")
    assert (message.status, message.idempotency_key) == (OutboxStatus.SENT, f"shipment:{shipment.number}:cancel")
    shipment.refresh_from_db()
    assert shipment.status == "cancelled"
    assert shipment.cancelled_at is not None
    ticket = Ticket.objects.get()
    assert ticket.problem_key == f"cancelled-after-transmission:{shipment.number}"
    assert ticket.priority == 1
    kinds = list(shipment.order.events.values_list("kind", flat=True))
    assert kinds[-3:] == ["shipment_cancelled", "ticket_opened", "shipment_cancellation_sent"]


def test_cancellation_before_the_delivery_note_left_sends_nothing(order_factory, folder_shipper, tmp_path):
    # given: cancelled while the delivery note still waits in the outbox
    shipment = route(order_factory())
    _cancel(shipment.order)

    # when
    cancel_shipments_of_cancelled_orders()
    deliver_due_messages()

    # then: the shipper never hears of it, no ticket
    assert not (tmp_path / "3pl").exists()
    transmit = OutboxMessage.objects.get(kind="shipment.transmit")
    assert (transmit.status, transmit.result) == (
        OutboxStatus.SENT, {"skipped": "the delivery note was cancelled before it was sent"}
    )
    assert OutboxMessage.objects.filter(kind="shipment.cancel").count() == 0
    assert Ticket.objects.count() == 0
    shipment.refresh_from_db()
    assert (shipment.status, shipment.transmitted_at) == ("cancelled", None)


def test_in_house_cancellation_opens_a_ticket_for_the_packing_queue(order_factory, warehouse):
    # given
    shipment = route(order_factory())
    _cancel(shipment.order)

    # when
    cancel_shipments_of_cancelled_orders()

    # then
    assert OutboxMessage.objects.count() == 0
    assert "the packing queue" in Ticket.objects.get().body


def test_parcel_shipped_despite_the_cancellation_opens_a_ticket(order_factory, folder_shipper):
    # given
    shipment = route(order_factory())
    deliver_due_messages()
    _cancel(shipment.order)
    cancel_shipments_of_cancelled_orders()

    # when: the 3PL confirms anyway
    record_tracking(shipment, tracking_number="00340434161094042557")

    # then
    shipment.refresh_from_db()
    shipment.order.refresh_from_db()
    assert (shipment.status, shipment.order.status) == ("cancelled", "cancelled")
    assert Ticket.objects.filter(problem_key=f"shipped-after-cancel:{shipment.number}").count() == 1


def test_cancellation_after_a_failed_attempt_treats_the_note_as_possibly_at_the_shipper(order_factory, folder_shipper):
    # given: one transmission attempt failed (a timeout: the shipper may have the note all the same)
    shipment = route(order_factory())
    OutboxMessage.objects.filter(kind="shipment.transmit").update(status=OutboxStatus.RETRY, attempts=1)
    _cancel(shipment.order)
    # when
    assert cancel_shipments_of_cancelled_orders() == 1
    # then the shipper is told to cancel, and a person makes sure the parcel stays
    assert OutboxMessage.objects.filter(kind="shipment.cancel").count() == 1
    assert Ticket.objects.get().problem_key == f"cancelled-after-transmission:{shipment.number}"
