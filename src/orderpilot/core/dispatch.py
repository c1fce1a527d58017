"""Wake a worker after a commit that made work due.

This is only a shortcut: the scheduler's sweep finds all due work anyway, so a kick that is lost
(broker down, process killed right after commit) merely delays the work until the next sweep.
"""

from __future__ import annotations

import functools
import logging

from django.conf import settings
from django.db import transaction

logger = logging.getLogger(__name__)


def kick(job: str) -> None:
    """After the current transaction commits, queue one run of periodic job ``job``.

    Several kicks of the same job in one transaction queue it once.
    """
    if not settings.ORDERPILOT_KICK_WORKERS:
        return
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        _send(job)
        return
    already = any(
        isinstance(callback, functools.partial) and callback.func is _send and callback.args == (job,)
        for _sids, callback, _robust in connection.run_on_commit
    )
    if not already:
        transaction.on_commit(functools.partial(_send, job), robust=True)


def _send(job: str) -> None:
    from .tasks import run_job_task

    try:
        run_job_task.apply_async(args=[job], expires=settings.ORDERPILOT_SWEEP_SECONDS * 4)
    except Exception:  # the broker is down: the next sweep will find the work
        logger.warning("could not queue job %s; the next sweep will pick it up", job, exc_info=True)
