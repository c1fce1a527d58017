"""Pipeline throughput: N Amazon orders from import to paid, per stage and end to end.

    .venv/bin/python bench/pipeline.py --orders 1000 --db postgres
    .venv/bin/python bench/pipeline.py --orders 1000 --db sqlite
    .venv/bin/python bench/pipeline.py --orders 1000 --db postgres --workers 2    # scale-out

The Amazon SP-API simulator (``orderpilot sim amazon --relaxed``) holds N generated orders
(Amazon.de, .at and .co.uk, 1–3 lines, 15 % first ``Pending``); the shipper simulator is a 3PL that
takes delivery notes over HTTP and answers on OrderPilot's webhook, served by ``orderpilot web``.
OrderPilot imports the orders, releases them (hold rules evaluated), routes each to the in-house
warehouse or the 3PL, transmits the 3PL's notes, records tracking (the warehouse's packing station
calls ``confirm_packed_shipment``; the 3PL answers through the webhook), confirms every package to
Amazon, issues invoices, renders their PDF/A-3 + EN 16931 XML, uploads them to Amazon, and matches
a settlement report that covers the orders (built from the simulator's orders, as Amazon pays).

Without ``--workers`` the jobs run in this process, one stage after the other, exactly as
``orderpilot tick`` runs them, so every stage is timed on its own (with its SQL query count). Then
the floor follows (``--no-floor`` skips it): every row the pipeline inserted is read, deleted and
written again with bulk inserts, and every invoice is rendered again without the engine; the
engine's overhead is the ratio of the two.

With ``--workers K`` (PostgreSQL only) the same pipeline runs distributed: ``orderpilot scheduler``
and K ``orderpilot worker`` processes (concurrency 1 each) over RabbitMQ on a queue of this run;
stages overlap, and the figures are the moments the last order passed each stage.

The Amazon gateway's own token buckets are lifted too (see ``_common.relax_gateway``): the bucket
row is still taken on every call, only its rate is unlimited. Rates under Amazon's real limits are
what ``bench/import_rate_limits.py`` measures.
"""

from __future__ import annotations

import argparse
import collections
import concurrent.futures
import datetime as dt
import json
import os
import sys
import threading
import time
from decimal import Decimal
from pathlib import Path

import _common
from _common import Children, emit

DE, UK = "A1PA6795UKMFR9", "A1F83G8C2ARO7P"
THREE_PL_TOKEN = "bench-3pl-token"
AMAZON_SECRETS = {
    "BENCH_AMAZON_CLIENT_ID": "amzn1.application-oa2-client.sim",
    "BENCH_AMAZON_CLIENT_SECRET": "sim-secret",
    "BENCH_AMAZON_REFRESH_TOKEN": "Atzr|sim-refresh",
    "BENCH_3PL_TOKEN": THREE_PL_TOKEN,
}


