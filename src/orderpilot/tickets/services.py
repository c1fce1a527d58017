"""Opening, commenting and closing tickets."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from orderpilot.core.actors import SYSTEM, Actor

from .models import OPEN_STATUSES, Ticket, TicketAttachment, TicketComment, TicketReason, TicketStatus


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
                # texts from outside (a mail's subject, a file's beginning) may hold NUL characters,
                # which PostgreSQL cannot store
                title=title.replace("\x00", "\ufffd")[:300],
                body=body.replace("\x00", "\ufffd"),
                priority=priority,
            )
    except IntegrityError:
        return Ticket.objects.get(problem_key=problem_key, status__in=OPEN_STATUSES), False
    if order is not None:
        from orderpilot.orders.timeline import record_event

        record_event(order, "ticket_opened", title, data={"ticket": ticket.pk, "reason": reason})
    notify_staff(ticket)
    return ticket, True


def notify_staff(ticket: Ticket) -> None:
    """Email the staff address (``[notifications] staff_email``) about a new ticket, once."""
    from orderpilot.core.configuration.sections import notification_settings
    from orderpilot.core.outbox import enqueue_message

    staff = notification_settings().staff_email
    if not staff:
        return
    order = ticket.order
    enqueue_message(
        "email",
        key=f"ticket:{ticket.pk}:opened",
        payload={
            "to": staff,
            "subject": f"[OrderPilot] Ticket #{ticket.pk}: {ticket.title}",
            "text": f"{ticket.get_reason_display()}\n\n{ticket.body}\n",
        },
        order=order,
    )


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


def assign_ticket(ticket: Ticket, *, assignee, actor: Actor) -> Ticket:
    """Give ``ticket`` to ``assignee`` (a user, or ``None`` to unassign) and note who did it."""
    ticket.assignee = assignee
    ticket.save(update_fields=["assignee"])
    who = assignee.get_username() if assignee else "nobody"
    TicketComment.objects.create(ticket=ticket, author=actor.name, body=f"assigned to {who}")
    return ticket


def attach_file(ticket: Ticket, *, actor: Actor, name: str, content: bytes) -> TicketAttachment:
    from django.core.files.base import ContentFile

    attachment = TicketAttachment(ticket=ticket, name=name[:200], uploaded_by=actor.name)
    attachment.file.save(name, ContentFile(content), save=True)
    return attachment


def email_customer_from_ticket(ticket: Ticket, *, actor: Actor, subject: str, text: str) -> bool:
    """Write to the order's customer from a ticket, if the channel's policy allows emails.

    Amazon buyers are reached through Amazon's messaging, never by email: refused by default.
    """
    from orderpilot.core.outbox import enqueue_message
    from orderpilot.notifications.policy import may_email

    order = ticket.order
    if order is None or order.customer is None or not order.customer.email:
        return False
    if not may_email(order.channel, "ticket_reply"):
        return False
    number = ticket.comments.count() + 1
    enqueue_message(
        "email",
        key=f"ticket:{ticket.pk}:reply:{number}",
        payload={"to": order.customer.email, "subject": subject, "text": text},
        order=order,
    )
    TicketComment.objects.create(ticket=ticket, author=actor.name, body=f"emailed the customer: {subject}")
    return True


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
