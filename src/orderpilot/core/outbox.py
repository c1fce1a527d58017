"""The transactional outbox: effects on the outside world, written with the state change.

Writing: :func:`enqueue_message` inside the transaction that changes state. The idempotency key is
unique in the database, so writing the same effect twice yields the one row that exists.

Delivering (:func:`deliver_due_messages`), pretix's ``OutgoingMail`` pattern:
1. in a short transaction, lock due rows (``SKIP LOCKED``), mark them ``inflight``, commit;
2. call each handler outside any transaction;
3. record ``sent``, or ``retry`` with exponential backoff and jitter, or ``dead`` (dead letter,
   with a ticket) once retries are used up or the error is terminal. If the database is away just
   when ``sent`` is to be recorded, the worker keeps trying for a while: the effect has happened.
A worker killed in step 2 leaves the row ``inflight``; :func:`requeue_stale_inflight` hands it to
another worker after ``ORDERPILOT_OUTBOX_INFLIGHT_TIMEOUT``. Handlers get the idempotency key so
the receiver can recognise a repeat (message id, file name, package reference).
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import time
from collections.abc import Callable
from typing import Any, Protocol

from django.conf import settings
from django.db import InterfaceError, OperationalError, connections, transaction
from django.utils import timezone

from .dispatch import kick
from .exceptions import RetryableError, TerminalError
from .locking import lock_due
from .logcontext import log_context
from .models import OutboxMessage, OutboxStatus
from .registry import resolve

logger = logging.getLogger(__name__)

#: Outbox kinds and the handler that delivers each. Apps add their kinds here, in one place.
HANDLERS: dict[str, str] = {
    "email": "orderpilot.notifications.delivery.deliver_email",
    "shipment.transmit": "orderpilot.shipping.transmission.deliver_transmission",
    "shipment.cancel": "orderpilot.shipping.transmission.deliver_cancellation",
    "marketplace.confirm_shipment": "orderpilot.channels.services.deliver_shipment_confirmation",
    "marketplace.request_review": "orderpilot.channels.services.deliver_review_request",
    "marketplace.invoice_upload": "orderpilot.channels.services.deliver_invoice_upload",
}

#: Outbox kinds whose delivery changes state: run in the transaction that records ``sent``.
ON_SENT: dict[str, str] = {
    "shipment.transmit": "orderpilot.shipping.services.mark_shipment_transmitted",
    "shipment.cancel": "orderpilot.shipping.services.mark_cancellation_sent",
    "marketplace.confirm_shipment": "orderpilot.channels.services.mark_marketplace_confirmed",
}

#: how long a worker keeps trying to record a delivery while the database is away
RECORD_PATIENCE_SECONDS = 60.0
BACKOFF_BASE_SECONDS = 15.0
BACKOFF_CAP_SECONDS = 3600.0


class OutboxHandler(Protocol):
    """Delivers one message. Returns what the receiver said (stored as ``result``).

    Raises :class:`RetryableError` for passing failures and :class:`TerminalError` when trying
    again cannot help. Must not open a transaction that outlives the call.
    """

    def __call__(self, message: OutboxMessage) -> dict[str, Any]: ...


def enqueue_message(
    kind: str,
    *,
    key: str,
    payload: dict[str, Any],
    order=None,
    not_before: dt.datetime | None = None,
) -> OutboxMessage:
    """Write an outbox entry in the caller's transaction; an existing ``key`` is returned as is."""
    if kind not in handlers():
        raise ValueError(f"unknown outbox kind {kind!r}")
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("enqueue_message() must run inside the transaction that changes state")
    message, created = OutboxMessage.objects.get_or_create(
        idempotency_key=key,
        defaults={
            "kind": kind,
            "payload": payload,
            "order": order,
            "next_attempt_at": not_before or timezone.now(),
        },
    )
    if created:
        kick("deliver_outbox")
    return message


def handlers() -> dict[str, str]:
    return {**HANDLERS, **getattr(settings, "ORDERPILOT_OUTBOX_HANDLERS", {})}


def deliver_due_messages(limit: int | None = None) -> int:
    """Claim and deliver up to ``limit`` due messages; returns how many were attempted."""
    limit = limit or settings.ORDERPILOT_OUTBOX_BATCH
    claimed = claim_due_messages(limit=limit)
    for message in claimed:
        if _renew_claim(message):
            deliver_claimed_message(message)
    return len(claimed)


def _renew_claim(message: OutboxMessage) -> bool:
    """Restart the in-flight clock of a claimed message just before its handler runs.

    The messages of a batch are claimed together and delivered one after the other, so without this
    the last of a slow batch could look abandoned and be handed to another worker while this one is
    still about to deliver it: it would be delivered twice. Returns False if that already happened
    (the message was taken back and is another worker's now).
    """
    now = timezone.now()
    renewed = OutboxMessage.objects.filter(
        pk=message.pk, status=OutboxStatus.INFLIGHT, attempts=message.attempts
    ).update(inflight_since=now)
    if renewed:
        message.inflight_since = now
    return bool(renewed)


def note_on_message(message: OutboxMessage, note: dict[str, Any]) -> None:
    """Store ``note`` as the entry's ``result`` at once, outside the delivery's outcome: what a handler
    must find on a later attempt (a request that left, whose answer may be lost)."""
    OutboxMessage.objects.filter(pk=message.pk).update(result=note)