def configuration(amazon_url: str, shipper_url: str) -> dict:
    """The demo's company, products and shippers; hold rules that do not fire for generated orders.

    The demo's gift-message rule is left out: it would hold one order in ten for a person.
    """
    return {
        "company": {
            "name": "Muster GmbH", "street": "Hauptstr. 1", "postal_code": "94032", "city": "Passau",
            "country": "DE", "vat_id": "DE123456789", "tax_number": "123/456/78901",
            "iban": "DE02120300000000202051", "email": "shop@example.com",
        },
        "notifications": {"smtp_url": "", "from": "shop@example.com", "review_request_after": "7d"},
        "channels": [
            {
                "code": "amazon-de", "kind": "amazon", "name": "Amazon (simulator)",
                "endpoint": amazon_url, "token_endpoint": f"{amazon_url}/auth/o2/token",
                "marketplace_ids": [DE, UK],
                "refresh_token_env": "BENCH_AMAZON_REFRESH_TOKEN",
                "client_id_env": "BENCH_AMAZON_CLIENT_ID",
                "client_secret_env": "BENCH_AMAZON_CLIENT_SECRET",
                "poll_interval": "10m",
            }
        ],
        "products": [
            {"sku": "MUG-01", "name": "Kaffeebecher", "weight_g": 450, "length_mm": 120, "width_mm": 100,
             "height_mm": 100},
            {"sku": "LAMP-02", "name": "Stehlampe", "weight_g": 6200, "length_mm": 1400, "width_mm": 300,
             "height_mm": 300},
            {"sku": "TEE-03", "name": "Teedose", "weight_g": 250, "length_mm": 100, "width_mm": 80,
             "height_mm": 80},
        ],
        "shippers": [
            {
                "code": "warehouse", "name": "Eigenes Lager", "kind": "in_house", "carrier": "DHL",
                "max_weight_g": 10000, "max_length_mm": 600, "services": ["standard", "express"],
                "countries": ["DE", "AT"], "price": [{"up_to_g": 10000, "eur": "3.90"}], "transit_days": 1,
                "confirmation_deadline": "24h", "stock": "unlimited",
            },
            {
                "code": "fulfillment-3pl", "name": "Fulfillment-Partner", "carrier": "DHL",
                "transport": {"kind": "http", "url": f"{shipper_url}/delivery-notes"}, "format": "json",
                "return_channel": {"kind": "webhook", "token_env": "BENCH_3PL_TOKEN"},
                "max_weight_g": 31500, "max_length_mm": 2000, "services": ["standard", "express", "cod"],
                "price": [{"up_to_g": 2000, "eur": "4.50"}, {"up_to_g": 31500, "eur": "9.90"}],
                "transit_days": 2, "confirmation_deadline": "24h", "stock": "unlimited",
            },
        ],
        "hold_rules": [
            {"code": "buyer-note", "when": "buyer_note"},
            {"code": "unknown-sku", "when": "unknown_sku"},
            {"code": "address-incomplete", "when": "address_incomplete"},
            {"code": "big-order", "when": "total_above", "limit": "1500.00"},
        ],
    }


# --- the outside world: simulators, web server, the packing station, the 3PL, Amazon's settlement


