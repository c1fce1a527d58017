"""A crash between the state change and the outbox delivery loses nothing and sends nothing twice."""

from __future__ import annotations

import pytest

from orderpilot.core.models import OutboxMessage, OutboxStatus
from orderpilot.orders.models import SalesOrder
from orderpilot.shipping.models import Shipment

from .crash_run import CRASH_EXIT
from .processes import process_env, run_script

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def released_order(channel, products, folder_shipper, channel_order_factory):
    from orderpilot.channels.services import import_order

    return import_order(channel, channel_order_factory("CRASH-1")).order


def _files(folder_shipper):
    from pathlib import Path

    folder = Path(folder_shipper.transport["path"])
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


@pytest.mark.parametrize("scenario", ["inside-step", "after-commit", "before-send", "after-send"])
def test_crash_then_restart_delivers_exactly_once(scenario, released_order, folder_shipper):
    # given: a worker that dies at the scenario's point
    crashed = run_script("crash_run.py", scenario)
    assert crashed.returncode == CRASH_EXIT, crashed.stderr

    # then: nothing half-done is visible
    if scenario == "inside-step":
        assert Shipment.objects.count() == 0
        assert OutboxMessage.objects.filter(kind="shipment.transmit").count() == 0
        assert SalesOrder.objects.get().status == "released"  # the release committed in an earlier batch
    else:
        assert Shipment.objects.count() == 1
        assert OutboxMessage.objects.filter(kind="shipment.transmit").count() == 1

    # when: a new worker starts (in-flight entries of dead workers are taken back at once)
    restarted = run_script("crash_run.py", "none", env=process_env(ORDERPILOT_OUTBOX_INFLIGHT_TIMEOUT="0"))
    assert restarted.returncode == 0, restarted.stderr

    # then: one delivery note, one outbox entry, delivered, one file at the shipper, order transmitted
    shipment = Shipment.objects.get()
    message = OutboxMessage.objects.get(kind="shipment.transmit")
    assert message.status == OutboxStatus.SENT
    assert message.idempotency_key == f"shipment:{shipment.number}:transmit"
    assert _files(folder_shipper) == [f"{shipment.number}.json"]
    order = SalesOrder.objects.get()
    assert order.status == "transmitted"
    assert order.events.filter(kind="delivery_note_created").count() == 1
    assert order.events.filter(kind="status_changed", data__to="transmitted").count() == 1
    expected_attempts = 1 if scenario in ("inside-step", "after-commit") else 2
    assert message.attempts == expected_attempts
