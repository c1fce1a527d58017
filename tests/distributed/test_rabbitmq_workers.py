"""Distributed mode: PostgreSQL + RabbitMQ, one scheduler and two worker processes.

The scheduler's sweep and the workers' kicks go through RabbitMQ; the workers advance the same
batch of orders together. Each order's steps must run exactly once, each delivery happen once.
Runs only on PostgreSQL with a reachable RabbitMQ; ``ORDERPILOT_REQUIRE_DISTRIBUTED=1`` (set by
.ci/run) turns a missing server into a failure instead of a skip.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import uuid
from collections import Counter
from pathlib import Path

import pytest
from django.db import connection

from orderpilot.core.models import OutboxMessage
from orderpilot.orders.models import OrderEvent, SalesOrder
from orderpilot.shipping.models import Shipment

from ..processes import orderpilot, process_env

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.distributed]

BROKER = os.environ.get("ORDERPILOT_TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672//")
ORDERS = 60


def _require(condition: bool, reason: str) -> None:
    if condition:
        return
    if os.environ.get("ORDERPILOT_REQUIRE_DISTRIBUTED") == "1":
        pytest.fail(reason)
    pytest.skip(reason)


def _rabbitmq_reachable() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 5672), timeout=2):
            return True
    except OSError:
        return False


def test_scheduler_and_two_workers_over_rabbitmq(tmp_path, channel, products, folder_shipper, channel_order_factory):
    _require(connection.vendor == "postgresql", "the distributed test runs on PostgreSQL")
    _require(_rabbitmq_reachable(), "RabbitMQ is not reachable on 127.0.0.1:5672")
    from orderpilot.channels.services import import_order

    # given: due orders, committed
    for number in range(ORDERS):
        import_order(channel, channel_order_factory(f"DIST-{number:04d}"))

    # when: a scheduler and two workers run against RabbitMQ on a queue of this run's own
    env = process_env(
        DJANGO_SETTINGS_MODULE="orderpilot.settings.base",
        CELERY_BROKER_URL=BROKER,
        ORDERPILOT_QUEUE=f"orderpilot-test-{uuid.uuid4().hex[:8]}",
        ORDERPILOT_DATA_DIR=str(tmp_path),
        ORDERPILOT_SWEEP_SECONDS="1",
        ORDERPILOT_STEP_BATCH="4",
        ORDERPILOT_OUTBOX_BATCH="4",
        ORDERPILOT_KICK_WORKERS="1",
        ORDERPILOT_WORKER_CONCURRENCY="2",
        # order confirmations go to the workers' memory: this test is about delivering once, not SMTP
        ORDERPILOT_EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
    )
    logs = {name: (tmp_path / f"{name}.log").open("w+") for name in ("scheduler", "worker-1", "worker-2")}
    processes = {
        name: subprocess.Popen(
            orderpilot("scheduler" if name == "scheduler" else "worker"),
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        for name, log in logs.items()
    }
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if SalesOrder.objects.filter(status="transmitted").count() == ORDERS:
                break
            for name, process in processes.items():
                assert process.poll() is None, f"{name} died: {Path(logs[name].name).read_text()[-3000:]}"
            time.sleep(0.5)
        time.sleep(3)  # let late duplicates, if any, show themselves
    finally:
        for process in processes.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in processes.values():
            process.wait(timeout=30)
        for log in logs.values():
            log.close()

    # then: all orders advanced, every step ran once, every delivery happened once
    assert Counter(SalesOrder.objects.values_list("status", flat=True)) == {"transmitted": ORDERS}
    transitions = Counter(
        (e.order_id, e.data["from"], e.data["to"]) for e in OrderEvent.objects.filter(kind="status_changed")
    )
    assert len(transitions) == 2 * ORDERS
    assert set(transitions.values()) == {1}
    assert Shipment.objects.count() == ORDERS
    kinds = Counter(OutboxMessage.objects.values_list("kind", flat=True))
    assert kinds == {"shipment.transmit": ORDERS, "email": ORDERS}
    assert set(OutboxMessage.objects.values_list("status", "attempts")) == {("sent", 1)}
    assert len(list(Path(folder_shipper.transport["path"]).iterdir())) == ORDERS
    # and both workers took part
    for name in ("worker-1", "worker-2"):
        log = Path(logs[name].name).read_text()
        assert "orderpilot.run_job" in log, log[-2000:]
        assert "succeeded" in log, log[-2000:]