class World:
    def __init__(self, children: Children, env: dict[str, str], *, orders: int, seed: int):
        import httpx

        self.children = children
        self.orders = orders
        self.amazon_port, self.shipper_port, self.web_port = (_common.free_port() for _ in range(3))
        self.amazon_url = f"http://127.0.0.1:{self.amazon_port}"
        self.shipper_url = f"http://127.0.0.1:{self.shipper_port}"
        self.web_url = f"http://127.0.0.1:{self.web_port}"
        children.start(
            "sim-amazon",
            _common.orderpilot("sim", "amazon", "--relaxed", "--port", str(self.amazon_port),
                               "-o", f"seed={seed}", "-o", "generate_every=0"),
            env,
        )
        children.start(
            "sim-shipper",
            _common.orderpilot(
                "sim", "shipper", "--port", str(self.shipper_port),
                "-o", f"return_webhook={self.web_url}/api/shipping/confirmations/",
                "-o", "return_token_env=BENCH_3PL_TOKEN",
                "-o", "confirm_delay=86400",  # the 3PL answers when the benchmark says so
                "-o", f"seed={seed}",
            ),
            env,
        )
        children.start(
            "web", _common.orderpilot("web", "--port", str(self.web_port)), {**env, "ORDERPILOT_WEB_WORKERS": "2"}
        )
        self.http = httpx.Client(timeout=60)
        for url in (self.amazon_url + "/_sim/clock", self.shipper_url + "/_sim/config",
                    self.web_url + "/api/health/"):
            _common.wait_for_http(url, children=children)

    def place_orders(self) -> None:
        """N generated orders; then 15 minutes of simulator time, so every Pending order is Unshipped."""
        left = self.orders
        while left:
            count = min(left, 1000)
            response = self.http.post(f"{self.amazon_url}/_sim/generate", json={"count": count})
            response.raise_for_status()
            left -= count
        self.http.post(f"{self.amazon_url}/_sim/clock", json={"advance": "15m"}).raise_for_status()

    def answer_3pl(self, numbers: list[str], *, threads: int = 4) -> None:
        """The 3PL answers these delivery notes now (its webhook reaches ``orderpilot web``)."""

        def confirm(number: str) -> None:
            for _attempt in range(5):
                response = self.http.post(f"{self.shipper_url}/_sim/confirm", json={"shipment": number})
                if response.status_code == 200:
                    return
                time.sleep(0.5)
            raise RuntimeError(f"the 3PL could not confirm {number}: {response.text}")

        with concurrent.futures.ThreadPoolExecutor(threads) as pool:
            list(pool.map(confirm, numbers))

    def settlement_files(self) -> list[tuple[str, bytes]]:
        """Amazon's settlement, one per currency, covering every order: what the buyer paid per item
        (principal, tax, shipping, shipping tax) less Amazon's commission."""
        from orderpilot.payments.importers.amazon_settlement import COLUMNS

        listed = self.http.get(f"{self.amazon_url}/_sim/orders").json()["orders"]
        per_currency: dict[str, list[dict[str, str]]] = collections.defaultdict(list)
        marketplace = {}
        for order in listed:
            if order.get("OrderStatus") == "Canceled":
                continue
            for item in order["OrderItems"]:
                currency = item["ItemPrice"]["CurrencyCode"]
                marketplace[currency] = order["MarketplaceId"]
                price = Decimal(item["ItemPrice"]["Amount"])
                tax = Decimal(item["ItemTax"]["Amount"])
                shipping = Decimal(item.get("ShippingPrice", {}).get("Amount", "0"))
                shipping_tax = Decimal(item.get("ShippingTax", {}).get("Amount", "0"))
                for amount_type, description, amount in (
                    ("ItemPrice", "Principal", price - tax),
                    ("ItemPrice", "Tax", tax),
                    ("ItemPrice", "Shipping", shipping - shipping_tax),
                    ("ItemPrice", "ShippingTax", shipping_tax),
                    ("ItemFees", "Commission", -(price * Decimal("0.15")).quantize(Decimal("0.01"))),
                ):
                    if amount:
                        per_currency[currency].append({
                            "transaction-type": "Order", "order-id": order["AmazonOrderId"],
                            "marketplace-name": order.get("SalesChannel", "Amazon.de"),
                            "amount-type": amount_type, "amount-description": description,
                            "amount": str(amount), "fulfillment-id": "MFN",
                            "posted-date": dt.datetime.now(dt.UTC).date().isoformat(), "sku": item["SellerSKU"],
                            "quantity-purchased": str(item["QuantityOrdered"]),
                        })
        files = []
        today = dt.datetime.now(dt.UTC).replace(microsecond=0)
        for number, (currency, rows) in enumerate(sorted(per_currency.items()), start=1):
            settlement_id = f"{int(time.time())}{number:02d}"
            summary = {
                "settlement-id": settlement_id,
                "settlement-start-date": (today - dt.timedelta(days=14)).strftime("%Y-%m-%d %H:%M:%S UTC"),
                "settlement-end-date": today.strftime("%Y-%m-%d %H:%M:%S UTC"),
                "deposit-date": (today + dt.timedelta(days=1)).strftime("%Y-%m-%d %H:%M:%S UTC"),
                "total-amount": str(sum(Decimal(row["amount"]) for row in rows)),
                "currency": currency,
            }
            lines = ["\t".join(COLUMNS)]
            for row in (summary, *rows):
                row = {**row, "settlement-id": settlement_id}
                lines.append("\t".join(row.get(column, "") for column in COLUMNS))
            files.append((marketplace[currency], ("\n".join(lines) + "\n").encode()))
        return files

    def post_settlements(self, files: list[tuple[str, bytes]]) -> None:
        for marketplace_id, content in files:
            response = self.http.post(
                f"{self.amazon_url}/_sim/settlement-reports", params={"marketplaceId": marketplace_id},
                content=content,
            )
            response.raise_for_status()


