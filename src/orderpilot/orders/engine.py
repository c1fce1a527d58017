"""The order engine: advance every order whose next step is due.

One pass locks a batch of due orders (``SKIP LOCKED`` on PostgreSQL, so concurrent workers take
different orders) and runs each order's step in a savepoint of that transaction. A step is
idempotent by construction: it runs only while the order is in the step's status, under the row
lock, and either moves the order on or says when to look again. A failing step rolls back its
own savepoint only; passing failures are retried with backoff, others open a ticket.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import OperationalError, transaction
from django.utils import timezone

from orderpilot.core.exceptions import RetryableError
from orderpilot.core.locking import lock_due
from orderpilot.core.logcontext import log_context
from orderpilot.core.outbox import backoff_delay
from orderpilot.core.registry import resolve
from orderpilot.core.runcache import job_run

from .models import SalesOrder
from .pipeline import STEPS
from .timeline import record_event

logger = logging.getLogger(__name__)

#: PostgreSQL's deadlock_detected and serialization_failure: the transaction may simply be run again
TRANSIENT_SQLSTATES = frozenset({"40P01", "40001"})


class StepMadeNoProgress(RuntimeError):
    """A step neither changed the status nor moved ``next_step_at`` into the future (a bug)."""


def advance_due_orders(limit: int | None = None) -> int:
    """Run the due step of up to ``limit`` orders; returns how many orders were looked at."""
    limit = limit or settings.ORDERPILOT_STEP_BATCH
    now = timezone.now()
    # the batch is one job run: configuration (rules, shippers, products, settings) is read once
    with job_run(), transaction.atomic():
        due = SalesOrder.objects.filter(next_step_at__lte=now).order_by("next_step_at", "pk")
        # the steps read channel, customer and lines of every order: one query for each, per batch
        orders = lock_due(due.select_related("channel", "customer").prefetch_related("lines"), limit=limit)
        for order in orders:
            run_step(order, now=now)
    return len(orders)


def run_step(order: SalesOrder, *, now: dt.datetime) -> None:
    """Run the step for ``order``'s status. The caller holds the row lock in a transaction."""
    with log_context(order_id=order.pk, channel=order.channel.code, external_id=order.external_id):
        _run_step(order, now=now)


def _run_step(order: SalesOrder, *, now: dt.datetime) -> None:
    step_path = STEPS.get(order.status)
    if step_path is None:
        order.next_step_at = None
        order.save(update_fields=["next_step_at"])
        return
    status_before = order.status
    try:
        with transaction.atomic():
            resolve(step_path)(order)
            if order.status == status_before and order.next_step_at is not None and order.next_step_at <= now:
                raise StepMadeNoProgress(f"{step_path} left order {order.pk} due in status {order.status}")
    except RetryableError as exc:
        order.refresh_from_db()
        _retry_later(order, str(exc), retry_after=exc.retry_after)
    except OperationalError as exc:
        if getattr(exc.__cause__, "sqlstate", None) not in TRANSIENT_SQLSTATES:
            raise
        # two batches took shared rows (number series) in opposite order and the database chose
        # this step to give way: its savepoint is rolled back, nothing of it happened; try again
        order.refresh_from_db()
        _retry_later(order, f"{type(exc).__name__}: {exc}", retry_after=None)
    except Exception as exc:
        logger.exception("step %s failed for order %s", step_path, order.pk)
        order.refresh_from_db()
        _stop_with_ticket(order, f"{type(exc).__name__}: {exc}")


def _retry_later(order: SalesOrder, error: str, *, retry_after: float | None) -> None:
    order.step_attempts += 1
    if order.step_attempts >= settings.ORDERPILOT_STEP_MAX_ATTEMPTS:
        _stop_with_ticket(order, error)
        return
    delay = backoff_delay(order.step_attempts, retry_after=retry_after)
    order.next_step_at = timezone.now() + dt.timedelta(seconds=delay)
    order.save(update_fields=["step_attempts", "next_step_at", "updated_at"])
    record_event(order, "step_retry", error, data={"attempt": order.step_attempts, "delay_s": round(delay)})


def _stop_with_ticket(order: SalesOrder, error: str) -> None:
    """Park the order (no next step) and hand it to a person; resolving the ticket requeues it."""
    from orderpilot.tickets.models import TicketReason
    from orderpilot.tickets.services import open_ticket

    order.next_step_at = None
    order.save(update_fields=["next_step_at", "step_attempts", "updated_at"])
    record_event(order, "step_failed", error, data={"status": order.status})
    open_ticket(
        order=order,
        reason=TicketReason.PROCESSING_ERROR,
        problem_key=f"step:{order.pk}:{order.status}",
        title=f"{order.channel.code} {order.external_id}: processing stopped in {order.status}",
        body=error,
        priority=1,
    )
