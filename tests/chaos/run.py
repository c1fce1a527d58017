"""The chaos run itself: set everything up, break things on a schedule, calm down, drive to idle.

:class:`ChaosRun` owns the simulators, the SMTP server, the private broker and the OrderPilot
processes; the test reads what happened from it and from the database afterwards. Everything random
comes from one seed (``ORDERPILOT_CHAOS_SEED``), printed at the start, so a schedule can be repeated
(the processes' own timing cannot).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import random
import subprocess
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
from django.db import Error as DatabaseError
from django.db import connection

from ..processes import database_url, orderpilot, process_env
from .harness import (
    DatabaseOutage,
    FaultyApp,
    MailCounter,
    PrivateRabbit,
    QuotaTopUp,
    Role,
    Served,
    free_port,
    rabbitmq_scripts,
    wait_for,
)

DE, UK = "A1PA6795UKMFR9", "A1F83G8C2ARO7P"
CHANNEL = "amazon-de"
WAREHOUSE, THIRD_PARTY = "warehouse", "fulfillment-3pl"
API_TOKEN = "chaos-api-token"  # noqa: S105 - a token for this test's web process only
TOKENS = {"CHAOS_WAREHOUSE_TOKEN": "chaos-warehouse-token", "CHAOS_3PL_TOKEN": "chaos-3pl-token"}
AMAZON_SECRETS = {
    "CHAOS_AMAZON_CLIENT_ID": "amzn1.application-oa2-client.sim",
    "CHAOS_AMAZON_CLIENT_SECRET": "sim-secret",
    "CHAOS_AMAZON_REFRESH_TOKEN": "Atzr|sim-refresh",
}
SP_API_PREFIXES = ("/orders/", "/reports/", "/feeds/", "/solicitations/", "/messaging/", "/tokens/")
#: operations the 429 faults hit. Not searchOrders and getReports: after a 429 the client rightly waits
#: for the next token of Amazon's published plan (searchOrders: three minutes); imports would stop for
#: the rest of the chaos phase, and the later stages would meet no faults at all
THROTTLED_OPERATIONS = [
    "confirmShipment",
    "orders_2026-01-01.getOrder",
    "getSolicitationActionsForOrder",
    "createProductReviewAndSellerFeedbackSolicitation",
    "createFeedDocument",
    "createFeed",
    "getFeed",
    "getReportDocument",
]
#: loggers of the simulators and servers running in this process: one line per request is noise here
QUIET_LOGGERS = ("werkzeug", "mail.log", "orderpilot.sandbox", "httpx")
#: a feed Amazon will not process any further
FINAL_FEED_STATUSES = ("DONE", "FATAL", "CANCELLED")
#: held orders a person releases (the others stay held with their ticket): by a hash of the order id
RELEASED_SHARE = 2


def env_number(name: str, default: float) -> float:
    value = os.environ.get(name, "").strip()
    return float(value) if value else default


@dataclass(frozen=True)
class ChaosSettings:
    """How big and how rough the run is. The defaults are the bounded form that CI runs."""

    orders: int
    minutes: float  # the chaos phase; the calm phase and set-up come on top
    fault_rate: float  # share of SP-API calls failing (429/500/503/slow) and 3PL calls refused (503)
    lost_rate: float  # share of SP-API and 3PL calls that act but whose answer is lost
    seed: int
    inflight_timeout: float
    calm_limit: float  # seconds the calm phase may take to reach idle

    @classmethod
    def from_environment(cls) -> ChaosSettings:
        orders = int(env_number("ORDERPILOT_CHAOS_ORDERS", 150))
        minutes = env_number("ORDERPILOT_CHAOS_MINUTES", 1.2)
        seed = os.environ.get("ORDERPILOT_CHAOS_SEED", "").strip()
        return cls(
            orders=orders,
            minutes=minutes,
            fault_rate=env_number("ORDERPILOT_CHAOS_FAULT_RATE", 0.15),
            lost_rate=env_number("ORDERPILOT_CHAOS_LOST_RATE", 0.04),
            seed=int(seed) if seed else random.SystemRandom().randrange(10**9),
            inflight_timeout=env_number("ORDERPILOT_CHAOS_INFLIGHT_TIMEOUT", 30),
            calm_limit=env_number("ORDERPILOT_CHAOS_CALM_SECONDS", max(120.0, orders * 0.5)),
        )


def _sp_api_call(environ: dict) -> bool:
    return environ.get("PATH_INFO", "").startswith(SP_API_PREFIXES)


def _delivery_note_post(environ: dict) -> bool:
    return environ.get("REQUEST_METHOD") == "POST" and not environ.get("PATH_INFO", "").startswith("/_sim/")


def safe(query: Callable[[], Any], default: Any = None) -> Any:
    """Run an ORM query; during a database outage return ``default`` (and drop the dead connection)."""
    try:
        return query()
    except DatabaseError:
        connection.close()
        return default


def _restore_environment(saved: dict[str, str | None]) -> None:
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


def released_by_person(external_id: str) -> bool:
    return int(hashlib.sha256(external_id.encode()).hexdigest(), 16) % RELEASED_SHARE == 0


@dataclass
class Journal:
    """What the chaos did, with times (``time.time()``), for the report and for explaining repeats."""

    events: list[tuple[float, str]] = field(default_factory=list)
    kills: list[tuple[float, str]] = field(default_factory=list)
    outages: list[tuple[float, float]] = field(default_factory=list)  # the database's: (from, to)
    exits: list[tuple[float, str, int | None]] = field(default_factory=list)  # processes that stopped by themselves

    def note(self, what: str) -> None:
        self.events.append((time.time(), what))
        print(f"[chaos {time.strftime('%H:%M:%S')}] {what}", flush=True)


class ChaosRun:
    def __init__(self, root: Path, settings: ChaosSettings):
        self.root = root
        self.settings = settings
        self.rng = random.Random(settings.seed)
        self.journal = Journal()
        self.roles: dict[str, Role] = {}
        self.generated: list[str] = []
        self.cancelled: set[str] = set()
        self.released: set[str] = set()
        self.settled: set[str] = set()
        self.settlements: list[dict[str, Any]] = []
        self.packed: set[str] = set()
        self.timings: dict[str, float] = {}
        self._started: list[Callable[[], None]] = []

    # --- set-up ---------------------------------------------------------------------------------

    def start(self) -> None:
        from orderpilot.core.models import RateLimitBucket
        from orderpilot.sandbox.amazon.app import create_app
        from orderpilot.sandbox.shipper.app import ShipperSimulator

        begin = time.monotonic()
        self.journal.note(f"seed {self.settings.seed}: {self.settings}")
        for name in QUIET_LOGGERS:
            logger = logging.getLogger(name)
            self._started.append(lambda logger=logger, level=logger.level: logger.setLevel(level))
            logger.setLevel(logging.ERROR)
        server, ctl = rabbitmq_scripts()
        self.rabbit = PrivateRabbit(self.root / "rabbitmq", server=server, ctl=ctl)
        self._started.append(self.rabbit.stop)
        self.rabbit.start()
        self.mail = MailCounter().start()
        self._started.append(self.mail.stop)

        amazon = create_app(relaxed=True, generate_every=0, seed=self.settings.seed, processing_seconds=1)
        self.amazon_faults = FaultyApp(amazon, covers=_sp_api_call, rng=random.Random(self.settings.seed + 1))
        self.amazon = Served(self.amazon_faults).start()
        self._started.append(self.amazon.stop)
        self.web_port = free_port()
        self.shipper_sim = ShipperSimulator(
            confirm_delay=1.5,
            return_webhook=f"http://127.0.0.1:{self.web_port}/api/shipping/confirmations/",
            return_token=TOKENS["CHAOS_3PL_TOKEN"],
            seed=self.settings.seed,
            root=self.root / "shipper",
        ).start()
        self._started.append(self.shipper_sim.stop)
        self.shipper_faults = FaultyApp(
            self.shipper_sim, covers=_delivery_note_post, rng=random.Random(self.settings.seed + 2)
        )
        self.shipper = Served(self.shipper_faults).start()
        self._started.append(self.shipper.stop)
        self.http = httpx.Client(timeout=15)
        self._started.append(self.http.close)

        self._configure()
        self.database = connection.settings_dict["NAME"]
        self.outage = DatabaseOutage(admin_dsn=database_url().rsplit("/", 1)[0] + "/postgres", database=self.database)
        self._started.append(self.outage.restore)
        self.top_up = QuotaTopUp(dsn=database_url(), table=RateLimitBucket._meta.db_table, prefix=f"amazon:{CHANNEL}:")
        self.top_up.start()
        self._started.append(self.top_up.stop)

        self.env = process_env(
            DJANGO_SETTINGS_MODULE="orderpilot.settings.base",
            CELERY_BROKER_URL=self.rabbit.url,
            ORDERPILOT_QUEUE=f"orderpilot-chaos-{uuid.uuid4().hex[:8]}",
            ORDERPILOT_DATA_DIR=str(self.root / "data"),
            ORDERPILOT_SWEEP_SECONDS="1",
            ORDERPILOT_STEP_BATCH="10",
            ORDERPILOT_OUTBOX_BATCH="10",
            ORDERPILOT_KICK_WORKERS="1",
            ORDERPILOT_WORKER_CONCURRENCY="2",
            ORDERPILOT_WEB_WORKERS="2",
            ORDERPILOT_OUTBOX_INFLIGHT_TIMEOUT=str(self.settings.inflight_timeout),
            ORDERPILOT_API_TOKEN=API_TOKEN,
            ORDERPILOT_LOG_LEVEL="INFO",
        )
        logs = self.root / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        commands = {
            "web": orderpilot("web", "--port", str(self.web_port)),
            "scheduler": orderpilot("scheduler"),
            "worker-1": orderpilot("worker"),
            "worker-2": orderpilot("worker"),
        }
        for name, command in commands.items():
            self.roles[name] = Role(name, command, self.env, logs / f"{name}.log").start()
        self._started.append(self.stop_roles)
        wait_for(self._web_answers, timeout=60, what="orderpilot web")
        self.timings["set-up"] = time.monotonic() - begin
        self.journal.note(f"set up in {self.timings['set-up']:.1f}s; web on {self.web_port}, broker {self.rabbit.url}")

    def _configure(self) -> None:
        from django.contrib.auth import get_user_model

        from orderpilot.core.configuration.apply import apply_config
        from orderpilot.core.configuration.schema import validate_config

        # the secrets config apply reads (and the processes inherit); the test session gets its own back
        saved = {name: os.environ.get(name) for name in {**TOKENS, **AMAZON_SECRETS}}
        self._started.append(lambda: _restore_environment(saved))
        os.environ.update({**TOKENS, **AMAZON_SECRETS})
        apply_config(validate_config(self.config()))
        get_user_model().objects.create_superuser("chaos", "chaos@example.com", "chaos-password")

    def config(self) -> dict[str, Any]:
        """The merchant's configuration: one Amazon channel (DE + UK), the in-house warehouse and a
        3PL, hold rules. Customer emails, which Amazon's policy leaves off by default, are switched on
        for shipping and invoices (with the PDF attached), so that two stages send mail."""
        return {
            "company": {
                "name": "Muster GmbH",
                "street": "Hauptstr. 1",
                "postal_code": "94032",
                "city": "Passau",
                "country": "DE",
                "vat_id": "DE123456789",
                "tax_number": "123/456/78901",
                "iban": "DE02120300000000202051",
                "email": "shop@example.com",
            },
            "notifications": {"smtp_url": self.mail.url, "from": "shop@example.com", "review_request_after": "0s"},
            "products": [
                {"sku": "MUG-01", "weight_g": 450, "length_mm": 120, "width_mm": 100, "height_mm": 100},
                {"sku": "LAMP-02", "weight_g": 6200, "length_mm": 1400, "width_mm": 300, "height_mm": 300},
                {"sku": "TEE-03", "weight_g": 250, "length_mm": 100, "width_mm": 80, "height_mm": 80},
            ],
            "shippers": [
                {
                    "code": WAREHOUSE,
                    "kind": "in_house",
                    "carrier": "DHL",
                    "max_weight_g": 10000,
                    "max_length_mm": 600,
                    "services": ["standard", "express"],
                    "countries": ["DE", "AT"],
                    "price": [{"up_to_g": 10000, "eur": "3.90"}],
                    "transit_days": 1,
                    "confirmation_deadline": "1h",
                    "return_channel": {"kind": "webhook", "token_env": "CHAOS_WAREHOUSE_TOKEN"},
                },
                {
                    "code": THIRD_PARTY,
                    "carrier": "DHL",
                    "transport": {"kind": "http", "url": f"{self.shipper.url}/delivery-notes", "timeout": 10},
                    "format": "json",
                    "return_channel": {"kind": "webhook", "token_env": "CHAOS_3PL_TOKEN"},
                    "max_weight_g": 31500,
                    "max_length_mm": 2000,
                    "services": ["standard", "express", "cod"],
                    "price": [{"up_to_g": 2000, "eur": "4.50"}, {"up_to_g": 31500, "eur": "9.90"}],
                    "transit_days": 2,
                    "confirmation_deadline": "1h",
                },
            ],
            "hold_rules": [
                {"code": "buyer-note", "when": "buyer_note"},
                {"code": "gift-message", "when": "gift_message"},
                {"code": "unknown-sku", "when": "unknown_sku"},
                {"code": "address-incomplete", "when": "address_incomplete"},
                {"code": "big-order", "when": "total_above", "limit": "1500.00"},
            ],
            "channels": [
                {
                    "code": CHANNEL,
                    "kind": "amazon",
                    "name": "Amazon (simulator)",
                    "endpoint": self.amazon.url,
                    "token_endpoint": f"{self.amazon.url}/auth/o2/token",
                    "marketplace_ids": [DE, UK],
                    "client_id_env": "CHAOS_AMAZON_CLIENT_ID",
                    "client_secret_env": "CHAOS_AMAZON_CLIENT_SECRET",
                    "refresh_token_env": "CHAOS_AMAZON_REFRESH_TOKEN",
                    "poll_interval": "2s",
                    "communication": {"shipped": True, "invoice": True},
                }
            ],
        }

    def _web_answers(self) -> bool:
        try:
            return self.http.get(f"http://127.0.0.1:{self.web_port}/api/health/", timeout=3).status_code < 500
        except httpx.HTTPError:
            return False

    # --- the simulators' control --------------------------------------------------------------------

    def sim(self, method: str, path: str, **kwargs) -> httpx.Response:
        response = self.http.request(method, f"{self.amazon.url}{path}", **kwargs)
        response.raise_for_status()
        return response

    def sim_orders(self) -> dict[str, dict[str, Any]]:
        return {o["AmazonOrderId"]: o for o in self.sim("GET", "/_sim/orders").json()["orders"]}

    def set_amazon_faults(self, rule: dict[str, Any]) -> None:
        self.sim("POST", "/_sim/faults", json=rule)
        self.journal.note(f"Amazon faults: {rule}")

    def generate(self, count: int) -> None:
        ids = self.sim("POST", "/_sim/generate", json={"count": count}).json()["AmazonOrderIds"]
        self.generated.extend(ids)

    def cancel_some(self, share: float) -> None:
        """The buyer cancels a few orders that Amazon has not seen shipped yet."""
        orders = self.sim_orders()
        candidates = [
            i
            for i in self.generated
            if i not in self.cancelled and orders[i]["OrderStatus"] in ("Pending", "Unshipped")
        ]
        for order_id in self.rng.sample(candidates, k=min(len(candidates), round(len(candidates) * share))):
            cancel = {"OrderStatus": "Canceled", "CancelledBy": "BUYER"}
            self.sim("POST", f"/_sim/orders/{order_id}/status", json=cancel)
            self.cancelled.add(order_id)

    def advance_clock(self, duration: str) -> None:
        now = self.sim("POST", "/_sim/clock", json={"advance": duration}).json()["now"]
        self.journal.note(f"Amazon's clock +{duration}: {now}")

    # --- the people around OrderPilot ------------------------------------------------------------------

    def api(self, method: str, path: str, *, token: str = API_TOKEN, **kwargs) -> httpx.Response | None:
        try:
            return self.http.request(
                method,
                f"http://127.0.0.1:{self.web_port}/api/{path}",
                headers={"Authorization": f"Token {token}"},
                **kwargs,
            )
        except httpx.HTTPError:
            return None

    def pack(self) -> None:
        """The warehouse packs what is in its queue (a couple of seconds old) and scans the labels:
        each parcel's tracking number reaches OrderPilot through the API (the warehouse's token)."""
        from orderpilot.shipping.models import Shipment

        cutoff = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=2)
        numbers = safe(
            lambda: list(
                Shipment.objects.filter(
                    shipper__code=WAREHOUSE, status="transmitted", packages__isnull=True, transmitted_at__lte=cutoff
                ).values_list("number", flat=True)[:25]
            ),
            [],
        )
        for number in numbers:
            body = {
                "shipment": number,
                "tracking_number": "WH" + number.replace("-", ""),
                "carrier": "DHL",
                "shipped_at": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
            }
            response = self.api("POST", "shipping/confirmations/", token=TOKENS["CHAOS_WAREHOUSE_TOKEN"], json=body)
            if response is not None and response.status_code in (200, 201):
                self.packed.add(number)

    def release_held(self) -> None:
        """A person looks at the held orders and releases every other one (by a hash of its id)."""
        from orderpilot.orders.models import SalesOrder

        held = safe(lambda: list(SalesOrder.objects.filter(status="on_hold").values_list("pk", "external_id")), [])
        for pk, external_id in held:
            if external_id in self.released or not released_by_person(external_id):
                continue
            response = self.api("POST", f"orders/{pk}/release/", json={"note": "checked by the chaos test"})
            if response is not None and response.status_code == 200:
                self.released.add(external_id)

    def settle(self) -> int:
        """Amazon pays out: one settlement report per currency for every invoiced order not yet
        settled (principal = what was invoiced, minus a commission), posted to the simulator."""
        from orderpilot.invoicing.models import Invoice
        from orderpilot.orders.models import SalesOrder

        orders = safe(
            lambda: list(
                SalesOrder.objects.filter(status="invoiced")
                .exclude(external_id__in=self.settled | self.cancelled)  # Amazon pays no cancelled order
                .order_by("pk")
            ),
            [],
        )
        by_currency: dict[str, list[tuple[str, Decimal]]] = {}
        for order in orders:
            gross = safe(
                lambda order=order: sum(
                    (i.gross_total for i in Invoice.objects.filter(order=order, kind="invoice")), Decimal("0.00")
                )
            )
            if gross is None:
                return 0
            by_currency.setdefault(order.currency, []).append((order.external_id, gross))
        for currency, amounts in sorted(by_currency.items()):
            number = len(self.settlements) + 1
            settlement_id = f"{24000000000 + self.settings.seed % 10**6 * 100 + number}"
            text = settlement_file(settlement_id, currency, amounts, now=self.sim_now())
            marketplace = UK if currency == "GBP" else DE
            report = self.sim("POST", f"/_sim/settlement-reports?marketplaceId={marketplace}", content=text).json()
            self.settlements.append(
                {"settlement_id": settlement_id, "report_id": report["reportId"], "orders": [a[0] for a in amounts]}
            )
            self.settled.update(a[0] for a in amounts)
            self.journal.note(f"settlement {settlement_id} ({currency}) for {len(amounts)} order(s) posted")
        if by_currency:
            self.settlements_due()
        return len(by_currency)

    def settlements_due(self) -> None:
        """Amazon's reports are looked for every six hours; let those hours pass for the channel."""
        from orderpilot.channels.models import Channel

        safe(
            lambda: Channel.objects.filter(code=CHANNEL).update(
                settlements_checked_at=dt.datetime.now(dt.UTC) - dt.timedelta(hours=7)
            )
        )

    def sim_now(self) -> dt.datetime:
        now = self.sim("GET", "/_sim/clock").json()["now"]
        return dt.datetime.fromisoformat(now.replace("Z", "+00:00"))

    # --- chaos ----------------------------------------------------------------------------------------

    def workers(self) -> list[Role]:
        return [role for name, role in self.roles.items() if name.startswith("worker")]

    def kill_a_worker(self, restarts: dict[str, float]) -> None:
        alive = [role for role in self.workers() if role.alive and role.name not in restarts]
        if not alive:
            return
        role = self.rng.choice(alive)
        if self.rng.random() < 0.7:
            role.kill()
            restarts[role.name] = time.monotonic() + self.rng.uniform(1.0, 4.0)
            what = f"SIGKILL {role.name} (all its processes)"
        else:
            victim = role.kill_child(self.rng)
            what = f"SIGKILL one pool process {victim} of {role.name}"
        self.journal.kills.append((time.time(), what))
        self.journal.note(what)

    def supervise(self, *, skip=()) -> None:
        """Start again what stopped by itself, as systemd would (``Restart=always``), and note it.

        Celery gives up (``WorkerLostError: Could not start worker processes``) when a pool process
        dies while the worker is still starting, which the pool-process kills sometimes hit."""
        for name, role in self.roles.items():
            if name in skip or role.alive:
                continue
            code = role.process.returncode if role.process else None
            self.journal.exits.append((time.time(), name, code))
            self.journal.note(f"{name} exited by itself (exit code {code}); started again")
            role.start()

    def restart_broker(self) -> None:
        self.journal.note("RabbitMQ: stop_app")
        self.rabbit.restart_app(down_seconds=5)
        self.journal.note("RabbitMQ: start_app done")

    def database_outage(self) -> None:
        self.journal.note(f"PostgreSQL: database {self.database} refuses connections, all terminated")
        begin = time.time()
        terminated = self.outage(seconds=5)
        self.journal.outages.append((begin, time.time()))
        self.journal.note(f"PostgreSQL: connections allowed again ({terminated} had been terminated)")

    def kill_web_worker(self) -> None:
        victim = self.roles["web"].kill_child(self.rng)
        self.journal.note(f"SIGKILL gunicorn worker {victim}")

    def restart_scheduler(self) -> None:
        self.roles["scheduler"].kill()
        self.journal.note("SIGKILL scheduler")
        time.sleep(2)
        self.roles["scheduler"].start()
        self.journal.note("scheduler started again")

    def chaos_phase(self) -> None:
        s = self.settings
        duration = s.minutes * 60
        begin = time.monotonic()
        rate = s.fault_rate
        fault_rules = [
            {"status": 429, "rate": rate, "operations": THROTTLED_OPERATIONS},
            {"status": 500, "rate": rate},
            {"status": 503, "rate": rate, "timeout": True, "timeout_seconds": 1},
            {"timeout": True, "rate": rate, "timeout_seconds": 2},
        ]
        self.amazon_faults.configure(lost_rate=s.lost_rate)
        self.shipper_faults.configure(refuse_rate=rate, refuse_status=503, lost_rate=s.lost_rate)
        generation_end = 0.45 * duration
        batches = max(1, min(s.orders, round(generation_end / 2)))
        sizes = [s.orders // batches + (1 if i < s.orders % batches else 0) for i in range(batches)]
        events: list[tuple[float, str, Callable[[], Any]]] = [
            (i * generation_end / batches, f"generate {size}", lambda size=size: self.generate(size))
            for i, size in enumerate(sizes)
            if size
        ]
        # a new fault rule about every ten seconds
        slots = max(2 * len(fault_rules), round(duration / 10))
        rotation = [fault_rules[i % len(fault_rules)] for i in range(slots)]
        events += [
            (i * duration / slots, "faults", lambda rule=rule: self.set_amazon_faults(rule))
            for i, rule in enumerate(rotation)
        ]
        # the broker, the database, the scheduler and the web server fail once per cycle of about
        # three minutes (once in the bounded form)
        cycles = max(1, round(duration / 180))
        for cycle in range(cycles):
            start, length = cycle * duration / cycles, duration / cycles
            events += [
                (start + 0.25 * length, "broker", self.restart_broker),
                (start + 0.40 * length, "web", self.kill_web_worker),
                (start + 0.55 * length, "database", self.database_outage),
                (start + 0.65 * length, "scheduler", self.restart_scheduler),
            ]
        events += [
            (0.30 * duration, "cancel", lambda: self.cancel_some(0.04)),
            (0.48 * duration, "clock", lambda: self.advance_clock("11m")),  # Pending orders turn Unshipped
            (0.50 * duration, "cancel", lambda: self.cancel_some(0.03)),
            (0.70 * duration, "clock", lambda: self.advance_clock("9d")),  # the review window opens
            (0.72 * duration, "settle", self.settle),
            (0.90 * duration, "settle", self.settle),
        ]
        events.sort(key=lambda event: event[0])
        restarts: dict[str, float] = {}
        next_kill = self.rng.uniform(3, 8)
        next_chores = 0.0
        while True:
            elapsed = time.monotonic() - begin
            if elapsed >= duration and not events:
                break
            while events and events[0][0] <= elapsed:
                _at, _label, action = events.pop(0)
                action()
            if elapsed >= next_kill and elapsed < duration:
                self.kill_a_worker(restarts)
                next_kill = elapsed + self.rng.uniform(4, 10)
            for name, at in list(restarts.items()):
                if time.monotonic() >= at:
                    self.roles[name].start()
                    self.journal.note(f"{name} started again")
                    del restarts[name]
            self.supervise(skip=restarts)
            if elapsed >= next_chores:
                self.pack()
                self.release_held()
                next_chores = elapsed + 1.0
            time.sleep(0.2)
        for name in list(restarts):
            self.roles[name].start()
            self.journal.note(f"{name} started again")
        self.timings["chaos"] = time.monotonic() - begin

    # --- calm -----------------------------------------------------------------------------------------

    def calm_phase(self) -> dict[str, int]:
        """Faults off, every process up; then wait for idle, letting time pass where work waits for a
        backoff (a retry due later is made due now). Returns what was still pending at the end."""
        begin = time.monotonic()
        self.set_amazon_faults({"rate": 0})
        self.amazon_faults.configure()
        self.shipper_faults.configure()
        self.supervise()
        idle_checks = 0
        pending: dict[str, int] = {}
        while time.monotonic() - begin < self.settings.calm_limit:
            self.supervise()
            self.pack()
            self.release_held()
            self.settle()
            self.let_time_pass()
            pending = safe(self.pending_work, {"database": 1})
            if not any(pending.values()):
                idle_checks += 1
                if idle_checks >= 3:
                    break
            else:
                idle_checks = 0
            time.sleep(1.0)
        self.timings["calm"] = time.monotonic() - begin
        self.journal.note(f"calm phase: {self.timings['calm']:.0f}s, still pending: {pending}")
        return pending

    def let_time_pass(self) -> None:
        """Backoffs of up to an hour would outlast the test: make work that waits for one due now."""
        from orderpilot.channels.models import Channel
        from orderpilot.core.models import OutboxMessage
        from orderpilot.orders.models import SalesOrder

        now = dt.datetime.now(dt.UTC)
        soon = now + dt.timedelta(seconds=2)

        def pull_forward() -> None:
            # a review request waits (a day) for Amazon to know of the parcel: not while the order's
            # shipment confirmation is still on its way, as it would be after a day
            confirming = OutboxMessage.objects.filter(
                kind="marketplace.confirm_shipment", status__in=["queued", "retry", "inflight"]
            ).values("order_id")
            OutboxMessage.objects.filter(status="retry", next_attempt_at__gt=soon).exclude(
                kind="marketplace.request_review", order_id__in=confirming
            ).update(next_attempt_at=now)
            SalesOrder.objects.filter(step_attempts__gt=0, next_step_at__gt=soon).update(next_step_at=now)
            Channel.objects.filter(code=CHANNEL, next_poll_at__gt=soon).update(next_poll_at=now)
            for message in OutboxMessage.objects.filter(kind="marketplace.invoice_upload", status="sent"):
                result = message.result
                if result.get("feedId") and result.get("processingStatus") not in FINAL_FEED_STATUSES:
                    OutboxMessage.objects.filter(pk=message.pk).update(result={**result, "checked_at": ""})

        safe(pull_forward)
        if self.settlements and self.imported_reports() < len(self.settlements):
            self.settlements_due()

    def imported_reports(self) -> int:
        from orderpilot.channels.models import ImportedSettlement

        return ImportedSettlement.objects.filter(report_id__in=[s["report_id"] for s in self.settlements]).count()

    def pending_work(self) -> dict[str, int]:
        """What still moves: anything here that is not zero means the system is not idle yet."""
        from orderpilot.core.models import OutboxMessage
        from orderpilot.invoicing.models import Invoice
        from orderpilot.orders.models import SalesOrder
        from orderpilot.shipping.models import Shipment
        from orderpilot.tickets.models import Ticket

        now = dt.datetime.now(dt.UTC)
        orders = SalesOrder.objects.all()
        known = set(orders.values_list("external_id", flat=True))
        statuses = dict(orders.values_list("external_id", "marketplace_status"))
        with_ticket = set(Ticket.objects.filter(status__in=["open", "waiting"]).values_list("order_id", flat=True))
        unfinished_uploads = [
            m
            for m in OutboxMessage.objects.filter(kind="marketplace.invoice_upload", status="sent")
            if m.result.get("processingStatus") not in FINAL_FEED_STATUSES
        ]
        return {
            "not imported": len(set(self.generated) - known),
            "cancellation not seen": sum(1 for i in self.cancelled if statuses.get(i) != "CANCELLED"),
            "orders due": orders.filter(next_step_at__lte=now).count(),
            "orders in backoff": orders.filter(step_attempts__gt=0, next_step_at__isnull=False).count(),
            "outbox open": OutboxMessage.objects.filter(status__in=["queued", "retry", "inflight"])
            .exclude(order_id__in=with_ticket)
            .count(),
            "invoices not rendered": Invoice.objects.filter(document__isnull=True).count(),
            "shipments unconfirmed": Shipment.objects.filter(status__in=["created", "transmitted"])
            .exclude(order_id__in=with_ticket)
            .count(),
            "held to release": sum(
                1
                for i in orders.filter(status="on_hold").values_list("external_id", flat=True)
                if released_by_person(i) and i not in self.released
            ),
            "invoiced not settled": orders.filter(status="invoiced")
            .exclude(external_id__in=self.settled | self.cancelled)
            .count(),
            "settlements not imported": len(self.settlements) - self.imported_reports(),
            "uploads processing": len(unfinished_uploads),
        }

    # --- the end ----------------------------------------------------------------------------------------

    def stop_roles(self) -> None:
        for name in ("scheduler", "worker-1", "worker-2", "web"):
            role = self.roles.get(name)
            if role is not None:
                role.stop()

    def tick(self, *extra: str) -> dict[str, int]:
        """``orderpilot tick`` with the processes' environment, once every worker has stopped (so an
        entry still in flight belongs to a stopped worker and is taken back at once, as a worker
        starting after a crash does); returns its summary as numbers."""
        assert not any(role.alive for role in self.workers())
        env = {**self.env, "ORDERPILOT_KICK_WORKERS": "0", "ORDERPILOT_OUTBOX_INFLIGHT_TIMEOUT": "0"}
        done = subprocess.run(orderpilot("tick", *extra), env=env, capture_output=True, text=True, timeout=180)
        assert done.returncode == 0, done.stdout + done.stderr
        line = done.stdout.strip().splitlines()[-1]
        self.journal.note(line)
        return {k: int(v) for k, v in (part.split("=") for part in line.split(", ", 1)[1].split())}

    def close(self) -> None:
        for stop in reversed(self._started):
            try:
                stop()
            except Exception as exc:  # closing down: report, and close the rest
                print(f"[chaos] closing {stop}: {type(exc).__name__}: {exc}", flush=True)
        self._started.clear()

    def report(self, path: Path) -> None:
        body = {
            "settings": self.settings.__dict__,
            "timings": self.timings,
            "events": [(round(t, 3), what) for t, what in self.journal.events],
            "amazon_middleware": dict(self.amazon_faults.counts),
            "shipper_middleware": dict(self.shipper_faults.counts),
            "starts": {name: role.starts for name, role in self.roles.items()},
        }
        path.write_text(json.dumps(body, indent=2, default=str))


def settlement_file(
    settlement_id: str, currency: str, amounts: list[tuple[str, Decimal]], *, now: dt.datetime
) -> bytes:
    """A settlement flat file V2 as Amazon writes it: header, summary row, one row per amount."""
    from orderpilot.payments.importers.amazon_settlement import COLUMNS

    stamp = now.strftime("%Y-%m-%d %H:%M:%S UTC")
    rows = []
    total = Decimal("0.00")
    market = "Amazon.co.uk" if currency == "GBP" else "Amazon.de"
    for order_id, gross in amounts:
        commission = -(gross * Decimal("0.15")).quantize(Decimal("0.01"))
        for amount_type, description, amount in (
            ("ItemPrice", "Principal", gross),
            ("ItemFees", "Commission", commission),
        ):
            rows.append(
                {
                    "settlement-id": settlement_id,
                    "transaction-type": "Order",
                    "order-id": order_id,
                    "marketplace-name": market,
                    "amount-type": amount_type,
                    "amount-description": description,
                    "amount": f"{amount:.2f}",
                    "fulfillment-id": "MFN",
                    "posted-date": stamp,
                }
            )
            total += amount
    summary = {
        "settlement-id": settlement_id,
        "settlement-start-date": (now - dt.timedelta(days=14)).strftime("%Y-%m-%d %H:%M:%S UTC"),
        "settlement-end-date": stamp,
        "deposit-date": stamp,
        "total-amount": f"{total:.2f}",
        "currency": currency,
    }
    lines = ["\t".join(COLUMNS)] + ["\t".join(row.get(c, "") for c in COLUMNS) for row in (summary, *rows)]
    return ("\n".join(lines) + "\n").encode()