def pack(shipments) -> int:
    """The warehouse's packing station: one parcel with a tracking number per delivery note."""
    from orderpilot.core.actors import Actor
    from orderpilot.shipping.services import confirm_packed_shipment

    packer = Actor("bench-packer")
    done = 0
    for shipment in shipments:
        _, created = confirm_packed_shipment(shipment.number, f"00340434{shipment.pk:012d}", packer)
        done += created
    return done


# --- measuring ----------------------------------------------------------------------------------


class QueryCounter:
    def __init__(self, keep: bool = False):
        self.count = 0
        self.statements: collections.Counter[str] | None = collections.Counter() if keep else None

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        if self.statements is not None:
            self.statements[" ".join(sql.split())[:150]] += 1
        return execute(sql, params, many, context)


class Stages:
    def __init__(self, orders: int, *, queries: bool = False):
        self.orders = orders
        self.queries = queries
        self.rows: list[tuple[str, float, int, str]] = []

    def run(self, name: str, function, note: str = "") -> object:
        from django.db import connection

        counter = QueryCounter(keep=self.queries)
        began = time.perf_counter()
        with connection.execute_wrapper(counter):
            result = function()
        seconds = time.perf_counter() - began
        self.rows.append((name, seconds, counter.count, note if not callable(note) else note(result)))
        emit(f"  {name:<34} {seconds:8.2f} s  {self.orders / seconds:8.1f} orders/s  "
             f"{counter.count / self.orders:7.1f} queries/order  {self.rows[-1][3]}")
        if counter.statements:
            for statement, count in counter.statements.most_common(12):
                emit(f"      {count / self.orders:6.2f}/order  {statement}")
        return result

    @property
    def total(self) -> float:
        return sum(seconds for _, seconds, _, _ in self.rows)


def drain(job: str) -> int:
    """Run periodic job ``job`` until it finds nothing more to do; return the work done."""
    from orderpilot.core.jobs import run_job

    total = 0
    while done := run_job(job):
        total += done
    return total


def status_counts() -> dict[str, int]:
    from django.db.models import Count

    from orderpilot.orders.models import SalesOrder

    return dict(SalesOrder.objects.values_list("status").annotate(n=Count("pk")).order_by("status"))


# --- inline: the jobs in this process, stage by stage ------------------------------------------


def run_inline(
    world: World, orders: int, *, profile: str | None, queries: bool, fresh_tls: bool = False
) -> tuple[Stages, dict]:
    from orderpilot.core.jobs import run_due_work
    from orderpilot.shipping.models import Shipment, ShipmentStatus

    _common.relax_gateway()
    if fresh_tls:  # httpx's default: a new SSL context (the CA bundle loaded again) for every client
        from orderpilot.channels.amazon import gateway
        from orderpilot.shipping.transports import http

        gateway.ssl_context = http.ssl_context = lambda: True
    stages = Stages(orders, queries=queries)
    profiler = None
    if profile:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.002)
        profiler.start()
    emit(f"stages ({orders:,} orders):")
    stages.run("import (poll searchOrders)", lambda: drain("poll_channels"), note=lambda n: f"{n} imported")
    stages.run("release + route", lambda: drain("advance_orders"))
    stages.run("transmit to the 3PL (HTTP)", lambda: drain("deliver_outbox"))

    def confirm() -> str:
        warehouse = list(Shipment.objects.filter(shipper__code="warehouse", status=ShipmentStatus.TRANSMITTED)
                         .select_related("order").order_by("pk"))
        packed = pack(warehouse)
        numbers = list(Shipment.objects.filter(shipper__code="fulfillment-3pl", status=ShipmentStatus.TRANSMITTED)
                       .order_by("pk").values_list("number", flat=True))
        world.answer_3pl(numbers)
        return f"{packed} packed in the warehouse, {len(numbers)} by the 3PL's webhook"

    stages.run("tracking (packing + 3PL webhook)", confirm, note=lambda text: text)
    stages.run("confirm shipments to Amazon", lambda: drain("deliver_outbox"))
    stages.run("issue invoices", lambda: drain("advance_orders"))
    stages.run("render invoices (PDF/A-3 + XML)", lambda: drain("render_invoices"), note=lambda n: f"{n} rendered")
    stages.run("upload invoices to Amazon", lambda: drain("deliver_outbox"))
    began = time.perf_counter()
    files = world.settlement_files()
    world.post_settlements(files)
    lines = sum(content.count(b"\n") - 2 for _, content in files)
    emit(f"  (Amazon side: {len(files)} settlement reports, {lines:,} lines, built in "
         f"{time.perf_counter() - began:.1f} s; not counted)")

    def settle() -> int:
        from orderpilot.channels.models import Channel

        Channel.objects.update(settlements_checked_at=None)
        return drain("import_settlements")

    stages.run("settlement import + matching", settle, note=lambda n: f"{n} reports")
    stages.run("remaining jobs until idle", lambda: run_due_work(until_idle=True),
               note=lambda totals: f"{totals['rounds']} rounds")
    if profiler is not None:
        profiler.stop()
        text = profile.endswith(".txt")
        Path(profile).write_text(profiler.output_text(unicode=True) if text else profiler.output_html())
        emit(f"profile written to {profile}")
    return stages, status_counts()


