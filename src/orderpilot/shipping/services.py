"""Delivery notes: create, mark transmitted, record tracking, flag overdue confirmations."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from orderpilot.catalog.models import Product
from orderpilot.core.actors import SYSTEM, Actor
from orderpilot.core.locking import lock_due, lock_for_update
from orderpilot.core.numbering import next_number
from orderpilot.core.outbox import enqueue_message
from orderpilot.orders.models import SalesOrder
from orderpilot.orders.services import transition_order
from orderpilot.orders.states import OrderStatus
from orderpilot.orders.timeline import record_event

from .models import Package, Shipment, ShipmentLine, ShipmentStatus, Shipper, ShipperKind
from .selection import Decision, Item, Request, ShipperSpec, choose_shipper

DELIVERY_NOTE_PATTERN = "LS-{year}-{seq:06}"


def shipper_spec(shipper: Shipper) -> ShipperSpec:
    return ShipperSpec(
        code=shipper.code,
        priority=shipper.priority,
        services=tuple(shipper.services or ("standard",)),
        countries=tuple(shipper.countries or ()),
        max_weight_g=shipper.max_weight_g,
        max_length_mm=shipper.max_length_mm,
        max_width_mm=shipper.max_width_mm,
        max_height_mm=shipper.max_height_mm,
        max_girth_mm=shipper.max_girth_mm,
        price_table=tuple(shipper.price_table or ()),
        transit_days=shipper.transit_days,
        stock=shipper.stock or {},
    )


def shipment_request(order: SalesOrder) -> Request:
    lines = list(order.lines.all())
    products = {p.sku: p for p in Product.objects.filter(sku__in={line.sku for line in lines})}
    items = []
    for line in lines:
        product = products.get(line.sku)
        items.append(
            Item(
                sku=line.sku,
                quantity=line.quantity,
                weight_g=product.weight_g if product else 0,
                length_mm=product.length_mm if product else 0,
                width_mm=product.width_mm if product else 0,
                height_mm=product.height_mm if product else 0,
            )
        )
    return Request(
        items=tuple(items),
        country=(order.shipping_address or {}).get("country", ""),
        service=order.service_level,
        cash_on_delivery=order.cash_on_delivery,
    )


def decide_shipper(order: SalesOrder) -> Decision:
    shippers = [shipper_spec(s) for s in Shipper.objects.filter(active=True)]
    return choose_shipper(shipment_request(order), shippers)


def create_delivery_note(order: SalesOrder, *, shipper_code: str, decision: Decision) -> Shipment:
    """Create the delivery note for all lines of ``order`` and start its way to the shipper.

    In-house: it goes straight to the packing queue and the order is ``transmitted``. External:
    an outbox entry transmits it; the order becomes ``transmitted`` when the shipper has it.
    """
    shipper = Shipper.objects.get(code=shipper_code)
    now = timezone.now()
    request = shipment_request(order)
    shipment = Shipment.objects.create(
        number=next_number("delivery_note", pattern=DELIVERY_NOTE_PATTERN, at=now),
        order=order,
        shipper=shipper,
        service=order.service_level,
        weight_g=request.weight_g,
        shipping_address=order.shipping_address,
        decision=decision.as_dict(),
    )
    ShipmentLine.objects.bulk_create(
        ShipmentLine(shipment=shipment, order_line=line, quantity=line.quantity) for line in order.lines.all()
    )
    record_event(
        order,
        "delivery_note_created",
        f"{shipment.number} → {shipper.code}",
        data={"shipment": shipment.number, "shipper": shipper.code, "decision": decision.as_dict()},
    )
    if shipper.kind == ShipperKind.IN_HOUSE:
        _set_transmitted(shipment, at=now)
        transition_order(order, OrderStatus.TRANSMITTED, reason=f"{shipment.number} in the packing queue")
    else:
        enqueue_message(
            "shipment.transmit",
            key=f"shipment:{shipment.number}:transmit",
            payload={"shipment": shipment.number},
            order=order,
        )
    return shipment


def _set_transmitted(shipment: Shipment, *, at: dt.datetime) -> None:
    shipment.status = ShipmentStatus.TRANSMITTED
    shipment.transmitted_at = at
    shipment.deadline_at = at + dt.timedelta(seconds=shipment.shipper.confirmation_deadline)
    shipment.save(update_fields=["status", "transmitted_at", "deadline_at"])


def mark_shipment_transmitted(message) -> None:
    """The shipper has the delivery note (outbox delivered): start its confirmation deadline."""
    shipment = lock_for_update(Shipment.objects.select_related("shipper").get(number=message.payload["shipment"]))
    if shipment.status != ShipmentStatus.CREATED:
        return
    _set_transmitted(shipment, at=timezone.now())
    order = lock_for_update(shipment.order)
    record_event(order, "delivery_note_transmitted", shipment.number, data=message.result)
    if order.status == OrderStatus.RELEASED:
        transition_order(order, OrderStatus.TRANSMITTED, reason=f"{shipment.number} reached {shipment.shipper.code}")


def record_tracking(
    shipment: Shipment,
    *,
    tracking_number: str,
    carrier: str = "",
    shipped_at: dt.datetime | None = None,
    actor: Actor = SYSTEM,
) -> tuple[Package, bool]:
    """Record a tracking number for ``shipment``; idempotent per (shipment, tracking number).

    The shipment is confirmed; the order is ``shipped`` once all its delivery notes are confirmed.
    """
    tracking_number = tracking_number.strip()
    if not tracking_number:
        raise ValueError("tracking number is empty")
    with transaction.atomic():
        shipment = lock_for_update(shipment)
        existing = Package.objects.filter(shipment=shipment, tracking_number=tracking_number).first()
        if existing:
            return existing, False
        order = lock_for_update(shipment.order)
        reference = Package.objects.filter(shipment__order=order).count() + 1
        package = Package.objects.create(
            shipment=shipment,
            tracking_number=tracking_number,
            carrier=carrier or shipment.shipper.carrier,
            shipped_at=shipped_at or timezone.now(),
            reference=reference,
        )
        if shipment.status in (ShipmentStatus.CREATED, ShipmentStatus.TRANSMITTED):
            shipment.status = ShipmentStatus.CONFIRMED
            shipment.confirmed_at = timezone.now()
            shipment.save(update_fields=["status", "confirmed_at"])
        record_event(
            order,
            "tracking_received",
            f"{shipment.number}: {package.carrier} {tracking_number}",
            actor=actor,
            data={"shipment": shipment.number, "tracking_number": tracking_number, "carrier": package.carrier},
        )
        _close_overdue_ticket(shipment, actor=actor)
        open_shipments = order.shipments.exclude(status__in=[ShipmentStatus.CONFIRMED, ShipmentStatus.CANCELLED])
        if order.status in (OrderStatus.RELEASED, OrderStatus.TRANSMITTED) and not open_shipments.exists():
            if order.status == OrderStatus.RELEASED:
                transition_order(order, OrderStatus.TRANSMITTED, actor=actor, reason="confirmed before acknowledged")
            transition_order(order, OrderStatus.SHIPPED, actor=actor, reason=f"tracking {tracking_number}")
    return package, True


def _close_overdue_ticket(shipment: Shipment, *, actor: Actor) -> None:
    from orderpilot.tickets.services import close_tickets_for_problem

    close_tickets_for_problem(f"overdue:{shipment.number}", actor=actor, resolution="tracking number received")


def flag_overdue_shipments(limit: int = 200) -> int:
    """Open one ticket per delivery note whose shipper has not confirmed it by the deadline."""
    from orderpilot.tickets.models import TicketReason
    from orderpilot.tickets.services import open_ticket

    now = timezone.now()
    with transaction.atomic():
        overdue = Shipment.objects.filter(
            status=ShipmentStatus.TRANSMITTED, deadline_at__lt=now, overdue_since__isnull=True
        ).order_by("deadline_at")
        shipments = lock_due(overdue.select_related("order__channel", "shipper"), limit=limit)
        for shipment in shipments:
            shipment.overdue_since = now
            shipment.save(update_fields=["overdue_since"])
            order = shipment.order
            open_ticket(
                order=order,
                reason=TicketReason.OVERDUE_CONFIRMATION,
                problem_key=f"overdue:{shipment.number}",
                title=f"{order.channel.code} {order.external_id}: {shipment.shipper.code} has not confirmed "
                f"{shipment.number}",
                body=f"Transmitted {shipment.transmitted_at:%Y-%m-%d %H:%M} UTC, deadline "
                f"{shipment.deadline_at:%Y-%m-%d %H:%M} UTC.",
                priority=1,
            )
            record_event(order, "confirmation_overdue", shipment.number, data={"shipment": shipment.number})
    return len(shipments)
