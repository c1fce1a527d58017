"""Fixtures for the invoicing tests: the seller, orders ready to invoice, a real SMTP server."""

from __future__ import annotations

import datetime as dt
import itertools
import socket
from decimal import Decimal

import pytest
from django.utils import timezone

COMPANY = {
    "name": "Muster GmbH",
    "street": "Hauptstr. 1",
    "postal_code": "94032",
    "city": "Passau",
    "country": "DE",
    "vat_id": "DE136695976",
    "tax_number": "123/456/78901",
    "iban": "DE02120300000000202051",
    "bic": "BYLADEM1001",
    "email": "rechnung@muster.example",
    "phone": "+49 851 123456",
    "register": "Amtsgericht Passau HRB 1234",
    "managing_director": "Max Muster",
}
#: a fixed issue time (CET), so that documents can be compared with golden files
ISSUED_AT = dt.datetime(2026, 11, 27, 10, 30, tzinfo=dt.UTC)

_numbers = itertools.count(1)


@pytest.fixture
def company(db):
    from orderpilot.core.models import SystemSetting

    SystemSetting.objects.update_or_create(key="company", defaults={"value": COMPANY})
    return COMPANY


@pytest.fixture
def shop(db):
    from orderpilot.channels.models import Channel

    return Channel.objects.create(code="shop", kind="gambio", name="Shop")


@pytest.fixture
def amazon(db):
    from orderpilot.channels.models import Channel

    return Channel.objects.create(code="amazon-de", kind="amazon", name="Amazon.de")


def make_order(
    channel,
    *,
    external_id: str | None = None,
    country: str = "DE",
    lines: tuple[tuple[str, str, int, str, str], ...] = (("MUG-01", "Becher blau", 1, "19.90", "19"),),
    shipping: str = "4.90",
    status: str = "shipped",
    business: bool = False,
    vat_id: str = "",
    email: str = "erika@example.com",
    name: str = "Erika Mustermann",
    company: str = "",
    language: str = "de",
    replacement: bool = False,
    billing_extra: dict | None = None,
):
    """An order ``(sku, title, quantity, unit gross, rate)`` per line, to a complete address."""
    from orderpilot.customers.models import Customer
    from orderpilot.orders.models import OrderLine, SalesOrder

    customer = Customer.objects.create(
        email=email, name=name, company=company, vat_id=vat_id, is_business=business, language=language
    )
    address = {
        "name": name,
        "company": company,
        "street": "Heidestraße 17",
        "postal_code": "51147",
        "city": "Köln" if country == "DE" else "Ville",
        "country": country,
    }
    goods = sum((Decimal(price) * quantity for _, _, quantity, price, _ in lines), Decimal("0"))
    order = SalesOrder.objects.create(
        channel=channel,
        external_id=external_id or f"302-{next(_numbers):07d}-1234567",
        status=status,
        customer=customer,
        currency="EUR",
        total_gross=goods + Decimal(shipping),
        shipping_gross=Decimal(shipping),
        ordered_at=timezone.now() - dt.timedelta(days=2),
        is_business=business,
        is_replacement=replacement,
        language=language,
        shipping_address=address,
        billing_address={**address, **(billing_extra or {})} if billing_extra else {},
    )
    for position, (sku, title, quantity, price, rate) in enumerate(lines, start=1):
        OrderLine.objects.create(
            order=order,
            position=position,
            sku=sku,
            title=title,
            quantity=quantity,
            unit_price=Decimal(price),
            tax_rate=Decimal(rate),
        )
    return order


@pytest.fixture
def order_factory():
    return make_order


def issue(order, *, at: dt.datetime = ISSUED_AT):
    """Issue the invoices of ``order`` the way the engine does: in a transaction, under its lock."""
    from django.db import transaction

    from orderpilot.core.locking import lock_for_update
    from orderpilot.invoicing.services import issue_invoices_for_order

    with transaction.atomic():
        return issue_invoices_for_order(lock_for_update(order), now=at)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_server():
    """A real SMTP server (aiosmtpd) on a free local port that keeps every message it receives."""
    from aiosmtpd.controller import Controller

    class Keep:
        def __init__(self):
            self.messages: list[bytes] = []

        async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
            self.messages.append(envelope.original_content or envelope.content)
            return "250 OK"

    handler = Keep()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield controller, handler
    finally:
        controller.stop()