# --- the floor: the same rows with bulk inserts, the same PDFs without the engine -------------


def app_models():
    from django.apps import apps

    return [m for m in apps.get_models() if m.__module__.startswith("orderpilot.") and not m._meta.proxy]


def snapshot() -> dict:
    """The primary keys present before the pipeline, per model."""
    return {model: set(model.objects.values_list("pk", flat=True)) for model in app_models()}


def dependency_order(models: list) -> list:
    ordered, seen = [], set()

    def visit(model):
        if model in seen:
            return
        seen.add(model)
        for field in model._meta.concrete_fields:
            target = field.related_model
            if field.is_relation and target in models and target is not model:
                visit(target)
        ordered.append(model)

    for model in models:
        visit(model)
    return ordered


def floor(before: dict) -> dict:
    from django.db import connection, transaction

    from orderpilot.invoicing.models import Invoice
    from orderpilot.invoicing.rendering.data import invoice_data
    from orderpilot.invoicing.rendering.render import render_documents

    models = [m for m in app_models() if m.objects.exclude(pk__in=before[m]).exists()] if before else []
    new_rows = {}
    for model in dependency_order(models):
        new_rows[model] = list(model.objects.exclude(pk__in=before[model]).order_by("pk"))
    with transaction.atomic():
        for model in reversed(list(new_rows)):
            queryset = model.objects.filter(pk__in=[row.pk for row in new_rows[model]])
            queryset._raw_delete(queryset.db)
    if connection.vendor == "postgresql":  # the inserts below find the tables as a fresh run would
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    counts = {model._meta.label: len(rows) for model, rows in new_rows.items()}
    began = time.perf_counter()
    with transaction.atomic():
        for model, rows in new_rows.items():
            model.objects.bulk_create(rows, batch_size=1000)
    insert_seconds = time.perf_counter() - began
    invoices = list(Invoice.objects.select_related("refers", "order__channel").order_by("pk"))
    data = [invoice_data(invoice) for invoice in invoices]
    began, cpu = time.perf_counter(), time.process_time()
    for item in data:
        render_documents(item)
    render_seconds, render_cpu = time.perf_counter() - began, time.process_time() - cpu
    return {
        "rows": sum(counts.values()),
        "counts": counts,
        "insert_seconds": insert_seconds,
        "render_seconds": render_seconds,
        "render_cpu": render_cpu,
        "invoices": len(invoices),
    }


# --- distributed: scheduler + K workers over RabbitMQ -------------------------------------------


