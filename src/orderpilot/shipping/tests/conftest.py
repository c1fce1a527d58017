"""Fixtures of the shipping tests: orders ready to route, and real servers on free ports."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone

from orderpilot.sandbox.shipper.servers import FtpServerThread, SmtpServerThread

from .servers import Dovecot, HttpReceiver, SftpServer, free_port

_numbers = itertools.count(1)

ADDRESS = {
    "name": "Erika Mustermann",
    "company": "",
    "street": "Heidestraße 17",
    "address2": "",
    "postal_code": "51147",
    "city": "Köln",
    "country": "DE",
}


def make_order(channel, *, lines=(("MUG-01", 1),), status="released", **fields):
    """A sales order with ``lines`` (SKU, quantity) in ``status`` (default: released, ready to route)."""
    from orderpilot.catalog.models import Product
    from orderpilot.orders.models import OrderLine, SalesOrder

    values = {
        "external_id": f"SHIP-{next(_numbers):05d}",
        "status": status,
        "ordered_at": timezone.now() - dt.timedelta(minutes=5),
        "total_gross": Decimal("19.90"),
        "shipping_address": dict(ADDRESS),
    }
    values.update(fields)
    order = SalesOrder.objects.create(channel=channel, **values)
    for position, (sku, quantity) in enumerate(lines, start=1):
        OrderLine.objects.create(
            order=order,
            position=position,
            sku=sku,
            title=f"Article {sku}",
            quantity=quantity,
            unit_price=Decimal("19.90"),
            product=Product.objects.filter(sku=sku).first(),
        )
    return order


def route(order):
    """Run the engine's routing step for ``order`` (as the engine does: in a transaction, locked)."""
    from orderpilot.core.locking import lock_for_update
    from orderpilot.shipping.steps import route_released_order

    with transaction.atomic():
        order = lock_for_update(order)
        route_released_order(order)
    order.refresh_from_db()
    return order.shipments.order_by("-pk").first()


@pytest.fixture
def order_factory(channel, products):
    def factory(**kwargs):
        return make_order(channel, **kwargs)

    return factory


class Mailbox:
    """What an SMTP server received: raw messages."""

    def __init__(self):
        self.messages: list[bytes] = []

    def __call__(self, raw: bytes, mail_from: str, rcpt_tos: list[str]) -> None:
        self.messages.append(raw)


@pytest.fixture(scope="module")
def smtp_server():
    mailbox = Mailbox()
    server = SmtpServerThread(mailbox, port=free_port()).start()
    server.mailbox = mailbox
    yield server
    server.stop()


@pytest.fixture(scope="module")
def ftp_server(tmp_path_factory):
    root = tmp_path_factory.mktemp("ftp")
    server = FtpServerThread(root, user="ship", password="secret", port=0).start()
    server.root = root
    yield server
    server.stop()


@pytest.fixture(scope="module")
def sftp_server(tmp_path_factory):
    root = tmp_path_factory.mktemp("sftp")
    server = SftpServer(root).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def http_receiver():
    server = HttpReceiver(username="ship", password="secret").start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def dovecot():
    server = Dovecot().start()
    yield server
    server.stop()
