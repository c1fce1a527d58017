"""Two worker processes racing over the same due orders never run a step or deliver twice.

On PostgreSQL the row locks (``FOR UPDATE SKIP LOCKED``) decide; on SQLite the IMMEDIATE
transactions serialise the writers. Either way each order's steps must run exactly once.
"""

from __future__ import annotations

import subprocess
from collections import Counter
from pathlib import Path

import pytest

from orderpilot.core.models import OutboxMessage, OutboxStatus
from orderpilot.orders.models import OrderEvent, SalesOrder
from orderpilot.shipping.models import Shipment

from ..processes import orderpilot, process_env

pytestmark = pytest.mark.django_db(transaction=True)

ORDERS = 120


def test_two_processes_advance_each_order_exactly_once(channel, products, folder_shipper, channel_order_factory):
    # given: many due orders
    from orderpilot.channels.services import import_order

    for number in range(ORDERS):
        import_order(channel, channel_order_factory(f"RACE-{number:04d}"))

    # when: two processes work on them at the same time, in small batches so that they interleave
    env = process_env(ORDERPILOT_STEP_BATCH="3", ORDERPILOT_OUTBOX_BATCH="3")
    workers = [
        subprocess.Popen(orderpilot("tick", "--until-idle"), env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for _ in range(2)
    ]
    outputs = [w.communicate(timeout=300) for w in workers]
    for worker, (_out, err) in zip(workers, outputs, strict=True):
        assert worker.returncode == 0, err.decode()

    # then: both did work, and every step ran once per order
    assert all(b"advance_orders=" in out for out, _ in outputs)
    assert Counter(SalesOrder.objects.values_list("status", flat=True)) == {"transmitted": ORDERS}
    transitions = Counter(
        (event.order_id, event.data["from"], event.data["to"])
        for event in OrderEvent.objects.filter(kind="status_changed")
    )
    assert len(transitions) == 2 * ORDERS  # imported→released, released→transmitted
    assert set(transitions.values()) == {1}
    assert OrderEvent.objects.filter(kind="delivery_note_created").count() == ORDERS
    assert Shipment.objects.count() == ORDERS
    # and every outbox entry was delivered once, in one attempt, as exactly one file
    # (a delivery note to the shipper and an order confirmation to the buyer, per order)
    kinds = Counter(OutboxMessage.objects.values_list("kind", flat=True))
    assert kinds == {"shipment.transmit": ORDERS, "email": ORDERS}
    assert set(OutboxMessage.objects.values_list("status", "attempts")) == {(OutboxStatus.SENT, 1)}
    files = list(Path(folder_shipper.transport["path"]).iterdir())
    assert len(files) == ORDERS
    numbers = sorted(Shipment.objects.values_list("number", flat=True))
    assert numbers == [f"LS-{n[3:7]}-{i:06d}" for i, n in enumerate(numbers, start=1)]  # gap-free
