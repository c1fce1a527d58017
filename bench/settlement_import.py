"""Settlement import: lines per second and peak memory of ``import_settlement_file`` on a big file.

    .venv/bin/python bench/settlement_import.py --db postgres --lines 100000 500000
    .venv/bin/python bench/settlement_import.py --db sqlite --lines 20000 --no-orders

For each size a fresh database gets the invoiced orders the file pays (bulk inserts; five amount rows
per order: principal, tax, shipping, shipping tax, commission; plus a few rows without an order),
and the flat file V2 is written to disk. Then a separate process (so that its peak memory is its
own) imports the file as the settlement job does (streamed from the file, one transaction) and
prints lines per second for the whole import and for its two parts, storing the lines (parse,
checksum, bulk insert) and matching them to the orders (payments, timeline entries and status
changes of a batch of orders at a time), the CPU seconds the import took in this process and in
its PostgreSQL backend (less dependent on the machine's load than the wall clock), and its peak
resident memory against the same process before the import. Memory that stays flat as the file
grows is what streaming promises; compare the sizes.

``--no-orders`` imports into an empty order table (every order is unknown: measures parsing and
storing with the cheapest matching).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import _common
from _common import emit

LINES_PER_ORDER = 5
PRICES = [Decimal("12.90"), Decimal("19.90"), Decimal("24.90"), Decimal("39.90"), Decimal("89.00")]


def order_id(n: int) -> str:
    return f"302-{n:07d}-{(n * 7919) % 10_000_000:07d}"


def amounts(n: int) -> tuple[Decimal, Decimal, Decimal, Decimal]:
    price = PRICES[n % len(PRICES)] * (1 + n % 2)
    tax = (price - price / Decimal("1.19")).quantize(Decimal("0.01"))
    shipping = Decimal("3.99")
    shipping_tax = Decimal("0.64")
    return price, tax, shipping, shipping_tax


def write_file(path: Path, orders: int, extra: int) -> int:
    from orderpilot.payments.importers.amazon_settlement import COLUMNS

    posted = "2026-11-20 10:15:00 UTC"
    total = Decimal("0.00")
    rows = 0
    body = path.with_suffix(".body")
    with body.open("w", encoding="utf-8") as out:
        for n in range(orders):
            price, tax, shipping, shipping_tax = amounts(n)
            commission = -(price * Decimal("0.15")).quantize(Decimal("0.01"))
            for amount_type, description, amount in (
                ("ItemPrice", "Principal", price - tax),
                ("ItemPrice", "Tax", tax),
                ("ItemPrice", "Shipping", shipping - shipping_tax),
                ("ItemPrice", "ShippingTax", shipping_tax),
                ("ItemFees", "Commission", commission),
            ):
                row = {
                    "settlement-id": "1194623704", "transaction-type": "Order", "order-id": order_id(n),
                    "merchant-order-id": "", "shipment-id": f"D{n:08d}", "marketplace-name": "Amazon.de",
                    "amount-type": amount_type, "amount-description": description, "amount": str(amount),
                    "fulfillment-id": "MFN", "posted-date-time": posted, "order-item-code": f"{n:014d}",
                    "sku": "MUG-01", "quantity-purchased": "1",
                }
                out.write("\t".join(row.get(column, "") for column in COLUMNS) + "\n")
                total += amount
                rows += 1
        for _ in range(extra):
            row = {"settlement-id": "1194623704", "transaction-type": "other-transaction",
                   "amount-type": "other-transaction", "amount-description": "Subscription Fee",
                   "amount": "-39.00", "posted-date-time": posted}
            out.write("\t".join(row.get(column, "") for column in COLUMNS) + "\n")
            total += Decimal("-39.00")
            rows += 1
    summary = {
        "settlement-id": "1194623704", "settlement-start-date": "2026-11-06 10:00:00 UTC",
        "settlement-end-date": "2026-11-20 10:00:00 UTC", "deposit-date": "2026-11-22 10:00:00 UTC",
        "total-amount": str(total), "currency": "EUR",
    }
    with path.open("w", encoding="utf-8") as out, body.open(encoding="utf-8") as rest:
        out.write("\t".join(COLUMNS) + "\n")
        out.write("\t".join(summary.get(column, "") for column in COLUMNS) + "\n")
        for line in rest:
            out.write(line)
    body.unlink()
    return rows


def prepare(orders: int, with_orders: bool) -> None:
    """Child process: the channel, the company, and ``orders`` invoiced orders with their invoices."""
    from orderpilot.channels.models import Channel
    from orderpilot.core.models import SystemSetting
    from orderpilot.customers.models import Customer
    from orderpilot.invoicing.models import Invoice
    from orderpilot.orders.models import SalesOrder

    channel = Channel.objects.create(code="amazon-de", kind="amazon", name="Amazon.de")
    SystemSetting.objects.update_or_create(key="company", defaults={"value": {"name": "Muster GmbH",
                                                                              "country": "DE"}})
    if not with_orders:
        return
    issued = dt.datetime(2026, 11, 10, tzinfo=dt.UTC)
    chunk = 10_000
    for offset in range(0, orders, chunk):
        numbers = range(offset, min(orders, offset + chunk))
        customers = Customer.objects.bulk_create(
            [Customer(name=f"Kunde {n}", email=f"k{n}@marketplace.amazon.de", email_key=f"k{n}@marketplace.amazon.de")
             for n in numbers], batch_size=5000)
        created = SalesOrder.objects.bulk_create(
            [SalesOrder(channel=channel, external_id=order_id(n), status="invoiced", customer=customers[i],
                        total_gross=sum(amounts(n)), shipping_gross=Decimal("3.99"), ordered_at=issued,
                        shipping_address={"name": f"Kunde {n}", "country": "DE"})
             for i, n in enumerate(numbers)], batch_size=5000)
        invoices = []
        for order, n in zip(created, numbers, strict=True):
            price, tax, shipping, shipping_tax = amounts(n)
            gross = price + shipping
            invoices.append(Invoice(number=f"RE-{n:09d}", order=order, issued_at=issued, currency="EUR",
                                    net_total=gross - tax - shipping_tax, tax_total=tax + shipping_tax,
                                    gross_total=gross))
        Invoice.objects.bulk_create(invoices, batch_size=5000)


def cpu_seconds(pid: int | None = None) -> float:
    """CPU time (user + system) of this process, or of process ``pid`` (read from /proc)."""
    if pid is None:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return usage.ru_utime + usage.ru_stime
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_import(path: Path, profile: str | None = None) -> dict:
    """Child process: import the file the way the settlement job does; time its parts."""
    from orderpilot.payments import services

    parts = {"store": 0.0, "match": 0.0}

    def timed(name, function):
        def wrapper(*args, **kwargs):
            began = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                parts[name] += time.perf_counter() - began
                parts[f"{name}_peak_mb"] = _common.peak_rss_mb()

        return wrapper

    services._store_lines = timed("store", services._store_lines)  # measuring only
    services._match = timed("match", services._match)
    from django.db import connection

    from orderpilot.payments.models import PayoutLine

    baseline = _common.peak_rss_mb()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()" if connection.vendor == "postgresql" else "SELECT NULL")
        backend = cursor.fetchone()[0]
    cpu, backend_cpu = cpu_seconds(), cpu_seconds(backend) if backend else 0.0
    profiler = None
    if profile:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.002)
        profiler.start()
    began = time.perf_counter()
    with path.open("rb") as source:
        result = services.import_settlement_file("amazon-de", source)
    seconds = time.perf_counter() - began
    cpu, backend_cpu = cpu_seconds() - cpu, (cpu_seconds(backend) - backend_cpu) if backend else 0.0
    if profiler is not None:
        profiler.stop()
        Path(profile).write_text(profiler.output_text(unicode=True))
    return {
        "seconds": seconds, "store": parts["store"], "match": parts["match"], "cpu": cpu, "backend_cpu": backend_cpu,
        "store_peak_mb": parts["store_peak_mb"],
        "lines": PayoutLine.objects.count(), "paid": len(result.paid), "unknown": len(result.unknown),
        "differences": len(result.differences), "baseline_mb": baseline, "peak_mb": _common.peak_rss_mb(),
    }


def child(args) -> None:
    env = json.loads(args.child_env)
    _common.setup_django(env, migrate=args.child == "prepare")
    if args.child == "prepare":
        prepare(args.orders, not args.no_orders)
        emit(json.dumps({}))
    else:
        emit(json.dumps(run_import(Path(args.file), args.profile)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="postgres")
    parser.add_argument("--lines", type=int, nargs="+", default=[100_000, 500_000])
    parser.add_argument("--no-orders", action="store_true", help="no orders in the database (all unknown)")
    parser.add_argument("--profile", metavar="TXT", help="pyinstrument profile of the (first) import, as text")
    parser.add_argument("--child", choices=["prepare", "import"], help=argparse.SUPPRESS)
    parser.add_argument("--child-env", help=argparse.SUPPRESS)
    parser.add_argument("--file", help=argparse.SUPPRESS)
    parser.add_argument("--orders", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return

    emit(f"machine: {_common.machine()}")
    for lines in args.lines:
        orders = lines // LINES_PER_ORDER
        extra = lines - orders * LINES_PER_ORDER
        with _common.bench_database(args.db, f"settlement{lines}") as url, \
                _common.data_dir(f"settlement{lines}") as folder:
            env = _common.environment(url, folder)
            path = folder / "settlement.txt"
            began = time.perf_counter()
            rows = write_file(path, orders, extra)
            emit(f"{lines:,} lines: file of {path.stat().st_size / 2**20:.0f} MiB written in "
                 f"{time.perf_counter() - began:.1f} s")
            began = time.perf_counter()
            common = [sys.executable, __file__, "--child-env", json.dumps(env), "--orders", str(orders)]
            subprocess.run([*common, "--child", "prepare", *(["--no-orders"] if args.no_orders else [])],
                           check=True, stdout=subprocess.DEVNULL)
            emit(f"  {0 if args.no_orders else orders:,} invoiced orders built with bulk inserts in "
                 f"{time.perf_counter() - began:.1f} s")
            profile = ["--profile", args.profile] if args.profile and lines == args.lines[0] else []
            done = subprocess.run([*common, "--child", "import", "--file", str(path), *profile], check=True,
                                  capture_output=True, text=True)
            result = json.loads(done.stdout.strip().splitlines()[-1])
            assert result["lines"] == rows, (result, rows)
            emit(f"  import: {result['seconds']:.1f} s, {rows / result['seconds']:,.0f} lines/s "
                 f"(store {result['store']:.1f} s = {rows / result['store']:,.0f} lines/s; "
                 f"match {result['match']:.1f} s = {orders / max(result['match'], 1e-9):,.0f} orders/s); "
                 f"{result['paid']:,} paid, {result['unknown']:,} unknown, {result['differences']} differences")
            emit(f"  cpu: {result['cpu']:.1f} s in the importing process"
                 + (f", {result['backend_cpu']:.1f} s in its PostgreSQL backend" if args.db == "postgres" else ""))
            emit(f"  memory: peak {result['peak_mb']:.0f} MiB, {result['peak_mb'] - result['baseline_mb']:.0f} MiB "
                 f"above the same process before the import ({result['baseline_mb']:.0f} MiB); "
                 f"{result['store_peak_mb'] - result['baseline_mb']:.0f} MiB of it reached while storing the lines")


if __name__ == "__main__":
    main()
