"""The shipper simulator receives like a 3PL (HTTP, FTP, email) and answers over its return channel."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import threading
import time

import httpx
import pytest
from django.conf import settings
from django.utils import timezone
from werkzeug.serving import make_server

from orderpilot.core.outbox import deliver_due_messages
from orderpilot.sandbox.shipper.app import ShipperSimulator
from orderpilot.shipping.base import Document
from orderpilot.shipping.models import Shipment, Shipper
from orderpilot.shipping.returns import poll_shipper_return_channel
from orderpilot.shipping.services import flag_overdue_shipments
from orderpilot.shipping.tests.conftest import route
from orderpilot.shipping.tests.servers import free_port, wait_for_port
from orderpilot.shipping.transports.email import EmailTransport
from orderpilot.shipping.transports.ftp import FtpTransport
from orderpilot.shipping.transports.http import HttpTransport
from orderpilot.tickets.models import Ticket


class Running:
    """A simulator with its HTTP side served by werkzeug on a free port."""

    def __init__(self, **options):
        self.sim = ShipperSimulator(ftp_port=free_port(), smtp_port=free_port(), tick=0.05, **options).start()
        self.server = make_server("127.0.0.1", 0, self.sim, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def get(self, path):
        return httpx.get(self.url + path, timeout=5).json()

    def post(self, path, body):
        return httpx.post(self.url + path, json=body, timeout=5)

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
        self.sim.stop()


@pytest.fixture
def simulator():
    running = Running(confirm_delay=3600)
    yield running
    running.stop()


def _wait(condition, seconds=5.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def test_receives_over_http_ftp_and_email_once_per_transmission(simulator):
    # given: one document per channel, each sent twice with the same idempotency key
    sim = simulator.sim
    http = {"kind": "http", "url": simulator.url + "/delivery-notes"}
    ftp = {"kind": "ftp", "url": f"ftp://shipper:shipper@127.0.0.1:{sim.ftp.port}/inbox"}
    mail = {"kind": "email", "to": "inbox@sim.example", "smtp_url": f"smtp://127.0.0.1:{sim.smtp.port}",
            "from": "shop@example.com"}

    # when
    for _ in range(2):
        HttpTransport().send(Document("LS-2026-000001.json", b'{"a": 1}', "application/json"), http,
                             idempotency_key="shipment:LS-2026-000001:transmit")
        FtpTransport().send(Document("LS-2026-000002.csv", b"a;b\r\n", "text/csv"), ftp,
                            idempotency_key="shipment:LS-2026-000002:transmit")
        EmailTransport().send(Document("LS-2026-000003.pdf", b"%PDF-1.4 x", "application/pdf"), mail,
                              idempotency_key="shipment:LS-2026-000003:transmit")
    assert _wait(lambda: len(simulator.get("/_sim/received")) == 3)

    # then
    received = simulator.get("/_sim/received")
    assert [(r["channel"], r["filename"], r["shipment"], r["purpose"], r["bytes"]) for r in received] == [
        ("http", "LS-2026-000001.json", "LS-2026-000001", "delivery_note", 8),
        ("ftp", "LS-2026-000002.csv", "LS-2026-000002", "delivery_note", 5),
        ("email", "LS-2026-000003.pdf", "LS-2026-000003", "delivery_note", 10),
    ]
    assert received[0]["text"] == '{"a": 1}'
    assert received[2]["sha256"] == hashlib.sha256(b"%PDF-1.4 x").hexdigest()
    assert sorted(p.name for p in (sim.root / "inbox").iterdir()) == ["LS-2026-000002.csv"]


def test_confirm_of_an_unknown_delivery_note_is_404(simulator):
    response = simulator.post("/_sim/confirm", {"shipment": "LS-2026-000404"})
    assert response.status_code == 404
    assert simulator.get("/_sim/confirmations") == []


def test_cancellation_document_stops_the_answer(simulator):
    # given
    http = {"kind": "http", "url": simulator.url + "/notes"}
    HttpTransport().send(Document("LS-2026-000007.xml", b"<a/>", "application/xml"), http, idempotency_key="k1")

    # when
    HttpTransport().send(Document("LS-2026-000007-cancel.xml", b"<c/>", "application/xml"), http, idempotency_key="k2")

    # then
    assert simulator.post("/_sim/confirm", {"shipment": "LS-2026-000007"}).status_code == 404
    assert [r["purpose"] for r in simulator.get("/_sim/received")] == ["delivery_note", "cancellation"]


@pytest.mark.django_db(transaction=True)
def test_sim_confirm_answers_by_webhook_and_the_order_ships(live_server, order_factory, simulator):
    # given: a shipper reached over HTTP that answers on OrderPilot's webhook with its token
    Shipper.objects.create(
        code="sim-3pl", carrier="DHL", transport={"kind": "http", "url": simulator.url + "/api/notes"},
        document_format="json", price_table=[], return_channel={"kind": "webhook"},
        webhook_token_hash=hashlib.sha256(b"sim-token").hexdigest(),
    )
    simulator.post("/_sim/config", {"return_webhook": live_server.url + "/api/shipping/confirmations/",
                                    "return_token": "sim-token"})
    shipment = route(order_factory())
    deliver_due_messages()
    assert [r["shipment"] for r in simulator.get("/_sim/received")] == [shipment.number]

    # when
    response = simulator.post("/_sim/confirm", {"shipment": shipment.number})

    # then
    assert response.status_code == 200
    assert response.json()["delivered_by"] == ["webhook"]
    shipment.refresh_from_db()
    assert shipment.status == "confirmed"
    assert shipment.order.status == "shipped"
    assert [p.tracking_number for p in shipment.packages.all()] == [simulator.sim.tracking_number(shipment.number)]


@pytest.mark.django_db
def test_sim_answers_after_its_delay_with_a_file_that_ships_the_order(order_factory):
    # given: a simulator answering after 0.2 s with a CSV in its FTP folder
    running = Running(confirm_delay=0.2, return_ftp=True)
    try:
        port = running.sim.ftp.port
        Shipper.objects.create(
            code="sim-3pl", carrier="DHL", document_format="csv", price_table=[],
            transport={"kind": "ftp", "url": f"ftp://shipper:shipper@127.0.0.1:{port}/inbox"},
            return_channel={"kind": "ftp", "url": f"ftp://shipper:shipper@127.0.0.1:{port}/confirmations"},
        )
        shipment = route(order_factory())
        deliver_due_messages()

        # when: the delay passes, OrderPilot polls
        folder = running.sim.root / "confirmations"
        assert _wait(lambda: (folder / f"{shipment.number}.csv").exists())
        poll_shipper_return_channel(Shipper.objects.get())
    finally:
        running.stop()

    # then
    shipment.refresh_from_db()
    assert shipment.order.status == "shipped"
    assert shipment.packages.get().tracking_number == running.sim.tracking_number(shipment.number)


@pytest.mark.django_db
def test_sim_that_drops_a_delivery_note_leads_to_one_overdue_ticket(order_factory):
    # given: a simulator that never answers
    running = Running(confirm_delay=0, drop_rate=1.0, return_ftp=True)
    try:
        Shipper.objects.create(
            code="sim-3pl", carrier="DHL", document_format="json", price_table=[], confirmation_deadline=1,
            transport={"kind": "http", "url": running.url + "/notes"},
        )
        shipment = route(order_factory())
        deliver_due_messages()
        time.sleep(0.3)  # several answer rounds of the simulator
        assert running.get("/_sim/confirmations") == []
        assert list((running.sim.root / "confirmations").iterdir()) == []
    finally:
        running.stop()

    # when: the deadline has passed
    Shipment.objects.filter(pk=shipment.pk).update(deadline_at=timezone.now())
    flag_overdue_shipments()
    flag_overdue_shipments()

    # then
    assert list(Ticket.objects.values_list("problem_key", flat=True)) == [f"overdue:{shipment.number}"]


def test_orderpilot_sim_shipper_command_serves_the_simulator(tmp_path):
    # given
    port, ftp_port = free_port(), free_port()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "orderpilot.settings.test",
           "ORDERPILOT_DATA_DIR": str(settings.ORDERPILOT_DATA_DIR), "ORDERPILOT_SECRET_KEY": settings.SECRET_KEY}
    process = subprocess.Popen(
        [sys.executable, "-m", "orderpilot.cli", "sim", "shipper", "--port", str(port),
         "-o", f"ftp_port={ftp_port}", "-o", "confirm_delay=3600"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    try:
        wait_for_port(port, seconds=30)
        wait_for_port(ftp_port)

        # when
        posted = httpx.post(f"http://127.0.0.1:{port}/notes", content=b"<a/>",
                            headers={"Content-Disposition": 'attachment; filename="LS-2026-000009.xml"',
                                     "Content-Type": "application/xml", "Idempotency-Key": "x"}, timeout=5)
        received = httpx.get(f"http://127.0.0.1:{port}/_sim/received", timeout=5).json()
    finally:
        process.terminate()
        process.wait(timeout=10)
        process.stdout.close()

    # then
    assert posted.status_code == 201
    assert json.loads(posted.text) == {"received": "LS-2026-000009.xml", "duplicate": False}
    assert [(r["channel"], r["shipment"]) for r in received] == [("http", "LS-2026-000009")]


@pytest.mark.django_db
def test_tick_routes_transmits_and_picks_up_the_simulators_answer(channel, products, channel_order_factory):
    # given: a 3PL simulator reached over FTP, answering with a CSV after 0.1 s; an order comes in
    from orderpilot.channels.services import import_order
    from orderpilot.core.jobs import run_due_work

    running = Running(confirm_delay=0.1, return_ftp=True)
    try:
        port = running.sim.ftp.port
        Shipper.objects.create(
            code="sim-3pl", carrier="DHL", document_format="xml", price_table=[], poll_interval=1,
            transport={"kind": "ftp", "url": f"ftp://shipper:shipper@127.0.0.1:{port}/inbox"},
            return_channel={"kind": "ftp", "url": f"ftp://shipper:shipper@127.0.0.1:{port}/confirmations"},
        )
        order = import_order(channel, channel_order_factory("TICK-1")).order

        # when: ticks run until the simulator's answer has been read
        run_due_work(until_idle=True)
        order.refresh_from_db()
        assert order.status == "transmitted"
        assert _wait(lambda: any((running.sim.root / "confirmations").glob("LS-*.csv")))
        time.sleep(1.0)  # the return channel's poll interval
        totals = run_due_work(until_idle=True)
    finally:
        running.stop()

    # then
    order.refresh_from_db()
    assert order.status == "shipped"
    assert totals["poll_return_channels"] == 1
    shipment = order.shipments.get()
    assert [(r["channel"], r["filename"]) for r in running.sim.received] == [("ftp", f"{shipment.number}.xml")]
    assert shipment.packages.get().tracking_number == running.sim.tracking_number(shipment.number)
