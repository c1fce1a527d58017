"""Benchmark of the cockpit's order board on a large table.

Builds N orders (default 1,000,000) with customers, delivery notes, parcels, invoices, payments and holds
by bulk inserts into a fresh test database (``test_…`` beside the configured one; dropped afterwards
unless ``--keep``), then prints the server time of the board's first page and of filtered searches,
measured through Django's request handling (test client, no network), with the number of queries.

    .venv/bin/python bench/cockpit_board.py --orders 1000000 --db postgres   # op_bench_cockpit_<pid>
    .venv/bin/python bench/cockpit_board.py --orders 100000 --db sqlite
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/orderpilot .venv/bin/python bench/cockpit_board.py

With ``--db`` the database is one of its own (``bench/_common.py``: created, migrated, dropped);
without it, a ``test_…`` database beside the one ``DATABASE_URL`` names.

A million orders take several minutes to build and need about 2 GB of disk on PostgreSQL.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common  # noqa: E402 - also puts src/ on the path

_pre = argparse.ArgumentParser(add_help=False)
_pre.add_argument("--db", choices=["sqlite", "postgres"])
OWN_DATABASE = _pre.parse_known_args()[0].db
RESOURCES = contextlib.ExitStack()
if OWN_DATABASE:
    _url = RESOURCES.enter_context(_common.bench_database(OWN_DATABASE, "cockpit"))
    _folder = RESOURCES.enter_context(_common.data_dir("cockpit"))
    os.environ.update(_common.environment(_url, _folder, DJANGO_SETTINGS_MODULE="orderpilot.settings.test"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "orderpilot.settings.test")
os.environ.setdefault("ORDERPILOT_DATA_DIR", "var/bench")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

CHUNK = 10_000
STATUSES = ["imported", "on_hold", "released", "transmitted", "shipped", "invoiced", "paid", "completed", "cancelled"]
#: share of orders per status, in per mille, summing to 1000
WEIGHTS = [10, 10, 20, 40, 80, 200, 300, 330, 10]
SHIPPED = {"shipped", "invoiced", "paid", "completed"}
INVOICED = {"invoiced", "paid", "completed"}
PAID = {"paid", "completed"}


def emit(line: str) -> None:
    """The benchmark's output: one line on stdout, at once."""
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def status_for(i: int) -> str:
    slot = (i * 7919) % 1000
    for status, weight in zip(STATUSES, WEIGHTS, strict=True):
        if slot < weight:
            return status
        slot -= weight
    return STATUSES[-1]


