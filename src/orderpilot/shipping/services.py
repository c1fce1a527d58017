"""Delivery notes: create, mark transmitted, record tracking (webhook, return channels, packing
scan), cancel after transmission, flag overdue confirmations, stock feeds."""

from __future__ import annotations

import datetime as dt
import logging
import re

from django.db import transaction
from django.utils import timezone

from orderpilot.catalog.selectors import products_by_sku
from orderpilot.channels.services import queue_shipment_confirmation
from orderpilot.core.actors import SYSTEM, Actor
from orderpilot.core.exceptions import TerminalError
from orderpilot.core.locking import lock_due, lock_for_update, lock_row
from orderpilot.core.numbering import next_number
from orderpilot.core.outbox import enqueue_message
from orderpilot.core.runcache import forget_run_cache, in_job_run, per_run
from orderpilot.notifications.policy import MessageKind
from orderpilot.notifications.services import queue_customer_email
from orderpilot.orders.models import OrderLine, SalesOrder
from orderpilot.orders.services import transition_order
from orderpilot.orders.states import OrderStatus
from orderpilot.orders.timeline import record_event

from .models import Package, Shipment, ShipmentLine, ShipmentStatus, Shipper, ShipperKind, ShipperStock
from .selection import Decision, Item, Request, ShipperSpec, choose_shipper

logger = logging.getLogger(__name__)

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
        stock=stock_for_selection(shipper),
    )


def stock_for_selection(shipper: Shipper) -> dict:
    """The stock rule the selection sees; a stock feed becomes the table the shipper last reported."""
    stock = shipper.stock or {}
    if stock.get("mode") == "feed":
        rows = ShipperStock.objects.filter(shipper=shipper).values_list("sku", "quantity")
        return {"mode": "table", "skus": dict(rows)}
    return stock


def shipment_request(order: SalesOrder) -> Request:
    lines = list(order.lines.all())
    products = products_by_sku(line.sku for line in lines)
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


def active_shippers() -> tuple[tuple[Shipper, ShipperSpec], ...]:
    """The active shippers with what selection sees of each (matrix, stock), read once per job run
    (``core.runcache``): the run's shared instances, not to be changed."""
    return per_run(
        "shipping.active_shippers",
        lambda: tuple((shipper, shipper_spec(shipper)) for shipper in Shipper.objects.filter(active=True)),
    )


def decide_shipper(order: SalesOrder) -> Decision:
    shippers = [spec for _, spec in active_shippers()]
    return choose_shipper(shipment_request(order), shippers)


def _shipper(code: str) -> Shipper:
    if in_job_run():  # the run has read the active shippers already
        for shipper, _ in active_shippers():
            if shipper.code == code:
                return shipper
    return Shipper.objects.get(code=code)


