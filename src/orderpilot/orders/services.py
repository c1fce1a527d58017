"""Domain actions on orders. Each runs in one transaction and writes the timeline."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from orderpilot.core.actors import SYSTEM, Actor
from orderpilot.core.bulk import insert_rows
from orderpilot.core.dispatch import kick
from orderpilot.core.exceptions import IllegalTransition
from orderpilot.core.locking import lock_for_update

from .holds import Firing
from .models import HoldReason, HoldStatus, OrderEvent, SalesOrder
from .pipeline import has_step
from .states import ALLOWED_TRANSITIONS, BEFORE_SHIPMENT, OrderStatus, check_transition
from .timeline import EVENT_FIELDS, record_event


def transition_order(
    order: SalesOrder,
    to: str,
    *,
    actor: Actor = SYSTEM,
    reason: str = "",
    data: dict | None = None,
) -> SalesOrder:
    """Move ``order`` to status ``to`` if the transition table allows it, and record why.

    The order is due at once if the new status has a step, otherwise it waits for an event.
    The caller holds the order's row lock (the engine does; services lock it themselves).
    """
    check_transition(order.status, to)
    previous = order.status
    order.status = to
    order.step_attempts = 0
    order.next_step_at = timezone.now() if has_step(to) else None
    if to == OrderStatus.ON_HOLD:
        order.held_from = previous
    order.save(update_fields=["status", "step_attempts", "next_step_at", "held_from", "updated_at"])
    record_event(
        order,
        "status_changed",
        reason,
        actor=actor,
        data={"from": previous, "to": to, **(data or {})},
    )
    if order.next_step_at is not None:
        kick("advance_orders")
    return order


#: ids per ``IN (…)`` list: below SQLite's smallest limit of 999 query parameters
IDS_PER_QUERY = 900


def transition_orders(orders: list[tuple[int, str]], to: OrderStatus, *, actor: Actor, reason: str) -> None:
    """``transition_order`` for many orders ``(pk, status)`` at once.

    The same check of the transition table for every order (``IllegalTransition`` before anything
    changes), the same fields saved, the same ``status_changed`` timeline entry per order and the
    same kick, in one UPDATE and one insert per batch instead of two statements per order. The
    caller holds the orders' row locks; the UPDATE is also limited to the statuses that may move to
    ``to`` and must find every order, so an order that moved meanwhile fails rather than jumps.
    """
    if not orders:
        return
    if to == OrderStatus.ON_HOLD:  # transition_order also keeps each order's status in held_from
        raise ValueError("put orders on hold with transition_order")
    for _, status in orders:
        check_transition(status, to)
    now = timezone.now()
    next_step_at = now if has_step(to) else None
    sources = [status for status, targets in ALLOWED_TRANSITIONS.items() if to in targets]
    ids = [pk for pk, _ in orders]
    moved = 0
    for start in range(0, len(ids), IDS_PER_QUERY):
        moved += SalesOrder.objects.filter(pk__in=ids[start : start + IDS_PER_QUERY], status__in=sources).update(
            status=to, step_attempts=0, next_step_at=next_step_at, updated_at=now
        )
    if moved != len(ids):
        raise IllegalTransition(f"{len(ids) - moved} of {len(ids)} orders changed status on their way to {to}")
    insert_rows(
        OrderEvent,
        EVENT_FIELDS,
        [(pk, now, "status_changed", reason, actor.name, {"from": status, "to": to}) for pk, status in orders],
    )
    if next_step_at is not None:
        kick("advance_orders")


def wait_order(order: SalesOrder, *, until: dt.datetime | None, reason: str = "") -> SalesOrder:
    """Leave ``order`` in its status until ``until`` (``None``: until an outside event)."""
    order.next_step_at = until
    order.save(update_fields=["next_step_at", "updated_at"])
    return order


def schedule_order(order: SalesOrder) -> SalesOrder:
    """Make ``order`` due now (an outside event arrived that its step waits for)."""
    if has_step(order.status):
        order.next_step_at = timezone.now()
        order.save(update_fields=["next_step_at", "updated_at"])
        kick("advance_orders")
    return order


def hold_order(order: SalesOrder, firings: Iterable[Firing], *, actor: Actor = SYSTEM) -> SalesOrder:
    """Put ``order`` on hold for the rules that fired, with one ticket for this hold episode."""
    from orderpilot.tickets.models import TicketReason
    from orderpilot.tickets.services import open_ticket

    firings = list(firings)
    HoldReason.objects.bulk_create(
        HoldReason(order=order, code=f.code, rule=f.rule, evidence=f.evidence) for f in firings
    )
    summary = ", ".join(f.rule for f in firings)
    transition_order(
        order, OrderStatus.ON_HOLD, actor=actor, reason=summary, data={"rules": [f.rule for f in firings]}
    )
    open_ticket(
        order=order,
        reason=TicketReason.HOLD,
        problem_key=f"hold:{order.pk}",
        title=f"{order.channel.code} {order.external_id}: {summary}",
        body="\n".join(f"{f.rule} ({f.code}): {f.describe()}" for f in firings),
    )
    return order


def release_order(order: SalesOrder, *, actor: Actor, note: str = "") -> SalesOrder:
    """Put a held order back into automatic processing at the step where it stopped.

    The rules that held it are overridden for this order and do not fire again; the hold ticket
    is closed. Raises :class:`IllegalTransition` if the order is not on hold.
    """
    from orderpilot.tickets.services import close_tickets_for_problem

    with transaction.atomic():
        order = lock_for_update(order)
        if order.status != OrderStatus.ON_HOLD:
            raise IllegalTransition(f"order {order} is {order.status}, not on hold")
        active = list(order.hold_reasons.filter(status=HoldStatus.ACTIVE))
        now = timezone.now()
        overridden = sorted({*order.overridden_rules, *(r.rule for r in active)})
        order.hold_reasons.filter(pk__in=[r.pk for r in active]).update(
            status=HoldStatus.OVERRIDDEN, resolved_by_id=actor.user_id, resolved_at=now
        )
        order.overridden_rules = overridden
        order.save(update_fields=["overridden_rules", "updated_at"])
        transition_order(
            order,
            OrderStatus.RELEASED,
            actor=actor,
            reason=note or "released by a person",
            data={"overridden": [r.rule for r in active]},
        )
        close_tickets_for_problem(f"hold:{order.pk}", actor=actor, resolution=note or "order released")
    return order


def cancel_order(order: SalesOrder, *, actor: Actor = SYSTEM, reason: str) -> SalesOrder:
    """Stop ``order``. Before shipment this is a plain cancellation; the caller has the row lock."""
    if order.status == OrderStatus.CANCELLED:
        return order
    if order.status not in BEFORE_SHIPMENT:
        raise IllegalTransition(f"order {order} is {order.status}; reverse it with a credit note instead")
    was_held = order.status == OrderStatus.ON_HOLD
    transition_order(order, OrderStatus.CANCELLED, actor=actor, reason=reason)
    if was_held:
        from orderpilot.tickets.services import close_tickets_for_problem

        # nobody has to decide any more whether a cancelled order may ship
        close_tickets_for_problem(f"hold:{order.pk}", actor=actor, resolution=f"order cancelled: {reason}")
    return order
