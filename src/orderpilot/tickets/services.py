"""Opening, commenting and closing tickets."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from orderpilot.core.actors import SYSTEM, Actor

from .models import OPEN_STATUSES, Ticket, TicketComment, TicketReason, TicketStatus


def open_ticket(
    *,
    order=None,
    reason: str,
    problem_key: str,
    title: str,
    body: str = "",
    priority: int = 2,
) -> tuple[Ticket, bool]:
    """Open a ticket for a problem, unless one is already open for it; returns ``(ticket, created)``.

    The database allows one non-closed ticket per ``problem_key``; a concurrent opener that loses
    the race gets the winner's ticket.
    """
    existing = Ticket.objects.filter(problem_key=problem_key, status__in=OPEN_STATUSES).first()
    if existing:
        return existing, False
    try:
        with transaction.atomic():
            ticket = Ticket.objects.create(
                order=order,
                reason=reason,
                problem_key=problem_key,
                title=title[:300],
                body=body,
                priority=priority,
            )
    except IntegrityError:
        return Ticket.objects.get(problem_key=problem_key, status__in=OPEN_STATUSES), False
    if order is not None:
        from orderpilot.orders.timeline import record_event

        record_event(order, "ticket_opened", title, data={"ticket": ticket.pk, "reason": reason})
    return ticket, True


def open_dead_letter_ticket(message, *, error: str) -> Ticket:
    marketplace = message.kind.startswith("marketplace.")
    reason = TicketReason.MARKETPLACE_ERROR if marketplace else TicketReason.DELIVERY_FAILURE
    order = message.order
    where = f"{order.channel.code} {order.external_id}: " if order else ""
    ticket, _ = open_ticket(
        order=order,
        reason=reason,
        problem_key=f"outbox:{message.pk}",
        title=f"{where}{message.kind} could not be delivered",
        body=f"After {message.attempts} attempt(s): {error}",
        priority=1,
    )
    return ticket


def comment_ticket(ticket: Ticket, *, actor: Actor, body: str) -> TicketComment:
    return TicketComment.objects.create(ticket=ticket, author=actor.name, body=body)


def close_ticket(ticket: Ticket, *, actor: Actor = SYSTEM, resolution: str = "") -> Ticket:
    if ticket.status == TicketStatus.CLOSED:
        return ticket
    ticket.status = TicketStatus.CLOSED
    ticket.closed_at = timezone.now()
    ticket.resolution = resolution
    ticket.save(update_fields=["status", "closed_at", "resolution"])
    if ticket.order_id:
        from orderpilot.orders.timeline import record_event

        record_event(ticket.order, "ticket_closed", resolution, actor=actor, data={"ticket": ticket.pk})
    return ticket


def close_tickets_for_problem(problem_key: str, *, actor: Actor, resolution: str) -> int:
    tickets = list(Ticket.objects.filter(problem_key=problem_key, status__in=OPEN_STATUSES))
    for ticket in tickets:
        close_ticket(ticket, actor=actor, resolution=resolution)
    return len(tickets)


def resolve_ticket(ticket: Ticket, *, actor: Actor, requeue: bool, resolution: str = "") -> Ticket:
    """Close ``ticket``; with ``requeue`` put its order back into automatic processing.

    A held order is released (its hold rules overridden); an order whose processing stopped on an
    error is made due again at the step where it stopped. A hold ticket cannot be closed without
    requeue while its order is still on hold: the order would wait with nobody looking at it.

    :raises IllegalTransition: for that case; nothing is changed.
    """
    from orderpilot.core.exceptions import IllegalTransition
    from orderpilot.orders.models import SalesOrder
    from orderpilot.orders.services import release_order, schedule_order
    from orderpilot.orders.states import OrderStatus

    with transaction.atomic():
        ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
        if (
            not requeue
            and ticket.reason == TicketReason.HOLD
            and ticket.order_id
            and SalesOrder.objects.filter(pk=ticket.order_id, status=OrderStatus.ON_HOLD).exists()
        ):
            raise IllegalTransition("the order is still on hold: release it (requeue) or cancel it first")
        close_ticket(ticket, actor=actor, resolution=resolution or "resolved")
        if requeue and ticket.order_id:
            order = SalesOrder.objects.select_for_update().get(pk=ticket.order_id)
            if order.status == OrderStatus.ON_HOLD:
                release_order(order, actor=actor, note=resolution or f"ticket #{ticket.pk} resolved")
            else:
                schedule_order(order)
    return ticket