def claim_due_messages(*, limit: int) -> list[OutboxMessage]:
    """Mark due messages ``inflight`` and commit, so no other worker takes them."""
    now = timezone.now()
    with transaction.atomic():
        due = OutboxMessage.objects.filter(
            status__in=[OutboxStatus.QUEUED, OutboxStatus.RETRY], next_attempt_at__lte=now
        ).order_by("next_attempt_at", "pk")
        messages = lock_due(due, limit=limit)
        for message in messages:
            message.status = OutboxStatus.INFLIGHT
            message.inflight_since = now
            message.attempts += 1
            message.save(update_fields=["status", "inflight_since", "attempts"])
    return messages


def deliver_claimed_message(message: OutboxMessage) -> None:
    """Run the handler of a message this worker claimed and record the outcome."""
    with log_context(outbox_id=message.pk, outbox_kind=message.kind, order_id=message.order_id):
        _deliver_claimed_message(message)


def _deliver_claimed_message(message: OutboxMessage) -> None:
    handler = resolve(handlers()[message.kind])
    try:
        result = handler(message)
    except TerminalError as exc:
        _give_up(message, str(exc))
    except RetryableError as exc:
        _retry_or_give_up(message, str(exc), retry_after=exc.retry_after)
    except Exception as exc:  # an unexpected bug or outage: retry, and keep the traceback in the log
        logger.exception("outbox %s (%s) failed unexpectedly", message.pk, message.kind)
        _retry_or_give_up(message, f"{type(exc).__name__}: {exc}", retry_after=None)
    else:
        _while_database_returns(lambda: _record_sent(message, result))


def _record_sent(message: OutboxMessage, result: dict[str, Any] | None) -> None:
    with transaction.atomic():
        if _finish(message, status=OutboxStatus.SENT, result=result or {}, sent_at=timezone.now()):
            on_sent = ON_SENT.get(message.kind)
            if on_sent:
                resolve(on_sent)(message)


def _while_database_returns(record: Callable[[], None]) -> None:
    """Run ``record`` until it commits, for up to ``RECORD_PATIENCE_SECONDS`` while the database is
    unreachable (a restart, a dropped connection) or chose the transaction as a deadlock victim.

    The effect has already left the system: giving up here would leave the entry in flight, and the
    entry would be delivered a second time once it is taken back.
    """
    deadline = time.monotonic() + RECORD_PATIENCE_SECONDS
    delay = 0.5
    while True:
        try:
            record()
            return
        except (OperationalError, InterfaceError):
            if transaction.get_connection().in_atomic_block or time.monotonic() + delay > deadline:
                raise
            logger.warning("outbox: could not record a delivery (database unreachable); again in %.1fs", delay)
            connections["default"].close()  # the next query opens a new connection
            time.sleep(delay)
            delay = min(delay * 2, 2.0)


def backoff_delay(attempts: int, *, retry_after: float | None = None) -> float:
    """Exponential backoff with jitter: 15 s, 30 s, 60 s … capped at an hour, times 0.5–1.0."""
    ceiling = min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2 ** max(attempts - 1, 0))
    delay = ceiling * random.uniform(0.5, 1.0)  # noqa: S311 - jitter, not cryptography
    return max(delay, retry_after or 0.0)


def _retry_or_give_up(message: OutboxMessage, error: str, *, retry_after: float | None) -> None:
    if message.attempts >= settings.ORDERPILOT_OUTBOX_MAX_ATTEMPTS:
        _give_up(message, error)
        return
    delay = backoff_delay(message.attempts, retry_after=retry_after)
    _finish(
        message,
        status=OutboxStatus.RETRY,
        last_error=error[:4000],
        next_attempt_at=timezone.now() + dt.timedelta(seconds=delay),
    )
    logger.info("outbox %s (%s) retry in %.0fs: %s", message.pk, message.kind, delay, error)


def _give_up(message: OutboxMessage, error: str) -> None:
    from orderpilot.tickets.services import open_dead_letter_ticket

    with transaction.atomic():
        updated = _finish(message, status=OutboxStatus.DEAD, last_error=error[:4000])
        if updated:
            open_dead_letter_ticket(message, error=error)
    logger.warning("outbox %s (%s) is a dead letter: %s", message.pk, message.kind, error)


def _finish(message: OutboxMessage, *, status: str, **fields: Any) -> bool:
    """Record an outcome, but only if this worker still holds the message (it may have been requeued)."""
    updated = OutboxMessage.objects.filter(
        pk=message.pk, status=OutboxStatus.INFLIGHT, attempts=message.attempts
    ).update(status=status, inflight_since=None, **fields)
    if updated:
        for name, value in {"status": status, "inflight_since": None, **fields}.items():
            setattr(message, name, value)
    return bool(updated)


def requeue_stale_inflight() -> int:
    """Hand messages left ``inflight`` by a dead worker back for delivery; returns how many."""
    cutoff = timezone.now() - dt.timedelta(seconds=settings.ORDERPILOT_OUTBOX_INFLIGHT_TIMEOUT)
    with transaction.atomic():
        stale = lock_due(
            OutboxMessage.objects.filter(status=OutboxStatus.INFLIGHT, inflight_since__lt=cutoff).order_by("pk"),
            limit=500,
        )
        for message in stale:
            message.status = OutboxStatus.RETRY
            message.inflight_since = None
            message.next_attempt_at = timezone.now()
            message.last_error = "worker stopped while delivering; delivering again"
            message.save(update_fields=["status", "inflight_since", "next_attempt_at", "last_error"])
    if stale:
        logger.warning("requeued %d outbox message(s) left in flight by a stopped worker", len(stale))
    return len(stale)
