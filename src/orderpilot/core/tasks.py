"""Thin Celery tasks: the sweep, and one task that runs a periodic job's batch."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from .jobs import JOBS, run_job


@shared_task(name="orderpilot.sweep", ignore_result=True)
def sweep_task() -> None:
    """Queue one run of every periodic job. Runs on the scheduler's beat."""
    for name in JOBS:
        run_job_task.apply_async(args=[name], expires=settings.ORDERPILOT_SWEEP_SECONDS * 4)


@shared_task(name="orderpilot.run_job", ignore_result=True, acks_late=True)
def run_job_task(name: str) -> int:
    """Run one batch of a periodic job; if it filled its batch, queue the next at once."""
    done = run_job(name)
    if done >= _batch_size(name):
        run_job_task.apply_async(args=[name], expires=settings.ORDERPILOT_SWEEP_SECONDS * 4)
    return done


def _batch_size(name: str) -> int:
    from orderpilot.invoicing.services import RENDER_BATCH

    return {
        "advance_orders": settings.ORDERPILOT_STEP_BATCH,
        "deliver_outbox": settings.ORDERPILOT_OUTBOX_BATCH,
        # without it a backlog of invoices was rendered 20 per sweep, whatever the number of workers
        "render_invoices": RENDER_BATCH,
    }.get(name, 10**9)
