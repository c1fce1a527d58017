"""Run OrderPilot's periodic work and kill the process (os._exit) at a chosen point.

Used by test_crash_recovery.py: ``python tests/crash_run.py SCENARIO``. os._exit ends the process
at once, like SIGKILL: no cleanup, no rollback handlers, open transactions die with the connection.
"""

from __future__ import annotations

import os
import sys

import django

CRASH_EXIT = 137


def crash(*args, **kwargs):
    sys.stdout.flush()
    os._exit(CRASH_EXIT)


def main(scenario: str) -> None:
    django.setup()
    from orderpilot.core import outbox
    from orderpilot.core.jobs import run_due_work
    from orderpilot.shipping import services as shipping_services
    from orderpilot.shipping.transports.folder import FolderTransport

    if scenario == "inside-step":
        # dies in the routing step, after the delivery note row was written, before commit
        original = shipping_services.enqueue_message

        def enqueue_then_crash(*args, **kwargs):
            original(*args, **kwargs)
            crash()

        shipping_services.enqueue_message = enqueue_then_crash
    elif scenario == "after-commit":
        # the state change and its outbox entry are committed; no delivery was tried yet
        original_claim = outbox.claim_due_messages

        def claim_or_crash(*, limit):
            if outbox.OutboxMessage.objects.filter(kind="shipment.transmit").exists():
                crash()
            return original_claim(limit=limit)

        outbox.claim_due_messages = claim_or_crash
    elif scenario == "before-send":
        # the entry is claimed (in flight, committed); the worker dies before talking to the shipper
        FolderTransport.send = crash  # only the delivery note goes through a folder
    elif scenario == "after-send":
        # the shipper got the file; the worker dies before recording "sent"
        original_finish = outbox._finish

        def finish_or_crash(message, *, status, **fields):
            if status == "sent" and message.kind == "shipment.transmit":
                crash()
            return original_finish(message, status=status, **fields)

        outbox._finish = finish_or_crash
    elif scenario != "none":
        raise SystemExit(f"unknown scenario {scenario}")
    totals = run_due_work(until_idle=True)
    print(totals)


if __name__ == "__main__":
    main(sys.argv[1])
