import datetime as dt

import pytest
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from orderpilot.core import outbox
from orderpilot.core.exceptions import RetryableError, TerminalError
from orderpilot.core.models import OutboxMessage, OutboxStatus
from orderpilot.tickets.models import Ticket

pytestmark = pytest.mark.django_db

CALLS: list[str] = []
OUTCOMES: list[Exception | None] = []


def recording_handler(message):
    CALLS.append(message.idempotency_key)
    outcome = OUTCOMES.pop(0) if OUTCOMES else None
    if outcome is not None:
        raise outcome
    return {"received": message.payload["n"]}


HANDLERS = {"test.record": f"{__name__}.recording_handler"}


@pytest.fixture(autouse=True)
def _reset():
    CALLS.clear()
    OUTCOMES.clear()
    with override_settings(ORDERPILOT_OUTBOX_HANDLERS=HANDLERS, ORDERPILOT_OUTBOX_MAX_ATTEMPTS=3):
        yield


def _enqueue(key="k1", n=1):
    with transaction.atomic():
        return outbox.enqueue_message("test.record", key=key, payload={"n": n})


def test_enqueue_is_idempotent_by_key():
    first = _enqueue("same", 1)
    second = _enqueue("same", 2)
    assert first.pk == second.pk
    assert OutboxMessage.objects.get().payload == {"n": 1}


@pytest.mark.django_db(transaction=True)  # the default test wraps everything in a transaction
def test_enqueue_refuses_to_run_outside_a_transaction():
    with pytest.raises(RuntimeError):
        outbox.enqueue_message("test.record", key="x", payload={"n": 1})
    assert OutboxMessage.objects.count() == 0


def test_enqueue_refuses_unknown_kind():
    with pytest.raises(ValueError, match="unknown outbox kind"), transaction.atomic():
        outbox.enqueue_message("nope", key="x", payload={})


def test_delivered_once_then_never_again():
    _enqueue()
    assert outbox.deliver_due_messages() == 1
    assert outbox.deliver_due_messages() == 0
    message = OutboxMessage.objects.get()
    assert (message.status, message.attempts, message.result) == (OutboxStatus.SENT, 1, {"received": 1})
    assert message.sent_at is not None
    assert CALLS == ["k1"]


def test_passing_failure_is_retried_later_with_backoff():
    # given a receiver that fails once
    OUTCOMES.append(RetryableError("busy"))
    _enqueue()
    before = timezone.now()
    # when
    outbox.deliver_due_messages()
    # then it waits, and is not retried before its time
    message = OutboxMessage.objects.get()
    assert message.status == OutboxStatus.RETRY
    assert message.last_error == "busy"
    assert before + dt.timedelta(seconds=7) <= message.next_attempt_at <= before + dt.timedelta(seconds=16)
    assert outbox.deliver_due_messages() == 0
    # when its time has come it is delivered
    OutboxMessage.objects.update(next_attempt_at=timezone.now())
    assert outbox.deliver_due_messages() == 1
    assert OutboxMessage.objects.get().status == OutboxStatus.SENT
    assert CALLS == ["k1", "k1"]


def test_retry_after_from_the_receiver_is_honoured():
    OUTCOMES.append(RetryableError("429", retry_after=600))
    _enqueue()
    outbox.deliver_due_messages()
    assert OutboxMessage.objects.get().next_attempt_at >= timezone.now() + dt.timedelta(seconds=590)


def test_backoff_grows_exponentially_with_jitter_and_is_capped():
    for attempts, ceiling in [(1, 15), (2, 30), (3, 60), (10, 3600), (30, 3600)]:
        delays = [outbox.backoff_delay(attempts) for _ in range(200)]
        assert min(delays) >= ceiling * 0.5
        assert max(delays) <= ceiling
        assert len(set(delays)) > 1  # jitter


def test_terminal_failure_becomes_dead_letter_with_one_ticket():
    OUTCOMES.append(TerminalError("400 bad address"))
    _enqueue()
    outbox.deliver_due_messages()
    message = OutboxMessage.objects.get()
    assert message.status == OutboxStatus.DEAD
    ticket = Ticket.objects.get()
    assert ticket.problem_key == f"outbox:{message.pk}"
    assert "400 bad address" in ticket.body


def test_retries_exhausted_become_dead_letter():
    OUTCOMES.extend([RetryableError("down")] * 3)
    _enqueue()
    for _ in range(3):
        OutboxMessage.objects.update(next_attempt_at=timezone.now())
        outbox.deliver_due_messages()
    message = OutboxMessage.objects.get()
    assert (message.status, message.attempts) == (OutboxStatus.DEAD, 3)
    assert Ticket.objects.count() == 1
    assert outbox.deliver_due_messages() == 0


def test_unexpected_exception_is_retried_not_lost():
    OUTCOMES.append(KeyError("bug"))
    _enqueue()
    outbox.deliver_due_messages()
    message = OutboxMessage.objects.get()
    assert message.status == OutboxStatus.RETRY
    assert "KeyError" in message.last_error


def test_stale_inflight_entry_of_a_dead_worker_is_requeued():
    message = _enqueue()
    outbox.claim_due_messages(limit=10)  # a worker claimed it and died
    assert outbox.deliver_due_messages() == 0
    with override_settings(ORDERPILOT_OUTBOX_INFLIGHT_TIMEOUT=60):
        assert outbox.requeue_stale_inflight() == 0  # not stale yet
        OutboxMessage.objects.update(inflight_since=timezone.now() - dt.timedelta(seconds=61))
        assert outbox.requeue_stale_inflight() == 1
    assert outbox.deliver_due_messages() == 1
    message.refresh_from_db()
    assert (message.status, message.attempts) == (OutboxStatus.SENT, 2)


def test_a_late_outcome_from_a_replaced_worker_is_ignored():
    # given a message claimed by worker A, then requeued and claimed again by worker B
    _enqueue()
    [claimed_by_a] = outbox.claim_due_messages(limit=1)
    OutboxMessage.objects.update(status=OutboxStatus.RETRY, inflight_since=None, next_attempt_at=timezone.now())
    [claimed_by_b] = outbox.claim_due_messages(limit=1)
    # when A finally reports a failure
    outbox._retry_or_give_up(claimed_by_a, "late", retry_after=None)
    # then B's claim stands
    message = OutboxMessage.objects.get()
    assert (message.status, message.attempts) == (OutboxStatus.INFLIGHT, claimed_by_b.attempts)


def test_a_message_taken_over_while_its_batch_was_slow_is_not_delivered_twice(monkeypatch):
    # given worker A claimed two messages in one batch, and the first delivery takes so long that
    # the second looks abandoned: the sweeper hands it back and worker B delivers it
    _enqueue("first", 1)
    _enqueue("second", 2)

    def slow_first_delivery(message):
        if message.idempotency_key == "first":
            OutboxMessage.objects.filter(idempotency_key="second").update(
                inflight_since=timezone.now() - dt.timedelta(hours=1)
            )
            assert outbox.requeue_stale_inflight() == 1
            [taken_by_b] = outbox.claim_due_messages(limit=10)
            outbox.deliver_claimed_message(taken_by_b)
        return recording_handler(message)

    monkeypatch.setattr(outbox, "resolve", lambda path: slow_first_delivery)
    # when A goes on with its batch
    assert outbox.deliver_due_messages(limit=2) == 2
    # then the second message reached its receiver once (through B), not again through A
    assert sorted(CALLS) == ["first", "second"]
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {OutboxStatus.SENT}
