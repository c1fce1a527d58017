"""Several worker processes invoice at the same time: numbers stay consecutive and gap-free.

On PostgreSQL the engine's ``SKIP LOCKED`` spreads the orders over the processes, which then draw
invoice numbers from the one counter row at the same time; its row lock serialises them. On
SQLite the IMMEDIATE transactions serialise the writers instead. Either way: one invoice per
order, numbers 1..N without a gap or a repeat.
"""

from __future__ import annotations

import subprocess
from collections import Counter

import pytest
from django.db import connection
from django.utils import timezone
from tests.processes import orderpilot, process_env

from orderpilot.invoicing.models import Invoice, InvoiceDocument
from orderpilot.orders.models import SalesOrder

pytestmark = pytest.mark.django_db(transaction=True)

ORDERS = 40
PROCESSES = 3


def test_concurrent_workers_issue_gap_free_consecutive_numbers(company, shop, order_factory):
    # given many shipped orders due for invoicing
    now = timezone.now()
    for number in range(ORDERS):
        order_factory(shop, external_id=f"RACE-{number:04d}")
    SalesOrder.objects.update(next_step_at=now)
    # when several processes work on them at once, in small batches so that they interleave
    env = process_env(ORDERPILOT_STEP_BATCH="2")
    workers = [
        subprocess.Popen(
            orderpilot("tick", "--until-idle"), env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        for _ in range(PROCESSES)
    ]
    outputs = [worker.communicate(timeout=300) for worker in workers]
    for worker, (_, err) in zip(workers, outputs, strict=True):
        assert worker.returncode == 0, err.decode()
    # then every order has exactly one invoice and the numbers are 1..N
    year = now.year
    assert Counter(SalesOrder.objects.values_list("status", flat=True)) == {"invoiced": ORDERS}
    assert Counter(Invoice.objects.values_list("order_id", flat=True)) == Counter(
        dict.fromkeys(SalesOrder.objects.values_list("pk", flat=True), 1)
    )
    numbers = sorted(Invoice.objects.values_list("number", flat=True))
    assert numbers == [f"RE-{year}-{seq:06d}" for seq in range(1, ORDERS + 1)]
    assert InvoiceDocument.objects.count() == ORDERS
    if connection.vendor == "postgresql":  # the work was really shared
        assert sum(b"advance_orders=0" not in out for out, _ in outputs) >= 2