def build(orders: int) -> dict[str, str]:
    """Insert ``orders`` orders and their documents; return sample values to search for."""
    from orderpilot.channels.models import Channel
    from orderpilot.customers.models import Customer
    from orderpilot.invoicing.models import Invoice
    from orderpilot.orders.models import HoldReason, SalesOrder
    from orderpilot.payments.models import Payment
    from orderpilot.shipping.models import Package, Shipment, Shipper

    channels = [
        Channel.objects.create(code="amazon-de", kind="amazon"),
        Channel.objects.create(code="ebay-de", kind="ebay"),
        Channel.objects.create(code="shop", kind="gambio"),
    ]
    shippers = [
        Shipper.objects.create(code="warehouse", kind="in_house", carrier="DHL"),
        Shipper.objects.create(code="dhl-3pl", kind="external", carrier="DHL"),
        Shipper.objects.create(code="dpd-3pl", kind="external", carrier="DPD"),
    ]
    start = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    span = 2 * 365 * 86400
    address = {"name": "Erika Mustermann", "street": "Heidestraße 17", "postal_code": "51147", "city": "Köln",
               "country": "DE"}
    samples: dict[str, str] = {}
    began = time.perf_counter()
    for offset in range(0, orders, CHUNK):
        size = min(CHUNK, orders - offset)
        customers = Customer.objects.bulk_create(
            [
                Customer(name=f"Kunde {offset + i:07d}", email=f"kunde{offset + i}@example.com",
                         email_key=f"kunde{offset + i}@example.com")
                for i in range(0, size, 2)
            ],
            batch_size=5000,
        )
        rows = []
        for i in range(size):
            n = offset + i
            ordered_at = start + dt.timedelta(seconds=(n * span) // max(orders, 1))
            rows.append(
                SalesOrder(
                    channel=channels[n % 3],
                    external_id=f"{300 + n % 700:03d}-{n:07d}-{(n * 31) % 10_000_000:07d}",
                    status=status_for(n),
                    customer=customers[i // 2],
                    total_gross=Decimal(10 + n % 190) + Decimal("0.90"),
                    ordered_at=ordered_at,
                    ship_by=ordered_at + dt.timedelta(days=2),
                    shipping_address=address,
                )
            )
        created = SalesOrder.objects.bulk_create(rows, batch_size=5000)
        shipments, holds, invoices = [], [], []
        for order in created:
            if order.status in SHIPPED or order.status == "transmitted":
                shipments.append(
                    Shipment(
                        number=f"LS-{order.pk:09d}",
                        order=order,
                        shipper=shippers[order.pk % 3],
                        status="confirmed" if order.status in SHIPPED else "transmitted",
                        shipping_address=address,
                        transmitted_at=order.ordered_at + dt.timedelta(hours=2),
                        deadline_at=order.ordered_at + dt.timedelta(hours=26),
                        confirmed_at=order.ordered_at + dt.timedelta(hours=20) if order.status in SHIPPED else None,
                    )
                )
            if order.status == "on_hold":
                holds.append(HoldReason(order=order, code="buyer_note", rule="buyer-note"))
            if order.status in INVOICED:
                gross = order.total_gross
                net = (gross / Decimal("1.19")).quantize(Decimal("0.01"))
                invoices.append(
                    Invoice(
                        number=f"RE-{order.pk:09d}",
                        order=order,
                        issued_at=order.ordered_at + dt.timedelta(days=1),
                        currency="EUR",
                        net_total=net,
                        tax_total=gross - net,
                        gross_total=gross,
                    )
                )
        shipments = Shipment.objects.bulk_create(shipments, batch_size=5000)
        Package.objects.bulk_create(
            [
                Package(
                    shipment=s,
                    tracking_number=f"00340434{s.order_id:012d}",
                    carrier=s.shipper.carrier,
                    shipped_at=s.confirmed_at,
                    reference=1,
                )
                for s in shipments
                if s.status == "confirmed"
            ],
            batch_size=5000,
        )
        HoldReason.objects.bulk_create(holds, batch_size=5000)
        invoices = Invoice.objects.bulk_create(invoices, batch_size=5000)
        by_order = {o.pk: o for o in created}
        Payment.objects.bulk_create(
            [
                Payment(
                    order_id=inv.order_id,
                    invoice=inv,
                    amount=inv.gross_total,
                    currency="EUR",
                    received_at=inv.issued_at + dt.timedelta(days=7),
                    source="amazon-settlement",
                    reference=f"P-{inv.order_id}",
                )
                for inv in invoices
                if by_order[inv.order_id].status in PAID
            ],
            batch_size=5000,
        )
        if offset == (orders // 2 // CHUNK) * CHUNK:
            middle = created[len(created) // 2]
            samples = {
                "external_id": middle.external_id,
                "customer": middle.customer.name,
                "tracking": next((f"00340434{s.order_id:012d}" for s in shipments if s.status == "confirmed"), ""),
                "invoice": invoices[0].number if invoices else "",
            }
        done = offset + size
        if done % 100_000 == 0 or done == orders:
            emit(f"  {done:>9,} orders built in {time.perf_counter() - began:6.1f} s")
    return samples


def measure(client: Client, label: str, params: dict[str, str], repeat: int) -> None:
    times = []
    queries = 0
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as captured:
            began = time.perf_counter()
            response = client.get("/", params)
            times.append((time.perf_counter() - began) * 1000)
        queries = len(captured.captured_queries)
        assert response.status_code == 200, response.status_code
    emit(f"{label:<42} first {times[0]:8.1f} ms  median {statistics.median(times):8.1f} ms  {queries:2d} queries")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=1_000_000, help="orders to build (default 1,000,000)")
    parser.add_argument("--repeat", type=int, default=5, help="requests per measurement")
    parser.add_argument("--keep", action="store_true", help="keep the test_… database afterwards (without --db)")
    parser.add_argument("--db", choices=["sqlite", "postgres"], help="a database of its own, created and dropped")
    args = parser.parse_args()

    from django.contrib.auth import get_user_model

    vendor = connection.vendor
    emit(f"machine: {_common.machine()}")
    if OWN_DATABASE:
        from django.core.management import call_command

        call_command("migrate", verbosity=0, interactive=False)
        test_name = connection.settings_dict["NAME"]
    else:
        test_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    emit(f"database: {_common.database_version()} {test_name}")
    try:
        began = time.perf_counter()
        samples = build(args.orders)
        emit(f"built {args.orders:,} orders in {time.perf_counter() - began:.1f} s")
        if vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        user = get_user_model().objects.create_superuser("bench", password="bench")
        client = Client(HTTP_ACCEPT_LANGUAGE="en")
        client.force_login(user)
        measure(client, "board, first page", {}, args.repeat)
        measure(client, "board, status=invoiced", {"status": "invoiced"}, args.repeat)
        measure(client, "board, problem=on_hold", {"problem": "on_hold"}, args.repeat)
        measure(client, "search external id", {"q": samples["external_id"]}, args.repeat)
        measure(client, "search tracking number", {"q": samples["tracking"]}, args.repeat)
        measure(client, "search invoice number", {"q": samples["invoice"]}, args.repeat)
        measure(client, "search customer name + status filter",
                {"q": samples["customer"], "status": "paid"}, args.repeat)
    finally:
        if OWN_DATABASE:
            connection.close()
            RESOURCES.close()
        elif not args.keep:
            connection.creation.destroy_test_db(test_name, verbosity=0)


if __name__ == "__main__":
    main()
