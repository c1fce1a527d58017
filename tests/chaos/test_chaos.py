"""Chaos run: a few hundred Amazon orders through the whole pipeline while everything breaks.

The Amazon SP-API simulator places orders (its generator: DE, AT and UK buyers, gifts, business and
Pending orders); OrderPilot polls them, releases or holds them, routes them to the in-house warehouse
(packed by this test, which scans the labels into the API) or to a 3PL (the shipper simulator, over
HTTP, answering by webhook to a real ``orderpilot web``), confirms every parcel to Amazon, invoices
(PDF rendering job, invoices uploaded to Amazon), emails the customer (a real SMTP server), imports
the settlement reports this test posts to the simulator and asks Amazon for reviews. Meanwhile:

- two ``orderpilot worker`` processes (Celery, PostgreSQL, RabbitMQ, a queue of this run's own) are
  killed with SIGKILL at random moments (whole process group, or one pool process) and started again;
  the scheduler is killed once, a gunicorn worker once;
- the broker is restarted once with ``rabbitmqctl stop_app``/``start_app`` — on a RabbitMQ node of this
  run's own (port, node name, data dir), because the shared server on 5672 serves other test runs;
- the database goes away once: every connection to the test database is terminated and new ones are
  refused for five seconds, which is what a PostgreSQL restart does to its clients (the shared
  server itself is not restarted, for the same reason);
- the Amazon simulator answers 429, 500, 503 and slowly at ``ORDERPILOT_CHAOS_FAULT_RATE``
  (``/_sim/faults``, rotating), the 3PL refuses delivery notes with 503 at that rate, and both lose
  the answer to ``ORDERPILOT_CHAOS_LOST_RATE`` of the calls after acting on them (the connection is
  cut: the client cannot tell whether its call went through).

Then faults are cleared, the system is driven to idle (backoffs are let pass), the processes stop,
``orderpilot tick --until-idle`` runs, and a last ``orderpilot tick`` must find nothing to do. The
invariants are checked against what the outside world received: the simulators' records and the
SMTP server's mailbox.

Amazon's published usage plans would allow one ``searchOrders`` call per three minutes after a burst
of 20, so a run of hundreds of orders would take hours; the test tops the shared token buckets up
every half second (a seller whose usage plan Amazon raised). Every call still takes a token first.

Bounded form (CI, PostgreSQL only): 200 orders, 1.3 minutes of chaos, about three and a half minutes in
all. By hand, e.g. ``ORDERPILOT_CHAOS_ORDERS=800 ORDERPILOT_CHAOS_MINUTES=15``; also
``ORDERPILOT_CHAOS_SEED``, ``_FAULT_RATE``, ``_LOST_RATE``, ``_INFLIGHT_TIMEOUT``, ``_CALM_SECONDS``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections import Counter, defaultdict

import pytest
from django.conf import settings
from django.db import connection

from .harness import rabbitmq_scripts
from .run import CHANNEL, THIRD_PARTY, WAREHOUSE, ChaosRun, ChaosSettings, released_by_person

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.distributed, pytest.mark.chaos]

FINAL = {"completed", "paid", "invoiced", "cancelled"}


def _require(condition: bool, reason: str) -> None:
    if condition:
        return
    if os.environ.get("ORDERPILOT_REQUIRE_DISTRIBUTED") == "1":
        pytest.fail(reason)
    pytest.skip(reason)


def test_nothing_is_lost_or_done_twice_while_everything_breaks():
    if connection.vendor != "postgresql":
        pytest.skip(
            "the chaos run needs PostgreSQL (DATABASE_URL=postgres://…); scripts/test runs it in its PostgreSQL pass"
        )
    _require(rabbitmq_scripts() is not None, "the chaos run starts a RabbitMQ node of its own: no rabbitmq-server")
    # the last run's logs, broker and report stay in the data dir for a look afterwards
    root = settings.ORDERPILOT_DATA_DIR / "chaos"
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    run = ChaosRun(root, ChaosSettings.from_environment())
    try:
        # given: simulators, an SMTP server, a broker, web server, scheduler and two workers
        run.start()
        # when: orders come in while processes, broker, database and the simulators fail
        run.chaos_phase()
        # and: faults are cleared and the system is driven to idle, then stopped
        pending = run.calm_phase()
        run.stop_roles()
        run.tick("--until-idle")
        last_tick = run.tick()
        world = collect_world(run)
    finally:
        run.close()
        run.report(root / "report.json")
        print(f"[chaos] report, state and logs: {root}")

    dump_state(root / "state.json", world)
    # then: the system was idle
    assert not any(pending.values()), pending
    assert not any(last_tick.values()), last_tick
    check_exits(run)
    check_invariants(run, world)
    kills = Counter("pool process" if "pool" in what else "worker" for _, what in run.journal.kills)
    print(
        f"[chaos] {run.settings.orders} orders; SIGKILLs: {dict(kills)}; worker starts: "
        f"{ {n: r.starts for n, r in run.roles.items()} }; Amazon calls: {dict(run.amazon_faults.counts)}; "
        f"3PL calls: {dict(run.shipper_faults.counts)}; timings: { {k: round(v) for k, v in run.timings.items()} }"
    )


def collect_world(run: ChaosRun) -> dict:
    """What the outside world received, gathered before the simulators stop."""
    return {
        "sim_orders": run.sim_orders(),
        "confirmations": run.sim("GET", "/_sim/shipment-confirmations").json()["confirmations"],
        "rejected_confirmations": run.sim("GET", "/_sim/shipment-confirmations?rejected=true").json()["rejected"],
        "solicitations": run.sim("GET", "/_sim/solicitations").json()["solicitations"],
        "feeds": run.sim("GET", "/_sim/feeds").json()["feeds"],
        "received": run.http.get(f"{run.shipper.url}/_sim/received").json(),
        "mails": run.mail.mails(),
    }


def dump_state(path, world: dict) -> None:
    """What a person would look at after a failed run: the tickets, every outbox entry, the timeline
    of every order that did not complete, and the outside world's records."""
    from orderpilot.core.models import OutboxMessage
    from orderpilot.orders.models import SalesOrder
    from orderpilot.tickets.models import Ticket

    state = {
        "tickets": [
            {
                "order": t.order.external_id if t.order else None,
                "status": t.status,
                "reason": t.reason,
                "key": t.problem_key,
                "title": t.title,
                "body": t.body[:2000],
            }
            for t in Ticket.objects.select_related("order")
        ],
        "outbox": [
            {
                "key": m.idempotency_key,
                "created": m.created_at,
                "sent": m.sent_at,
                "status": m.status,
                "attempts": m.attempts,
                "error": m.last_error[:2000],
                "result": m.result,
            }
            for m in OutboxMessage.objects.order_by("pk")
        ],
        "orders": {
            o.external_id: [(str(e.at), e.kind, e.message[:300]) for e in o.events.order_by("pk")]
            for o in SalesOrder.objects.exclude(status="completed")
        },
        "world": {k: v for k, v in world.items() if k != "mails"},
        "mails": [m.__dict__ for m in world["mails"]],
    }
    path.write_text(json.dumps(state, indent=1, default=str))


