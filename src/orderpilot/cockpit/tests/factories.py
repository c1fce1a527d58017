"""Build orders with everything around them directly through the models, quickly and explicitly."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

from django.contrib.auth.models import Group
from django.utils import timezone

from orderpilot.channels.models import Channel
from orderpilot.customers.models import Address, Customer
from orderpilot.invoicing.models import Invoice
from orderpilot.orders.models import HoldReason, OrderLine, SalesOrder
from orderpilot.payments.models import Payment
from orderpilot.shipping.models import Package, Shipment, ShipmentLine, ShipmentStatus, Shipper
from orderpilot.tickets.models import Ticket

_numbers = itertools.count(1)

ADDRESS = {"name": "Erika Mustermann", "street": "Heidestraße 17", "postal_code": "51147", "city": "Köln",
           "country": "DE"}


def user_with_role(django_user_model, username: str, role: str | None):
    user = django_user_model.objects.create_user(username, password=f"pw-{username}-1")
    if role:
        user.groups.add(Group.objects.get_or_create(name=role)[0])
    return user


def make_channel(code: str = "amazon-de", kind: str = "amazon") -> Channel:
    return Channel.objects.get_or_create(code=code, defaults={"kind": kind, "name": code})[0]


def make_shipper(code: str = "warehouse", *, kind: str = "in_house", carrier: str = "DHL") -> Shipper:
    return Shipper.objects.get_or_create(code=code, defaults={"kind": kind, "carrier": carrier})[0]


def make_customer(name: str = "Erika Mustermann", email: str = "erika@example.com") -> Customer:
    customer = Customer.objects.create(name=name, email=email, email_key=email.strip().lower())
    Address.objects.create(customer=customer, match_key=f"{name}|{next(_numbers)}", **ADDRESS)
    return customer


def make_order(
    external_id: str | None = None,
    *,
    channel: Channel | None = None,
    customer: Customer | None = None,
    status: str = "imported",
    total: str = "19.90",
    ordered_at: dt.datetime | None = None,
    **fields,
) -> SalesOrder:
    order = SalesOrder.objects.create(
        channel=channel or make_channel(),
        external_id=external_id or f"302-{next(_numbers):07d}",
        status=status,
        customer=customer,
        total_gross=Decimal(total),
        ordered_at=ordered_at or timezone.now() - dt.timedelta(hours=3),
        shipping_address=ADDRESS,
        billing_address=ADDRESS,
        **fields,
    )
    OrderLine.objects.create(
        order=order, position=1, sku="MUG-01", title="Kaffeebecher", quantity=1, unit_price=Decimal(total)
    )
    return order


def hold(order: SalesOrder, rule: str = "buyer-note", code: str = "buyer_note") -> Ticket:
    """Put ``order`` on hold the way the engine leaves it: a hold reason and the open hold ticket."""
    held_from = order.status
    SalesOrder.objects.filter(pk=order.pk).update(status="on_hold", held_from=held_from)
    order.refresh_from_db()
    HoldReason.objects.create(order=order, code=code, rule=rule, evidence={"note": order.buyer_note})
    return Ticket.objects.create(
        order=order, reason="hold", problem_key=f"hold:{order.pk}", title=f"{order.external_id}: {rule}"
    )


def make_shipment(
    order: SalesOrder,
    shipper: Shipper | None = None,
    *,
    status: str = ShipmentStatus.TRANSMITTED,
    decision: dict | None = None,
    **fields,
) -> Shipment:
    now = timezone.now()
    shipment = Shipment.objects.create(
        number=f"LS-2026-{next(_numbers):06d}",
        order=order,
        shipper=shipper or make_shipper(),
        status=status,
        shipping_address=order.shipping_address,
        transmitted_at=fields.pop("transmitted_at", now - dt.timedelta(hours=2)),
        deadline_at=fields.pop("deadline_at", now + dt.timedelta(hours=22)),
        decision=decision or {},
        **fields,
    )
    for line in order.lines.all():
        ShipmentLine.objects.create(shipment=shipment, order_line=line, quantity=line.quantity)
    return shipment


def make_package(shipment: Shipment, tracking_number: str, *, carrier: str = "DHL", shipped_at=None) -> Package:
    return Package.objects.create(
        shipment=shipment,
        tracking_number=tracking_number,
        carrier=carrier,
        shipped_at=shipped_at or timezone.now(),
        reference=shipment.packages.count() + 1,
    )


def make_invoice(order: SalesOrder, number: str | None = None, *, gross: str | None = None, issued_at=None,
                 shipment: Shipment | None = None) -> Invoice:
    gross_total = Decimal(gross or order.total_gross)
    net = (gross_total / Decimal("1.19")).quantize(Decimal("0.01"))
    return Invoice.objects.create(
        number=number or f"RE-2026-{next(_numbers):06d}",
        order=order,
        shipment=shipment,
        issued_at=issued_at or timezone.now(),
        currency="EUR",
        net_total=net,
        tax_total=gross_total - net,
        gross_total=gross_total,
        seller={"name": "Muster GmbH", "street": "Hauptstr. 1", "postal_code": "94032", "city": "Passau",
                "country": "DE"},
        buyer=dict(ADDRESS),
    )


def make_payment(order: SalesOrder, amount: str, *, invoice: Invoice | None = None, reference: str | None = None,
                 received_at=None) -> Payment:
    return Payment.objects.create(
        order=order,
        invoice=invoice,
        amount=Decimal(amount),
        currency="EUR",
        received_at=received_at or timezone.now(),
        source="amazon-settlement",
        reference=reference or f"S-{next(_numbers)}",
    )