def run_distributed(world: World, children: Children, env: dict[str, str], orders: int, workers: int) -> dict:
    from django.db import close_old_connections

    from orderpilot.channels.models import Channel
    from orderpilot.invoicing.models import InvoiceDocument
    from orderpilot.shipping.models import Shipment, ShipmentStatus

    queue = env["ORDERPILOT_QUEUE"]
    began = time.perf_counter()
    children.start("scheduler", _common.orderpilot("scheduler"), env)
    for number in range(1, workers + 1):
        children.start(
            f"worker-{number}",
            [sys.executable, str(Path(__file__).parent / "_relaxed_worker.py"), "--hostname",
             f"bench{number}-{os.getpid()}@%h"],
            {**env, "ORDERPILOT_LOG_LEVEL": "INFO"},  # one line per task: counted at the end
        )
    milestones: dict[str, float] = {}
    answered: set[str] = set()
    settled = False
    last_report = 0.0
    stop = threading.Event()
    deadline = time.monotonic() + 3600
    try:
        while time.monotonic() < deadline:
            children.check()
            close_old_connections()
            counts = status_counts()
            reached = {
                "imported": sum(counts.values()),
                "transmitted": sum(n for s, n in counts.items() if s not in ("imported", "released", "on_hold")),
                "shipped": sum(n for s, n in counts.items() if s in ("shipped", "invoiced", "paid", "completed")),
                "invoiced": sum(n for s, n in counts.items() if s in ("invoiced", "paid", "completed")),
                "rendered": InvoiceDocument.objects.count(),
                "paid": sum(n for s, n in counts.items() if s in ("paid", "completed")),
            }
            now = time.perf_counter() - began
            for stage, count in reached.items():
                if count >= orders and stage not in milestones:
                    milestones[stage] = now
                    emit(f"  all {orders:,} orders {stage:<12} after {now:7.1f} s")
            if now - last_report >= 10:
                last_report = now
                emit(f"    {now:6.0f} s: {json.dumps(counts)} rendered={reached['rendered']}")
            # the packing station and the 3PL answer whatever has reached them
            waiting = list(Shipment.objects.filter(shipper__code="warehouse", status=ShipmentStatus.TRANSMITTED)
                           .order_by("pk")[:500])
            if waiting:
                pack(waiting)
            numbers = [n for n in Shipment.objects.filter(shipper__code="fulfillment-3pl",
                                                          status=ShipmentStatus.TRANSMITTED)
                       .values_list("number", flat=True) if n not in answered]
            if numbers:
                world.answer_3pl(numbers)
                answered.update(numbers)
            if not settled and reached["invoiced"] >= orders and reached["rendered"] >= orders:
                world.post_settlements(world.settlement_files())
                Channel.objects.update(settlements_checked_at=None)
                settled = True
            if "paid" in milestones:
                break
            time.sleep(0.5 if not (waiting or numbers) else 0)
    finally:
        stop.set()
        for name in [n for n in list(children.processes) if n.startswith(("worker", "scheduler"))]:
            children.stop(name)
        _delete_queue(env["CELERY_BROKER_URL"], queue)
    tasks = idle = 0
    for number in range(1, workers + 1):
        for line in children.log(f"worker-{number}", tail=10**9).splitlines():
            if "orderpilot.run_job[" in line and " succeeded in " in line:
                tasks += 1
                idle += line.rstrip().endswith(": 0")
    emit(f"  worker tasks run: {tasks:,}, of which {idle:,} found nothing to do")
    return {"milestones": milestones, "seconds": milestones.get("paid", time.perf_counter() - began),
            "counts": status_counts()}


def _delete_queue(broker: str, queue: str) -> None:
    from kombu import Connection

    try:
        with Connection(broker) as connection:
            channel = connection.channel()
            for name in (queue, f"{queue}.pidbox", "celeryev"):
                try:
                    channel.queue_delete(name)
                except Exception:  # noqa: BLE001 - best effort
                    channel = connection.channel()
    except Exception as exc:  # noqa: BLE001
        emit(f"(could not delete RabbitMQ queue {queue}: {exc})")