def check_exits(run: ChaosRun) -> None:
    """A process may stop by itself only as Celery does when one of its pool processes is killed
    while it starts: a worker, a few seconds after such a kill. Anything else is a crash."""
    for at, name, code in run.journal.exits:
        assert name.startswith("worker"), (name, code, run.roles[name].log_tail())
        assert any(
            at - 10 <= killed <= at and "pool process" in what and what.endswith(name)
            for killed, what in run.journal.kills
        ), (name, code, run.roles[name].log_tail())


def check_invariants(run: ChaosRun, world: dict) -> None:
    from orderpilot.channels.models import Channel, ImportedSettlement
    from orderpilot.core.models import OutboxMessage
    from orderpilot.invoicing.models import Invoice, InvoiceDocument
    from orderpilot.orders.models import OrderEvent, SalesOrder
    from orderpilot.payments.models import Payment, PayoutImport
    from orderpilot.shipping.models import Package, Shipment
    from orderpilot.tickets.models import Ticket

    orders = {o.external_id: o for o in SalesOrder.objects.select_related("channel")}
    open_tickets = defaultdict(list)
    for ticket in Ticket.objects.filter(status__in=["open", "waiting"]):
        open_tickets[ticket.order_id].append(ticket)
    summary = Counter(o.status for o in orders.values())
    print(f"[chaos] orders by status: {dict(summary)}; open tickets: {sum(map(len, open_tickets.values()))}")

    # every order the marketplace has was imported, exactly once
    assert set(orders) == set(world["sim_orders"]) == set(run.generated)
    assert len(run.generated) == run.settings.orders
    imported = Counter(OrderEvent.objects.filter(kind="imported").values_list("order__external_id", flat=True))
    assert set(imported.values()) == {1}, [i for i, n in imported.items() if n != 1]

    # every step ran once: no order made the same transition twice
    transitions = Counter(
        (e.order_id, e.data["from"], e.data["to"]) for e in OrderEvent.objects.filter(kind="status_changed")
    )
    assert [t for t, n in transitions.items() if n > 1] == []

    # every order ended in a final or explained state
    unexplained = {i: o.status for i, o in orders.items() if o.status not in FINAL and not open_tickets.get(o.pk)}
    assert unexplained == {}
    held = {i for i, o in orders.items() if o.status == "on_hold"}
    assert not {i for i in held if released_by_person(i)}, "a held order the person released is still held"
    cancelled_at_amazon = {i for i, o in world["sim_orders"].items() if o["OrderStatus"] == "Canceled"}
    assert cancelled_at_amazon == run.cancelled
    # whenever the buyer's cancellation came (before routing, at the 3PL, after the parcel left,
    # after the invoice), the order ends cancelled
    assert {i: orders[i].status for i in run.cancelled if orders[i].status != "cancelled"} == {}

    # one delivery note per order at most, numbers gap-free; each reached its shipper once
    shipments = list(Shipment.objects.select_related("shipper", "order"))
    assert sorted(Counter(s.order_id for s in shipments).values(), reverse=True)[:1] in ([], [1])
    assert _gap_free(s.number for s in shipments)
    third_party = {s.number: s for s in shipments if s.shipper.code == THIRD_PARTY}
    notes = Counter(r["shipment"] for r in world["received"] if r["purpose"] == "delivery_note")
    assert [n for n, count in notes.items() if count > 1] == []
    transmitted, skipped = set(), set()
    for entry in OutboxMessage.objects.filter(kind="shipment.transmit"):
        assert entry.status == "sent", (entry.idempotency_key, entry.status, entry.last_error)
        (skipped if "skipped" in entry.result else transmitted).add(entry.payload["shipment"])
    # a delivery note cancelled before it left is not sent again; if an earlier attempt may have
    # reached the 3PL (its answer lost), the 3PL is told to stop
    assert {n for n in skipped if third_party[n].status != "cancelled"} == set()
    assert transmitted <= set(notes)
    assert set(notes) <= transmitted | skipped
    assert set(third_party) >= set(notes)
    cancellations = Counter(r["shipment"] for r in world["received"] if r["purpose"] == "cancellation")
    assert [n for n, count in cancellations.items() if count > 1] == []
    assert set(notes) - transmitted <= set(cancellations)
    for shipment in third_party.values():
        if shipment.status == "confirmed":
            assert shipment.number in notes
    for shipment in shipments:
        if shipment.shipper.code == WAREHOUSE and shipment.status == "confirmed":
            assert shipment.number in run.packed

    # one marketplace confirmation per package; Amazon refused only what it had to
    packages = {
        (p.shipment.order.external_id, str(p.reference)): p
        for p in Package.objects.select_related("shipment__order")
        if p.shipment.status != "cancelled"
    }
    confirmations = defaultdict(list)
    for c in world["confirmations"]:
        confirmations[(c["AmazonOrderId"], c["body"]["packageDetail"]["packageReferenceId"])].append(c)
    assert {key: len(found) for key, found in confirmations.items() if len(found) > 1} == {}
    for key, package in packages.items():
        if key in confirmations:
            assert confirmations[key][0]["body"]["packageDetail"]["trackingNumber"] == package.tracking_number
    unconfirmed = set(packages) - set(confirmations)
    assert set(confirmations) <= set(packages)
    # the buyer cancelled at Amazon before Amazon heard of the parcel: refused, a person has a ticket
    assert {external_id for external_id, _ in unconfirmed} <= run.cancelled, unconfirmed
    confirm_entries = {
        m.payload["package"]: m for m in OutboxMessage.objects.filter(kind="marketplace.confirm_shipment")
    }
    assert len(confirm_entries) == len(packages)
    for key, package in packages.items():
        entry = confirm_entries[package.pk]
        if key in unconfirmed:
            assert entry.status == "dead", (key, entry.status, entry.last_error)
            assert "Canceled" in entry.last_error, (key, entry.last_error)
            assert open_tickets.get(package.shipment.order_id), key
        else:
            assert entry.status == "sent", (key, entry.status, entry.last_error)
    refusals = Counter()
    for rejected in world["rejected_confirmations"]:
        detail = rejected["body"]["packageDetail"]
        key = (rejected["AmazonOrderId"], detail["packageReferenceId"])
        message = rejected["error"]["message"]
        if "Duplicate package confirmation" in message:
            # a repeat of a call whose answer was lost: the package is there, once
            assert len(confirmations[key]) == 1, key
            assert confirmations[key][0]["body"]["packageDetail"] == detail, key
            refusals["repeat after a lost answer"] += 1
        else:
            assert key in unconfirmed, (key, message)
            assert "Canceled" in message, (key, message)
            refusals["order cancelled"] += 1
    print(f"[chaos] confirmations: {len(confirmations)}, refused: {dict(refusals)}")

    # invoices and credit notes: numbers unique and gap-free per series, each rendered, uploaded once
    documents = list(Invoice.objects.select_related("order"))
    invoices = [d for d in documents if d.kind == "invoice"]
    assert _gap_free(d.number for d in documents)
    assert [o for o, n in Counter(i.order_id for i in invoices).items() if n > 1] == []
    invoiced_orders = {i.order.external_id for i in invoices}
    assert invoiced_orders == {
        x for x, o in orders.items() if o.status in {"invoiced", "paid", "completed"} and not o.is_replacement
    } | {x for x, o in orders.items() if o.status == "cancelled" and o.invoices.exists()}
    for credit in (d for d in documents if d.kind != "invoice"):
        assert credit.order.status == "cancelled", credit.number
        assert credit.order.external_id in run.cancelled, credit.number
    assert InvoiceDocument.objects.count() == len(documents)
    for document in InvoiceDocument.objects.all()[:20]:
        assert bytes(document.pdf).startswith(b"%PDF-")
    # Amazon takes every feed it is given: a createFeed whose answer was lost is repeated (there is
    # nothing to ask Amazon whether it arrived), and so is one whose worker died before it recorded
    # the answer. Any other repeat is a bug.
    feeds = defaultdict(list)
    for feed in world["feeds"]:
        if feed["feedType"] == "UPLOAD_VAT_INVOICE":
            feeds[feed["metadata"]["invoicenumber"]].append(feed["feedId"])
    assert set(feeds) == {d.number for d in documents}
    created_at = {}  # feedId → when its createFeed reached Amazon, and whether the answer got back
    for call in run.amazon_faults.calls:
        if call.path == "/feeds/2021-06-30/feeds" and call.status == 202:
            created_at[json.loads(call.body)["feedId"]] = (call.started, call.at, call.outcome)
    uploads = {m.payload["invoice"]: m for m in OutboxMessage.objects.filter(kind="marketplace.invoice_upload")}
    repeats = Counter()
    for number, ids in feeds.items():
        entry = uploads[number]
        assert entry.status == "sent", (number, entry.status, entry.last_error)
        assert entry.result["feedId"] == max(ids, key=int), (number, ids, entry.result)
        for feed_id in ids:
            if feed_id == entry.result["feedId"]:
                continue
            started, at, outcome = created_at[feed_id]
            if outcome == "lost":
                cause = "answer lost"
            else:
                assert entry.attempts > 1, (number, ids, feed_id)
                assert _kill_after(run, at, since=started), (number, ids, feed_id)
                cause = "worker killed"
            repeats[cause] += 1
    print(f"[chaos] invoice uploads: {len(feeds)}, repeated: {dict(repeats)}")

    # settlements: every report imported once, every settled order paid (and then completed)
    assert ImportedSettlement.objects.count() == len(run.settlements)
    assert PayoutImport.objects.count() == len(run.settlements)
    payments = Counter(Payment.objects.filter(kind="payment").values_list("order__external_id", flat=True))
    assert payments == Counter(run.settled)
    for external_id in run.settled:
        assert orders[external_id].status in {"paid", "completed"}, (external_id, orders[external_id].status)

    # review requests: once per completed order, through Amazon
    solicited = Counter(s["amazonOrderId"] for s in world["solicitations"])
    assert [i for i, count in solicited.items() if count > 1] == []
    completed = {i for i, o in orders.items() if o.status == "completed"}
    assert set(solicited) == completed

    # emails: exactly the ones the outbox sent, each once. SMTP has no way to ask whether a message
    # arrived: a worker killed after the server took a message and before it recorded that, sends it
    # again once the entry is taken back (same Message-ID, so a receiver can drop it). Nothing else
    # may send a message twice.
    mails = world["mails"]
    sent = {m.result["message_id"]: m for m in OutboxMessage.objects.filter(kind="email", status="sent")}
    copies = defaultdict(list)
    for mail in mails:
        copies[mail.message_id].append(mail.at)
    assert set(copies) == set(sent)
    assert OutboxMessage.objects.filter(kind="email").exclude(status="sent").count() == 0
    resent = 0
    for message_id, times in copies.items():
        for earlier in sorted(times)[:-1]:
            assert sent[message_id].attempts > 1, (message_id, times)
            assert _kill_after(run, earlier), (message_id, times)
            resent += 1
    print(f"[chaos] emails: {len(copies)} sent, {resent} sent again after a worker was killed")

    # the outbox is empty: nothing waits without a ticket, every dead letter has one
    waiting = OutboxMessage.objects.filter(status__in=["queued", "retry", "inflight"])
    assert [(m.kind, m.idempotency_key, m.status) for m in waiting if not open_tickets.get(m.order_id)] == []
    dead = list(OutboxMessage.objects.filter(status="dead").select_related("order"))
    ticketed = set(Ticket.objects.filter(problem_key__startswith="outbox:").values_list("problem_key", flat=True))
    assert [m.idempotency_key for m in dead if f"outbox:{m.pk}" not in ticketed] == []
    # and each dead letter is one Amazon had to refuse: the parcel of an order the buyer cancelled
    # (or, after that, the review request for it); anything else is an error of OrderPilot's
    refused = {m.order_id for m in dead if m.kind == "marketplace.confirm_shipment"}
    unexplained = [
        (m.idempotency_key, m.last_error)
        for m in dead
        if not (m.kind == "marketplace.confirm_shipment" and m.order.external_id in run.cancelled)
        and not (m.kind == "marketplace.request_review" and m.order_id in refused)
    ]
    assert unexplained == []

    # every open ticket is one a person must see: a held order, a dead letter, or (from the health
    # check) a channel that could not poll for a while; no step stopped on an error
    kinds = Counter(t.problem_key.split(":")[0] for t in Ticket.objects.filter(status__in=["open", "waiting"]))
    assert set(kinds) <= {"hold", "outbox", "stuck", "cancelled-after-transmission", "shipped-after-cancel"}, kinds
    for ticket in Ticket.objects.filter(status__in=["open", "waiting"]).select_related("order"):
        prefix, _, number = ticket.problem_key.partition(":")
        if prefix == "hold":
            assert ticket.order.status == "on_hold", (ticket.problem_key, ticket.order.status)
        elif prefix == "cancelled-after-transmission":
            # the buyer cancelled while the delivery note was at the 3PL: it got the cancellation
            assert ticket.order.status == "cancelled", ticket.problem_key
            assert number in cancellations or number not in third_party, ticket.problem_key
    print(f"[chaos] open tickets: {dict(kinds)}")

    # the channel caught up
    channel = Channel.objects.get(code=CHANNEL)
    assert (channel.poll_resume, channel.last_poll_error) == (None, "")


def _kill_after(run: ChaosRun, moment: float, *, since: float | None = None, within: float = 3.0) -> bool:
    """Whether a worker (or one of its pool processes) was SIGKILLed right after ``moment``, before
    it could record what it had just done: within a few seconds, or, when the database was away at
    that moment (the worker keeps trying to record), within a few seconds after it came back. With
    ``since`` (when the call was made; a slow answer acts after it), the kill may come after that."""
    start, until = (moment if since is None else since), moment + within
    for begin, end in run.journal.outages:
        if begin - within <= moment <= end:
            until = max(until, end + within)
    return any(start <= at <= until for at, what in run.journal.kills if "SIGKILL" in what)


def _gap_free(numbers) -> bool:
    """Numbers like ``RE-2026-000001``: per prefix, the sequence numbers are exactly 1..n."""
    series = defaultdict(list)
    for number in numbers:
        match = re.fullmatch(r"(.*-)(\d+)", number)
        assert match, number
        series[match.group(1)].append(int(match.group(2)))
    return all(sorted(values) == list(range(1, len(values) + 1)) for values in series.values())
