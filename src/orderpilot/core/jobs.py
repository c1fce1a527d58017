"""The periodic jobs, in one place: the scheduler's sweep queues them, ``orderpilot tick`` runs them.

Each job is a function without arguments that does one bounded batch of due work and returns how
much it did (0 when nothing was due). Jobs find their work in the database, so running one twice
or concurrently is harmless.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import transaction
from django.utils import timezone

from .logcontext import log_context
from .models import JobRun
from .registry import resolve
from .runcache import job_run

logger = logging.getLogger(__name__)

#: name → dotted path, in the order a tick runs them.
JOBS: dict[str, str] = {
    "poll_channels": "orderpilot.channels.services.poll_due_channels",
    "advance_orders": "orderpilot.orders.engine.advance_due_orders",
    "render_invoices": "orderpilot.invoicing.services.render_pending_documents",
    "deliver_outbox": "orderpilot.core.outbox.deliver_due_messages",
    "recover_outbox": "orderpilot.core.outbox.requeue_stale_inflight",
    "check_deadlines": "orderpilot.shipping.services.flag_overdue_shipments",
    "flag_stuck_work": "orderpilot.core.health.flag_stuck_work",
    "import_settlements": "orderpilot.channels.services.import_due_settlements",
    "check_invoice_uploads": "orderpilot.channels.services.check_invoice_uploads",
    "collect_bounces": "orderpilot.notifications.bounces.collect_bounces",
    "poll_return_channels": "orderpilot.shipping.returns.poll_return_channels",
    "cancel_shipments": "orderpilot.shipping.services.cancel_shipments_of_cancelled_orders",
    "watch_ship_by": "orderpilot.shipping.deadlines.watch_ship_by",
    "anonymise_personal_data": "orderpilot.customers.privacy.anonymise_expired_personal_data",
}


def job_function(name: str) -> Callable[[], int]:
    try:
        return resolve(JOBS[name])
    except KeyError:
        raise ValueError(f"unknown job {name!r}") from None


def run_job(name: str) -> int:
    """Run one batch of job ``name`` and record when it ran (and failed) for health checks."""
    function = job_function(name)
    started = timezone.now()
    try:
        # configuration is read once per run (see core.runcache), and again by the next run
        with log_context(job=name), job_run():
            done = function()
    except Exception as exc:
        _record(name, started=started, error=f"{type(exc).__name__}: {exc}")
        raise
    _record(name, started=started, error="")
    return done


def _record(name: str, *, started, error: str) -> None:
    fields = {"last_started_at": started, "last_error": error[:2000]}
    if not error:
        fields["last_succeeded_at"] = timezone.now()
    with transaction.atomic():
        JobRun.objects.update_or_create(name=name, defaults=fields)


def run_due_work(*, until_idle: bool = False, max_rounds: int = 10_000) -> dict[str, int]:
    """Run every job once (or until none finds work); return the work done per job."""
    totals = dict.fromkeys(JOBS, 0)
    totals["rounds"] = 0
    for _ in range(max_rounds):
        totals["rounds"] += 1
        round_work = 0
        for name in JOBS:
            done = run_job(name)
            totals[name] += done
            round_work += done
        if not until_idle or round_work == 0:
            break
    return totals