# --- main ---------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=1000)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="postgres")
    parser.add_argument("--workers", type=int, default=0, help="distributed: K worker processes (PostgreSQL)")
    parser.add_argument("--no-floor", action="store_true", help="skip the floor (bulk inserts, bare rendering)")
    parser.add_argument("--profile", metavar="FILE", help="pyinstrument profile of the inline stages (.html or .txt)")
    parser.add_argument("--queries", action="store_true", help="print each stage's most frequent SQL statements")
    parser.add_argument("--fresh-tls", action="store_true",
                        help="before/after check: every HTTP client builds its own TLS context again, as before "
                             "orderpilot.core.http (inline mode)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    if args.workers and args.db != "postgres":
        parser.error("--workers needs --db postgres")

    emit(f"machine: {_common.machine()}")
    name = f"pipeline{args.workers}w" if args.workers else "pipeline"
    with _common.bench_database(args.db, name) as url, _common.data_dir(name) as folder:
        extra = dict(AMAZON_SECRETS)
        if args.workers:
            extra.update(
                CELERY_BROKER_URL=_common.AMQP_URL,
                ORDERPILOT_QUEUE=f"op-bench-{os.getpid()}",
                ORDERPILOT_KICK_WORKERS="1",
                ORDERPILOT_WORKER_CONCURRENCY="1",
                ORDERPILOT_SWEEP_SECONDS="2",
            )
        env = _common.environment(url, folder, **extra)
        began = time.perf_counter()
        _common.setup_django({**env, "ORDERPILOT_KICK_WORKERS": "0"})
        emit(f"database: {_common.database_version()}, migrated in {time.perf_counter() - began:.1f} s")
        children = Children(folder)
        try:
            world = World(children, env, orders=args.orders, seed=args.seed)
            from orderpilot.core.configuration.apply import apply_config
            from orderpilot.core.configuration.schema import validate_config

            apply_config(validate_config(configuration(world.amazon_url, world.shipper_url)))
            began = time.perf_counter()
            world.place_orders()
            emit(f"simulator: {args.orders:,} orders placed in {time.perf_counter() - began:.1f} s (not counted)")
            before = snapshot() if not args.no_floor and not args.workers else {}
            if args.workers:
                emit(f"distributed: scheduler + {args.workers} worker process(es), concurrency 1, RabbitMQ")
                result = run_distributed(world, children, env, args.orders, args.workers)
                seconds = result["seconds"]
                emit(f"end to end: {seconds:.1f} s, {args.orders / seconds:.1f} orders/s; "
                     f"statuses {json.dumps(result['counts'])}")
            else:
                stages, counts = run_inline(world, args.orders, profile=args.profile, queries=args.queries,
                                           fresh_tls=args.fresh_tls)
                seconds = stages.total
                emit(f"end to end: {seconds:.1f} s, {args.orders / seconds:.1f} orders/s "
                     f"({seconds / args.orders * 1000:.1f} ms per order); statuses {json.dumps(counts)}")
                emit(f"peak memory of the engine process: {_common.peak_rss_mb():.0f} MiB")
                if not args.no_floor:
                    result = floor(before)
                    floor_seconds = result["insert_seconds"] + result["render_seconds"]
                    emit(f"floor: {result['rows']:,} rows bulk-inserted in {result['insert_seconds']:.1f} s; "
                         f"{result['invoices']:,} invoices rendered without the engine in "
                         f"{result['render_seconds']:.1f} s ({result['render_cpu']:.1f} s CPU); "
                         f"together {floor_seconds:.1f} s")
                    emit(f"engine overhead: {seconds / floor_seconds:.2f}x the floor "
                         f"(without PDFs: {(seconds - stage_seconds(stages, 'render')) / result['insert_seconds']:.1f}x"
                         f" the bulk inserts)")
                    emit("  rows per table: " + ", ".join(
                        f"{label.split('.')[-1]} {n:,}" for label, n in sorted(result["counts"].items(),
                                                                              key=lambda kv: -kv[1])))
        finally:
            children.stop_all()
            emit(f"largest child process (simulators, web, workers): "
                 f"{_common.peak_rss_mb(_common.resource.RUSAGE_CHILDREN):.0f} MiB")


def stage_seconds(stages: Stages, prefix: str) -> float:
    return sum(seconds for name, seconds, _, _ in stages.rows if name.startswith(prefix))


if __name__ == "__main__":
    main()
