"""What the health endpoint, the metrics and the stuck-work detector look at."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from django.db.models import Count
from django.utils import timezone

from .models import JobRun, OutboxMessage, OutboxStatus

#: a job that has not succeeded for this long means no worker or scheduler is running
WORKER_SILENCE = dt.timedelta(minutes=5)
#: outbox entries due for longer than this count as a backlog
OUTBOX_BACKLOG_AGE = dt.timedelta(minutes=15)
#: a channel whose last successful poll is older than this many intervals is stuck
MISSED_POLLS = 3


@dataclass(frozen=True)
class Problem:
    key: str
    message: str


def database_ok() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        return cursor.fetchone() == (1,)


def broker_ok(timeout: float = 2.0) -> bool:
    from kombu import Connection

    try:
        with Connection(settings.CELERY_BROKER_URL, connect_timeout=timeout) as broker:
            broker.ensure_connection(max_retries=1, timeout=timeout)
    except Exception:  # any failure to connect means the broker is not usable
        return False
    return True


def last_worker_activity() -> dt.datetime | None:
    return JobRun.objects.filter(name="advance_orders").values_list("last_succeeded_at", flat=True).first()


def outbox_counts() -> dict[str, int]:
    rows = OutboxMessage.objects.values("status").annotate(n=Count("pk"))
    counts = dict.fromkeys(OutboxStatus.values, 0)
    counts.update({row["status"]: row["n"] for row in rows})
    return counts


def stuck_work(now: dt.datetime | None = None) -> list[Problem]:
    """Everything that should be moving and is not: silent workers, stale polls, backlogs."""
    from orderpilot.channels.models import Channel

    now = now or timezone.now()
    problems = []
    last = last_worker_activity()
    if last is None or now - last > WORKER_SILENCE:
        problems.append(Problem("workers", "no worker has advanced orders for more than 5 minutes"))
    for channel in Channel.objects.filter(active=True):
        allowed = dt.timedelta(seconds=channel.poll_interval * MISSED_POLLS)
        silent = channel.last_poll_ok_at is not None and now - channel.last_poll_ok_at > allowed
        failing = channel.poll_failing_since is not None and now - channel.poll_failing_since > allowed
        if silent or failing:
            reference = channel.last_poll_ok_at
            since = f"since {reference:%Y-%m-%d %H:%M} UTC" if reference else "yet"
            detail = f": {channel.last_poll_error}" if channel.last_poll_error else ""
            problems.append(Problem(f"poll:{channel.code}", f"{channel.code}: no successful poll {since}{detail}"))
    backlog = OutboxMessage.objects.filter(
        status__in=[OutboxStatus.QUEUED, OutboxStatus.RETRY], next_attempt_at__lt=now - OUTBOX_BACKLOG_AGE
    ).count()
    if backlog:
        problems.append(Problem("outbox", f"{backlog} outbox message(s) overdue by more than 15 minutes"))
    return problems


def flag_stuck_work() -> int:
    """Periodic job: one ticket per kind of stuck work while it lasts; returns how many opened."""
    from orderpilot.tickets.models import TicketReason
    from orderpilot.tickets.services import open_ticket

    opened = 0
    for problem in stuck_work():
        if problem.key == "workers":
            continue  # a running job proves workers run; the health endpoint reports silence
        _, created = open_ticket(
            reason=TicketReason.PROCESSING_ERROR,
            problem_key=f"stuck:{problem.key}",
            title=problem.message,
            priority=1,
        )
        opened += created
    return opened