def create_delivery_note(order: SalesOrder, *, shipper_code: str, decision: Decision) -> Shipment:
    """Create the delivery note for all lines of ``order`` and start its way to the shipper.

    In-house: it goes straight to the packing queue and the order is ``transmitted``. External:
    an outbox entry transmits it; the order becomes ``transmitted`` when the shipper has it.
    """
    shipper = _shipper(shipper_code)
    now = timezone.now()
    request = shipment_request(order)
    in_house = shipper.kind == ShipperKind.IN_HOUSE
    shipment = Shipment.objects.create(
        number=next_number("delivery_note", pattern=DELIVERY_NOTE_PATTERN, at=now),
        order=order,
        shipper=shipper,
        service=order.service_level,
        weight_g=request.weight_g,
        shipping_address=order.shipping_address,
        decision=decision.as_dict(),
        # in-house: in the packing queue from the start (no second write to mark it transmitted)
        **(_transmitted_fields(shipper, at=now) if in_house else {}),
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
    if in_house:
        transition_order(order, OrderStatus.TRANSMITTED, reason=f"{shipment.number} in the packing queue")
    else:
        enqueue_message(
            "shipment.transmit",
            key=f"shipment:{shipment.number}:transmit",
            payload={"shipment": shipment.number},
            order=order,
        )
    return shipment


def _transmitted_fields(shipper: Shipper, *, at: dt.datetime) -> dict:
    """A delivery note the shipper has: its confirmation deadline starts now."""
    return {
        "status": ShipmentStatus.TRANSMITTED,
        "transmitted_at": at,
        "deadline_at": at + dt.timedelta(seconds=shipper.confirmation_deadline),
    }


def _set_transmitted(shipment: Shipment, *, at: dt.datetime) -> None:
    fields = _transmitted_fields(shipment.shipper, at=at)
    for name, value in fields.items():
        setattr(shipment, name, value)
    shipment.save(update_fields=list(fields))


def mark_shipment_transmitted(message) -> None:
    """The shipper has the delivery note (outbox delivered): start its confirmation deadline."""
    shipment = lock_row(Shipment, number=message.payload["shipment"], related=("shipper",))
    if shipment.status != ShipmentStatus.CREATED:
        return
    _set_transmitted(shipment, at=timezone.now())
    order = lock_row(SalesOrder, pk=shipment.order_id)
    record_event(order, "delivery_note_transmitted", shipment.number, data=message.result)
    if order.status == OrderStatus.RELEASED:
        transition_order(order, OrderStatus.TRANSMITTED, reason=f"{shipment.number} reached {shipment.shipper.code}")


class ShipmentNotFound(TerminalError):
    """No delivery note matches what a shipper or a scan named."""


class TrackingRefused(TerminalError):
    """A confirmation that cannot be recorded as given (unknown SKU, more than the delivery note holds)."""


#: what a carrier's tracking number consists of (as the confirmation file parser has always required)
TRACKING_NUMBER = re.compile(r"[A-Za-z0-9 ._/-]{1,64}")
EARLIEST_SHIP_DATE = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
#: a stock count beyond this is a mistake (and beyond what the database's integer column holds)
MAX_STOCK = 1_000_000_000


def record_tracking(
    shipment: Shipment,
    *,
    tracking_number: str,
    carrier: str = "",
    shipped_at: dt.datetime | None = None,
    lines: dict[str, int] | None = None,
    actor: Actor = SYSTEM,
) -> tuple[Package, bool]:
    """Record one package with ``tracking_number`` for ``shipment``; idempotent per (shipment, tracking).

    ``lines`` (``{SKU: quantity}``) says what the package holds when the shipper ships in parts; without
    it the package completes the delivery note. The shipment is confirmed once everything has shipped;
    the order is ``shipped`` once all its delivery notes are confirmed. A package for a cancelled
    delivery note is recorded and opens a ticket (the goods left although the order was cancelled).
    """
    tracking_number = tracking_number.strip()
    if not tracking_number:
        raise ValueError("tracking number is empty")
    # the same rule for every return channel (files, mails, webhook, packing station): the number
    # goes to the marketplace, into customer emails and tracking links
    if not TRACKING_NUMBER.fullmatch(tracking_number):
        raise TrackingRefused(f"{tracking_number[:70]!r} does not look like a tracking number")
    if shipped_at is not None and not EARLIEST_SHIP_DATE <= shipped_at <= timezone.now() + dt.timedelta(days=1):
        raise TrackingRefused(f"shipped_at {shipped_at.isoformat()} is not a plausible time of shipping")
    with transaction.atomic():
        shipment = lock_row(Shipment, pk=shipment.pk, related=("shipper",))
        existing = Package.objects.filter(shipment=shipment, tracking_number=tracking_number).first()
        if existing:
            return existing, False
        contents = _check_package_lines(shipment, lines or {})
        order = lock_row(SalesOrder, pk=shipment.order_id, related=("channel",))
        shipment.order = order  # the locked row, for everything below that reads the shipment's order
        reference = Package.objects.filter(shipment__order=order).count() + 1
        package = Package.objects.create(
            shipment=shipment,
            tracking_number=tracking_number,
            carrier=carrier or shipment.shipper.carrier,
            shipped_at=shipped_at or timezone.now(),
            reference=reference,
            lines=contents,
        )
        complete = _shipped_completely(shipment)
        record_event(
            order,
            "tracking_received" if complete or not contents else "partially_shipped",
            f"{shipment.number}: {package.carrier} {tracking_number}",
            actor=actor,
            data={
                "shipment": shipment.number,
                "tracking_number": tracking_number,
                "carrier": package.carrier,
                **({"lines": contents} if contents else {}),
            },
        )
        if shipment.status == ShipmentStatus.CANCELLED:
            _ticket_shipped_although_cancelled(shipment, package)
        else:
            # the marketplace hears of every package at once: late confirmations cost ranking
            queue_shipment_confirmation(package)
            if complete and shipment.status in (ShipmentStatus.CREATED, ShipmentStatus.TRANSMITTED):
                shipment.status = ShipmentStatus.CONFIRMED
                shipment.confirmed_at = timezone.now()
                shipment.save(update_fields=["status", "confirmed_at"])
                _close_overdue_ticket(shipment, actor=actor)
        if order.status in (OrderStatus.RELEASED, OrderStatus.TRANSMITTED) and _all_shipments_done(order):
            if order.status == OrderStatus.RELEASED:
                transition_order(order, OrderStatus.TRANSMITTED, actor=actor, reason="confirmed before acknowledged")
            transition_order(order, OrderStatus.SHIPPED, actor=actor, reason=f"tracking {tracking_number}")
            queue_customer_email(order, MessageKind.SHIPPED)
    return package, True


def _all_shipments_done(order: SalesOrder) -> bool:
    """Every delivery note of ``order`` is confirmed or cancelled, and at least one is confirmed."""
    statuses = set(order.shipments.values_list("status", flat=True))
    return ShipmentStatus.CONFIRMED in statuses and statuses <= {ShipmentStatus.CONFIRMED, ShipmentStatus.CANCELLED}


def _check_package_lines(shipment: Shipment, lines: dict[str, int]) -> dict[str, int]:
    """Validate a partial package against what the delivery note holds and what already shipped."""
    if not lines:
        return {}
    ordered: dict[str, int] = {}
    for line in shipment.lines.select_related("order_line"):
        ordered[line.order_line.sku] = ordered.get(line.order_line.sku, 0) + line.quantity
    shipped = _shipped_quantities(shipment)
    for sku, quantity in lines.items():
        if sku not in ordered:
            raise TrackingRefused(f"{shipment.number} holds no {sku}")
        if not isinstance(quantity, int) or quantity <= 0:
            raise TrackingRefused(f"{shipment.number}: quantity of {sku} must be a positive whole number")
        if shipped.get(sku, 0) + quantity > ordered[sku]:
            raise TrackingRefused(
                f"{shipment.number}: {shipped.get(sku, 0) + quantity} × {sku} shipped, the delivery note holds "
                f"{ordered[sku]}"
            )
    return dict(sorted(lines.items()))


def _shipped_quantities(shipment: Shipment) -> dict[str, int]:
    shipped: dict[str, int] = {}
    for package_lines in Package.objects.filter(shipment=shipment).values_list("lines", flat=True):
        for sku, quantity in (package_lines or {}).items():
            shipped[sku] = shipped.get(sku, 0) + int(quantity)
    return shipped


def _shipped_completely(shipment: Shipment) -> bool:
    packages = list(Package.objects.filter(shipment=shipment).values_list("lines", flat=True))
    if any(not lines for lines in packages):
        return bool(packages)
    shipped = _shipped_quantities(shipment)
    ordered: dict[str, int] = {}
    for line in shipment.lines.select_related("order_line"):
        ordered[line.order_line.sku] = ordered.get(line.order_line.sku, 0) + line.quantity
    return all(shipped.get(sku, 0) >= quantity for sku, quantity in ordered.items())


def _ticket_shipped_although_cancelled(shipment: Shipment, package: Package) -> None:
    from orderpilot.tickets.models import TicketReason
    from orderpilot.tickets.services import open_ticket

    order = shipment.order
    open_ticket(
        order=order,
        reason=TicketReason.OTHER,
        problem_key=f"shipped-after-cancel:{shipment.number}",
        title=f"{order.channel.code} {order.external_id}: {shipment.shipper.code} shipped the cancelled "
        f"{shipment.number}",
        body=f"Tracking {package.carrier} {package.tracking_number}. The order was cancelled; arrange a return "
        "or a refund.",
        priority=1,
    )


def find_shipment(identifier: str, *, shipper: Shipper | None = None) -> Shipment:
    """The delivery note named by its number, or by a tracking number already recorded for it."""
    identifier = identifier.strip()
    shipments = Shipment.objects.select_related("shipper", "order")
    if shipper is not None:
        shipments = shipments.filter(shipper=shipper)
    shipment = shipments.filter(number=identifier).first()
    if shipment is None and identifier:
        package = Package.objects.filter(tracking_number=identifier, shipment__in=shipments).order_by("-pk").first()
        shipment = package.shipment if package else None
    if shipment is None:
        raise ShipmentNotFound(f"no delivery note {identifier!r}")
    return shipment


def confirm_packed_shipment(
    shipment_number_or_tracking: str,
    tracking_number: str,
    actor: Actor,
    *,
    carrier: str = "",
    lines: dict[str, int] | None = None,
) -> tuple[Package, bool]:
    """The packing station (cockpit, scanner): a parcel of this delivery note got ``tracking_number``.

    The first argument is what was scanned: the delivery note's barcode or the label of a parcel
    already recorded (to add another parcel). Refuses a cancelled delivery note.
    """
    shipment = find_shipment(shipment_number_or_tracking)
    if shipment.status == ShipmentStatus.CANCELLED:
        raise TrackingRefused(f"{shipment.number} was cancelled: do not ship it")
    return record_tracking(shipment, tracking_number=tracking_number, carrier=carrier, lines=lines, actor=actor)


def cancel_shipments_of_order(order: SalesOrder, *, actor: Actor = SYSTEM) -> list[Shipment]:
    """The order was cancelled: cancel its open delivery notes and tell each shipper that has one.

    A delivery note that may have reached its shipper (sent, or being sent right now) gets an outbox
    entry ``shipment.cancel`` with a cancellation document and a ticket, so a person makes sure the
    parcel does not leave. One never tried yet is only marked: its transmission is skipped.
    The caller holds the order's row lock (or calls this inside its own transaction).
    """
    from orderpilot.core.models import OutboxMessage, OutboxStatus
    from orderpilot.tickets.models import TicketReason
    from orderpilot.tickets.services import open_ticket

    cancelled = []
    now = timezone.now()
    open_ones = order.shipments.filter(status__in=[ShipmentStatus.CREATED, ShipmentStatus.TRANSMITTED])
    for shipment in open_ones.select_related("shipper").select_for_update(of=("self",)):
        transmit = (
            OutboxMessage.objects.select_for_update()
            .filter(idempotency_key=f"shipment:{shipment.number}:transmit")
            .first()
        )
        in_house = shipment.shipper.kind == ShipperKind.IN_HOUSE
        # a failed attempt may have reached the shipper too (a timeout, an answer lost on the way back)
        reached = shipment.status == ShipmentStatus.TRANSMITTED or (
            transmit is not None
            and (transmit.status in (OutboxStatus.INFLIGHT, OutboxStatus.SENT) or transmit.attempts > 0)
        )
        shipment.status = ShipmentStatus.CANCELLED
        shipment.cancelled_at = now
        shipment.save(update_fields=["status", "cancelled_at"])
        record_event(
            order,
            "shipment_cancelled",
            f"{shipment.number} at {shipment.shipper.code}",
            actor=actor,
            data={"shipment": shipment.number, "shipper_told": reached and not in_house},
        )
        _close_overdue_ticket(shipment, actor=actor)
        if reached:
            if not in_house:
                enqueue_message(
                    "shipment.cancel",
                    key=f"shipment:{shipment.number}:cancel",
                    payload={"shipment": shipment.number, "reason": "order cancelled"},
                    order=order,
                )
            where = "the packing queue" if in_house else f"{shipment.shipper.code} (cancellation sent)"
            open_ticket(
                order=order,
                reason=TicketReason.OTHER,
                problem_key=f"cancelled-after-transmission:{shipment.number}",
                title=f"{order.channel.code} {order.external_id}: cancelled after {shipment.number} reached "
                f"{shipment.shipper.code}",
                body=f"The order was cancelled while {shipment.number} was at {where}. Make sure the parcel "
                "does not leave; if it has left, arrange a return.",
                priority=1,
            )
        cancelled.append(shipment)
    return cancelled


def cancel_shipments_of_cancelled_orders(limit: int = 100) -> int:
    """Job: find open delivery notes of cancelled orders and cancel them (see :func:`cancel_shipments_of_order`).

    A sweep, so a cancellation coming from any path (marketplace import, a person) reaches the shipper.
    """
    with transaction.atomic():
        candidates = (
            SalesOrder.objects.filter(
                status=OrderStatus.CANCELLED,
                shipments__status__in=[ShipmentStatus.CREATED, ShipmentStatus.TRANSMITTED],
            )
            .distinct()
            .order_by("pk")
        )
        orders = lock_due(SalesOrder.objects.filter(pk__in=list(candidates.values_list("pk", flat=True)[:limit])),
                          limit=limit)
        return sum(len(cancel_shipments_of_order(order)) for order in orders)


def mark_cancellation_sent(message) -> None:
    """ON_SENT of ``shipment.cancel``: note in the timeline that the shipper has the cancellation."""
    shipment = Shipment.objects.select_related("order").get(number=message.payload["shipment"])
    record_event(shipment.order, "shipment_cancellation_sent", shipment.number, data=message.result)


def update_shipper_stock(shipper: Shipper, quantities: dict[str, int], *, source: str) -> int:
    """Replace the stock table of a shipper with ``stock = "feed"`` by what it reported.

    A feed is a full snapshot: SKUs it does not name are no longer in stock there.
    Returns the number of SKUs stored.
    """
    if (shipper.stock or {}).get("mode") != "feed":
        raise TerminalError(f"shipper {shipper.code} does not report stock (its stock is not \"feed\")")
    for sku, quantity in quantities.items():
        if not sku or len(sku) > 64 or not isinstance(quantity, int) or not 0 <= quantity <= MAX_STOCK:
            raise TerminalError(f"stock feed of {shipper.code}: bad row {str(sku)[:70]!r} = {str(quantity)[:30]}")
    now = timezone.now()
    with transaction.atomic():
        lock_for_update(shipper)
        ShipperStock.objects.filter(shipper=shipper).exclude(sku__in=list(quantities)).delete()
        for sku, quantity in quantities.items():
            ShipperStock.objects.update_or_create(
                shipper=shipper, sku=sku, defaults={"quantity": quantity, "updated_at": now}
            )
    forget_run_cache()  # a run that memoised the shippers' stock reads the new table
    logger.info("stock of %s updated from %s: %d SKU(s)", shipper.code, source, len(quantities))
    return len(quantities)


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


def package_items(package: Package) -> list[tuple[OrderLine, int]]:
    """The order lines and quantities in ``package``.

    A package that names its lines holds those (spread over the delivery note's lines of each
    SKU); one without holds whatever of the delivery note earlier packages did not.
    """
    shipment = package.shipment
    remaining = [[sl.order_line, sl.quantity] for sl in shipment.lines.select_related("order_line").order_by("pk")]
    # references count an order's packages from 1: the first has no earlier ones to look up
    earlier = shipment.packages.filter(reference__lt=package.reference).order_by("reference")
    if package.reference <= 1:
        earlier = shipment.packages.none()
    for taken in [*(p.lines for p in earlier if p.lines), package.lines or None]:
        if taken is None:
            break
        wanted = dict(taken)
        portion = []
        for entry in remaining:
            line, left = entry
            quantity = min(left, wanted.get(line.sku, 0))
            if quantity:
                wanted[line.sku] -= quantity
                entry[1] -= quantity
                portion.append((line, quantity))
        if taken is package.lines:
            return portion
    return [(line, left) for line, left in remaining if left > 0]
