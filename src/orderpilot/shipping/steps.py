"""The engine's routing step: choose a shipper for a released order and hand it the delivery note."""

from __future__ import annotations

from orderpilot.orders.holds import Firing
from orderpilot.orders.models import SalesOrder
from orderpilot.orders.services import hold_order, wait_order

from .models import Shipment, ShipmentStatus
from .services import create_delivery_note, decide_shipper


def route_released_order(order: SalesOrder) -> None:
    """Create the delivery note with the best shipper, or hold the order if none can take it."""
    if order.shipments.filter(status=ShipmentStatus.CREATED).exists():
        wait_order(order, until=None, reason="delivery note on its way to the shipper")
        return
    decision = decide_shipper(order)
    if decision.chosen is None:
        hold_order(
            order,
            [Firing(code="no_shipper", rule="no_shipper", evidence={"considered": _summary(decision)})],
        )
        return
    shipment: Shipment = create_delivery_note(order, shipper_code=decision.chosen, decision=decision)
    if shipment.status == ShipmentStatus.CREATED:
        wait_order(order, until=None, reason="delivery note on its way to the shipper")


def _summary(decision) -> str:
    return "; ".join(f"{c.shipper}: {', '.join(c.reasons)}" for c in decision.considered) or "no shipper configured"
