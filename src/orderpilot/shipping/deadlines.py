"""Deadlines besides the shipper's confirmation (see ``services.flag_overdue_shipments``): the
marketplace's latest ship date (Amazon ``LatestShipDate`` = ``SalesOrder.ship_by``).

A warning ticket opens once, a configurable lead time before the date
(``settings.ORDERPILOT_SHIP_BY_WARNING``, from the environment variable of that name, as a
duration like ``12h``; default 12 hours). If the date then passes unshipped, the same ticket gets a
comment and top priority; no second ticket.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from orderpilot.core.actors import SYSTEM
from orderpilot.core.configuration.durations import parse_duration
from orderpilot.core.locking import lock_due
from orderpilot.orders.models import SalesOrder
from orderpilot.orders.states import BEFORE_SHIPMENT
from orderpilot.orders.timeline import record_event


def ship_by_lead_time() -> int:
    return parse_duration(settings.ORDERPILOT_SHIP_BY_WARNING)


def watch_ship_by(limit: int = 200) -> int:
    """Job: warn once about orders near their latest ship date; escalate once when it has passed."""
    from orderpilot.tickets.models import OPEN_STATUSES, Ticket, TicketReason
    from orderpilot.tickets.services import comment_ticket, open_ticket

    now = timezone.now()
    lead = dt.timedelta(seconds=ship_by_lead_time())
    done = 0
    with transaction.atomic():
        near = (
            SalesOrder.objects.filter(ship_by__lte=now + lead, status__in=list(BEFORE_SHIPMENT))
            .exclude(events__kind="ship_by_warning")
            .order_by("ship_by", "pk")
        )
        for order in lock_due(near.select_related("channel"), limit=limit):
            left = order.ship_by - now
            when = f"{order.ship_by:%Y-%m-%d %H:%M} UTC"
            record_event(
                order, "ship_by_warning", f"latest ship date {when}", data={"ship_by": order.ship_by.isoformat()}
            )
            open_ticket(
                order=order,
                reason=TicketReason.OTHER,
                problem_key=f"ship-by:{order.pk}",
                title=f"{order.channel.code} {order.external_id}: must ship by {when}, still {order.status}",
                body=f"The marketplace's latest ship date is {when} "
                f"({'passed' if left.total_seconds() <= 0 else f'in {_hours(left)}'}). A late shipment "
                "hurts the seller's metrics.",
                priority=1 if left.total_seconds() <= 0 else 2,
            )
            done += 1
        missed = (
            SalesOrder.objects.filter(
                ship_by__lte=now, status__in=list(BEFORE_SHIPMENT), events__kind="ship_by_warning"
            )
            .exclude(events__kind="ship_by_missed")
            .order_by("ship_by", "pk")
        )
        for order in lock_due(missed.select_related("channel"), limit=limit):
            record_event(order, "ship_by_missed", f"latest ship date {order.ship_by:%Y-%m-%d %H:%M} UTC passed")
            ticket = Ticket.objects.filter(problem_key=f"ship-by:{order.pk}", status__in=OPEN_STATUSES).first()
            if ticket is not None:
                ticket.priority = 1
                ticket.save(update_fields=["priority"])
                comment_ticket(ticket, actor=SYSTEM, body="The latest ship date has passed.")
            done += 1
    return done


def _hours(delta: dt.timedelta) -> str:
    hours = delta.total_seconds() / 3600
    return f"{hours:.1f} h"

