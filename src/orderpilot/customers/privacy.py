"""Personal data of buyers: kept only while it is needed, then anonymised; reported, exported and
erased on request.

What counts as personal data here, and where copies of it end up:

- the customer: email, name, company, VAT ID, phone, and the addresses kept for matching;
- the order: shipping and billing address, buyer note, gift message, the channel's raw payload
  (buyer, recipient, gift and customisation fields), the lines' customisation (Amazon's
  ``customizedUrl``);
- copies: the delivery note's address and its rendered documents, hold evidence (a buyer note),
  ticket texts, timeline messages (``email_queued`` names the address), outbox payloads (the
  emails sent to the customer).

**Retention.** ``ORDERPILOT_PII_RETENTION_DAYS`` (default 30) days after an order was completed
or cancelled — counted from its last change, which is that moment or later — the periodic job
``anonymise_personal_data`` anonymises it; its customer follows once none of the customer's
orders holds personal data any more. Amazon's Data Protection Policy, as summarised in
research/sp-api.md §10.9 (its exact clause unverified), allows buyer PII only for fulfilment and
tax invoicing, for no longer than needed; merchants who read it as "30 days after delivery" set a
shorter period, since an order completes only after its review request.

**What stays.** Invoices and credit notes are legal snapshots (§14 UStG, §147 AO: 8 years): their
buyer data, PDF and XML are never touched. The order keeps its number, channel, dates, status,
lines (SKU, title, quantity, price), amounts, the destination country, shipments with tracking
numbers, payments and the timeline (with personal data replaced by ``[anonymised]``).

**Erasure on request** (``orderpilot privacy erase --email E``) anonymises the customer and all
their orders at once and records it in each order's timeline; it refuses while an order still
needs the data to be shipped or invoiced. Anonymised orders never get personal data back: an
update from the channel is stored without it.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from orderpilot.core.actors import SYSTEM, Actor
from orderpilot.core.exceptions import OrderPilotError

from .matching import email_key
from .models import AnonymisationReason, AnonymisedOrder, Customer

logger = logging.getLogger(__name__)

ANONYMISED = "[anonymised]"
#: a key of a raw payload, hold evidence or outbox payload whose value is personal data when its
#: lower-cased name contains one of these (Amazon ``buyer``/``recipient``, eBay ``shipTo``/
#: ``fullName``/``primaryPhone``, Gambio ``customer``/``addresses``/``comment`` …)
PII_KEY_PARTS = (
    "buyer",
    "recipient",
    "customer",
    "address",
    "name",
    "mail",
    "phone",
    "fax",
    "street",
    "city",
    "postal",
    "zip",
    "gift",
    "note",
    "comment",
    "message",
    "customiz",
    "shipto",
    "contact",
    "vat",
    "company",
    "iban",
    "birth",
)
#: outbox payload keys of a customer email, replaced as a whole
EMAIL_PAYLOAD_KEYS = ("to", "text", "html")
#: shorter values are not searched for inside other texts (a house number would hit anything)
MIN_VALUE_LENGTH = 4
#: statuses in which an order still needs the buyer's data to be shipped or invoiced
NEEDS_PERSONAL_DATA = ("imported", "on_hold", "released", "transmitted", "shipped")
FINAL = ("completed", "cancelled")
BATCH = 100


class ErasureRefused(OrderPilotError):
    """Erasure is not possible now; the message says which orders still need the data."""


def retention_days() -> int:
    days = int(getattr(settings, "ORDERPILOT_PII_RETENTION_DAYS", 30))
    if days < 0:
        raise ValueError("ORDERPILOT_PII_RETENTION_DAYS cannot be negative")
    return days


# --- the pure parts: what is personal data, and how it is removed ------------------------------


#: keys that contain one of the parts above but name no person (the order still needs some of them:
#: the Amazon connector reads ``salesChannel.marketplaceId`` of an anonymised order)
NOT_PII_KEYS = frozenset({"channelname", "marketplacename", "carriername", "servicename", "shippingservicename",
                          "productname", "itemname", "conditionnote"})


def is_pii_key(key: Any) -> bool:
    lowered = str(key).lower()
    return lowered not in NOT_PII_KEYS and any(part in lowered for part in PII_KEY_PARTS)


def strip_pii(value: Any) -> Any:
    """``value`` (JSON) with the value of every personal-data key replaced by ``[anonymised]``."""
    if isinstance(value, dict):
        return {
            key: (ANONYMISED if item not in (None, "", [], {}) else item) if is_pii_key(key) else strip_pii(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [strip_pii(item) for item in value]
    return value


def collect_pii_values(value: Any, found: set[str] | None = None, *, under_pii: bool = False) -> set[str]:
    """Every text under a personal-data key of ``value`` (JSON), to be searched for elsewhere."""
    found = set() if found is None else found
    if isinstance(value, dict):
        for key, item in value.items():
            collect_pii_values(item, found, under_pii=under_pii or is_pii_key(key))
    elif isinstance(value, list):
        for item in value:
            collect_pii_values(item, found, under_pii=under_pii)
    elif under_pii and isinstance(value, str | int) and not isinstance(value, bool):
        text = str(value)
        # flags and enums under a personal key ("true", "RESIDENTIAL") identify nobody
        if text.lower() not in ("true", "false", "null", "none") and not ENUM.fullmatch(text):
            found.add(text)
    return found


ENUM = re.compile(r"[A-Z][A-Z0-9_]*")


def scrub_text(text: str, values: Iterable[str]) -> str:
    """``text`` with every occurrence of one of ``values`` replaced by ``[anonymised]``."""
    if not text:
        return text
    for value in sorted({v for v in values if len(v) >= MIN_VALUE_LENGTH}, key=len, reverse=True):
        text = text.replace(value, ANONYMISED)
        if value.lower() != value:
            text = text.replace(value.lower(), ANONYMISED)
    return text


def scrub_json(value: Any, values: Iterable[str]) -> Any:
    """``value`` (JSON) without personal-data keys, and without the known ``values`` in any text."""
    values = list(values)

    def walk(item: Any) -> Any:
        if isinstance(item, dict):
            return {key: walk(sub) for key, sub in item.items()}
        if isinstance(item, list):
            return [walk(sub) for sub in item]
        if isinstance(item, str):
            return scrub_text(item, values)
        return item

    return walk(strip_pii(value))


def anonymised_address(address: dict | None) -> dict:
    """Only the country stays: it decided VAT and shipping, and identifies nobody."""
    country = (address or {}).get("country", "")
    return {"country": country} if country else {}


def anonymise_order_fields(order) -> None:
    """Remove the personal data held in ``order``'s own fields (in memory; the caller saves)."""
    order.shipping_address = anonymised_address(order.shipping_address)
    order.billing_address = anonymised_address(order.billing_address)
    order.buyer_note = ""
    order.gift_message = ""
    order.raw_payload = strip_pii(order.raw_payload or {})


def is_anonymised(order) -> bool:
    return order.pk is not None and AnonymisedOrder.objects.filter(order_id=order.pk).exists()


# --- anonymising ------------------------------------------------------------------------------


def _order_pii_values(order) -> set[str]:
    values = collect_pii_values(order.raw_payload or {})
    for address in (order.shipping_address or {}, order.billing_address or {}):
        values.update(str(v) for k, v in address.items() if k != "country" and v)
    values.update(v for v in (order.buyer_note, order.gift_message) if v)
    customer = order.customer
    if customer is not None:
        values.update(
            v for v in (customer.email, customer.name, customer.company, customer.phone, customer.vat_id) if v
        )
        for address in customer.addresses.all():
            values.update(
                v for v in (address.name, address.company, address.street, address.address2, address.postal_code,
                            address.city) if v
            )
        values.update(customer.channel_numbers.values_list("number", flat=True))
    for line in order.lines.all():
        values.update(collect_pii_values({"customization": line.customization or {}}))
    for shipment in order.shipments.all():
        values.update(str(v) for k, v in (shipment.shipping_address or {}).items() if k != "country" and v)
    return {v.strip() for v in values if v and v.strip()}


def anonymise_order(order, *, reason: str, actor: Actor = SYSTEM, now: dt.datetime | None = None) -> bool:
    """Anonymise ``order`` and every copy of its buyer's data, in one transaction under the order's
    row lock; invoices stay as issued. Returns ``False`` if it was anonymised before."""
    from orderpilot.core.models import OutboxMessage, OutboxStatus
    from orderpilot.orders.models import SalesOrder
    from orderpilot.orders.timeline import record_event
    from orderpilot.shipping.models import ShipmentDocument
    from orderpilot.tickets.models import TicketComment

    now = now or timezone.now()
    with transaction.atomic():
        order = SalesOrder.objects.select_for_update().get(pk=order.pk)
        if AnonymisedOrder.objects.filter(order=order).exists():
            return False
        values = _order_pii_values(order)
        anonymise_order_fields(order)
        order.save(update_fields=["shipping_address", "billing_address", "buyer_note", "gift_message",
                                  "raw_payload", "updated_at"])
        for line in order.lines.all():
            if line.customization:
                line.customization = {}
                line.save(update_fields=["customization"])
        for shipment in order.shipments.all():
            shipment.shipping_address = anonymised_address(shipment.shipping_address)
            shipment.save(update_fields=["shipping_address"])
        # rendered delivery notes carry the address; the row stays as the record of what was sent
        ShipmentDocument.objects.filter(shipment__order=order).update(content=b"")
        for reason_row in order.hold_reasons.all():
            reason_row.evidence = scrub_json(reason_row.evidence, values)
            reason_row.save(update_fields=["evidence"])
        for event in order.events.all():
            message, data = scrub_text(event.message, values), scrub_json(event.data, values)
            if (message, data) != (event.message, event.data):
                event.message, event.data = message, data
                event.save(update_fields=["message", "data"])
        for ticket in order.tickets.all():
            ticket.title = scrub_text(ticket.title, values)[:300]
            ticket.body = scrub_text(ticket.body, values)
            ticket.resolution = scrub_text(ticket.resolution, values)
            ticket.save(update_fields=["title", "body", "resolution"])
        for comment in TicketComment.objects.filter(ticket__order=order):
            comment.body = scrub_text(comment.body, values)
            comment.save(update_fields=["body"])
        for message in OutboxMessage.objects.filter(order=order):
            payload = scrub_json(message.payload, values)
            fields = ["payload", "result", "last_error"]
            if message.kind == "email":
                payload.update({key: ANONYMISED for key in EMAIL_PAYLOAD_KEYS if key in payload})
                if message.status in (OutboxStatus.QUEUED, OutboxStatus.RETRY):
                    # never send an anonymised mail; DEAD without a ticket: nobody needs to act
                    message.status = OutboxStatus.DEAD
                    fields.append("status")
            message.payload = payload
            message.result = scrub_json(message.result, values)
            message.last_error = scrub_text(message.last_error, values)
            message.save(update_fields=fields)
        AnonymisedOrder.objects.create(order=order, anonymised_at=now, reason=reason, actor=actor.name)
        why = {
            AnonymisationReason.RETENTION: f"retention period of {retention_days()} days after the order ended is over",
            AnonymisationReason.REQUEST: "the buyer asked for erasure",
        }[reason]
        record_event(
            order,
            "personal_data_anonymised",
            f"personal data anonymised: {why}; the invoices keep what tax law requires",
            actor=actor,
            data={"reason": reason},
        )
    logger.info("order %s: personal data anonymised (%s)", order.pk, reason)
    return True


def anonymise_customer(customer: Customer, *, now: dt.datetime | None = None) -> bool:
    """Blank the customer's personal data and delete the addresses kept for matching."""
    with transaction.atomic():
        customer = Customer.objects.select_for_update().get(pk=customer.pk)
        if customer.anonymised_at is not None:
            return False
        customer.email = customer.email_key = customer.name = customer.company = ""
        customer.vat_id = customer.phone = ""
        customer.anonymised_at = now or timezone.now()
        customer.save(update_fields=["email", "email_key", "name", "company", "vat_id", "phone", "anonymised_at"])
        customer.addresses.all().delete()
        customer.channel_numbers.all().delete()
    logger.info("customer %s: personal data anonymised", customer.pk)
    return True


def _customer_done(customer: Customer) -> bool:
    """No order of the customer holds personal data any more."""
    return not customer.orders.filter(anonymisation__isnull=True).exists()


def due_orders(now: dt.datetime | None = None):
    """Orders whose retention is over: completed or cancelled, unchanged for the retention period."""
    from orderpilot.orders.models import SalesOrder

    cutoff = (now or timezone.now()) - dt.timedelta(days=retention_days())
    return SalesOrder.objects.filter(status__in=FINAL, updated_at__lt=cutoff, anonymisation__isnull=True)


def anonymise_expired_personal_data(limit: int = BATCH) -> int:
    """Periodic job: anonymise one batch of orders past their retention, then the customers left
    without personal data; returns how many orders and customers were anonymised."""
    now = timezone.now()
    done = 0
    customers: set[int] = set()
    for order in due_orders(now).order_by("updated_at", "pk")[:limit]:
        if anonymise_order(order, reason=AnonymisationReason.RETENTION, now=now):
            done += 1
            if order.customer_id:
                customers.add(order.customer_id)
    cutoff = now - dt.timedelta(days=retention_days())
    orphans = Customer.objects.filter(anonymised_at__isnull=True, orders__isnull=True, created_at__lt=cutoff)
    customers.update(orphans.values_list("pk", flat=True)[:limit])
    for customer in Customer.objects.filter(pk__in=customers, anonymised_at__isnull=True).order_by("pk"):
        if _customer_done(customer) and anonymise_customer(customer, now=now):
            done += 1
    return done


# --- the buyer's rights: what is stored, a copy, erasure ---------------------------------------


def customers_for(*, email: str = "", customer_id: int | None = None) -> list[Customer]:
    """The customers a request names: by normalised email (all of them), or by id."""
    if customer_id is not None:
        return list(Customer.objects.filter(pk=customer_id))
    key = email_key(email)
    if not key:
        raise ValueError(f"{email!r} is not an email address")
    return list(Customer.objects.filter(email_key=key).order_by("pk"))


def export_personal_data(customers: Iterable[Customer], *, now: dt.datetime | None = None) -> dict[str, Any]:
    """Everything stored about ``customers`` (GDPR Art. 15/20), as JSON-ready data."""
    from orderpilot.core.models import OutboxMessage

    def iso(value):
        return value.isoformat() if value else None

    exported = []
    for customer in customers:
        orders = []
        for order in customer.orders.select_related("channel").prefetch_related("lines", "events").order_by(
            "ordered_at", "pk"
        ):
            orders.append(
                {
                    "channel": order.channel.code,
                    "order": order.external_id,
                    "status": order.status,
                    "ordered_at": iso(order.ordered_at),
                    "currency": order.currency,
                    "total": str(order.total_gross),
                    "shipping_address": order.shipping_address,
                    "billing_address": order.billing_address,
                    "buyer_note": order.buyer_note,
                    "gift_message": order.gift_message,
                    "anonymised": AnonymisedOrder.objects.filter(order=order).exists(),
                    "lines": [
                        {"sku": line.sku, "title": line.title, "quantity": line.quantity,
                         "unit_price": str(line.unit_price), "customization": line.customization}
                        for line in order.lines.all()
                    ],
                    "shipments": [
                        {"number": s.number, "status": s.status, "shipping_address": s.shipping_address,
                         "tracking_numbers": [p.tracking_number for p in s.packages.all()],
                         "carriers": sorted({p.carrier for p in s.packages.all() if p.carrier})}
                        for s in order.shipments.all()
                    ],
                    "invoices": [
                        {"number": i.number, "kind": i.kind, "issued_at": iso(i.issued_at),
                         "total": str(i.gross_total), "currency": i.currency, "buyer": i.buyer}
                        for i in order.invoices.order_by("issued_at", "pk")
                    ],
                    "emails": [
                        {"subject": m.payload.get("subject", ""), "to": m.payload.get("to", ""),
                         "status": m.status, "sent_at": iso(m.sent_at)}
                        for m in OutboxMessage.objects.filter(order=order, kind="email").order_by("pk")
                    ],
                    "timeline": [
                        {"at": iso(e.at), "kind": e.kind, "message": e.message, "by": e.actor}
                        for e in order.events.all()
                    ],
                }
            )
        exported.append(
            {
                "customer": customer.pk,
                "email": customer.email,
                "name": customer.name,
                "company": customer.company,
                "vat_id": customer.vat_id,
                "phone": customer.phone,
                "customer_numbers": {
                    entry.channel.code: entry.number for entry in customer.channel_numbers.select_related("channel")
                },
                "language": customer.language,
                "no_review_requests": customer.email_opt_out,
                "created_at": iso(customer.created_at),
                "anonymised_at": iso(customer.anonymised_at),
                "addresses": [
                    {"name": a.name, "company": a.company, "street": a.street, "address2": a.address2,
                     "postal_code": a.postal_code, "city": a.city, "country": a.country}
                    for a in customer.addresses.all()
                ],
                "orders": orders,
            }
        )
    return {
        "exported_at": iso(now or timezone.now()),
        "retention_days": retention_days(),
        "note": "Invoices keep the buyer's data as tax law requires (8 years); everything else is "
        "anonymised after the retention period or on request.",
        "customers": exported,
    }


def write_export(data: dict[str, Any], path) -> None:
    """Write the export readable by its owner only (it is personal data), replacing ``path`` atomically."""
    import os
    from pathlib import Path

    path = Path(path)
    temporary = path.with_name(f".{path.name}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(data, handle, ensure_ascii=False, indent=2, default=str)
        handle.write("\n")
    os.replace(temporary, path)


@dataclass(frozen=True)
class Erasure:
    customers: tuple[int, ...]
    orders: tuple[str, ...]  # "channel/external id" of every order anonymised now
    invoices_kept: int


def erase_personal_data(customers: Iterable[Customer], *, actor: Actor, dry_run: bool = False) -> Erasure:
    """Anonymise ``customers`` and all their orders now (GDPR Art. 17), keeping invoices.

    :raises ErasureRefused: an order still needs the data to be shipped or invoiced (it names
        them); nothing is changed then.
    """
    from orderpilot.invoicing.models import Invoice
    from orderpilot.orders.models import SalesOrder

    customers = list(customers)
    orders = list(
        SalesOrder.objects.filter(customer__in=customers).select_related("channel").order_by("ordered_at", "pk")
    )
    busy = [o for o in orders if o.status in NEEDS_PERSONAL_DATA]
    if busy:
        named = ", ".join(f"{o.channel.code} {o.external_id} ({o.status})" for o in busy[:20])
        raise ErasureRefused(
            f"{len(busy)} order(s) still need the buyer's data to be shipped or invoiced: {named}. "
            "Cancel them or wait until they are invoiced, then erase again."
        )
    invoices = Invoice.objects.filter(order__in=orders).count()
    pending = [o for o in orders if not AnonymisedOrder.objects.filter(order=o).exists()]
    result = Erasure(
        customers=tuple(c.pk for c in customers),
        orders=tuple(f"{o.channel.code}/{o.external_id}" for o in pending),
        invoices_kept=invoices,
    )
    if dry_run:
        return result
    now = timezone.now()
    with transaction.atomic():
        for order in pending:
            anonymise_order(order, reason=AnonymisationReason.REQUEST, actor=actor, now=now)
        for customer in customers:
            anonymise_customer(customer, now=now)
    return result


def personal_data_report(now: dt.datetime | None = None) -> dict[str, Any]:
    """What personal data is stored, how old the oldest is, and when the next is anonymised."""
    from django.db.models import Min

    from orderpilot.invoicing.models import Invoice
    from orderpilot.orders.models import SalesOrder

    now = now or timezone.now()
    days = retention_days()
    with_pii = SalesOrder.objects.filter(anonymisation__isnull=True)
    final = with_pii.filter(status__in=FINAL)
    oldest_order = with_pii.aggregate(at=Min("ordered_at"))["at"]
    oldest_customer = Customer.objects.filter(anonymised_at__isnull=True).aggregate(at=Min("created_at"))["at"]
    next_change = final.aggregate(at=Min("updated_at"))["at"]
    next_at = next_change + dt.timedelta(days=days) if next_change else None
    return {
        "retention_days": days,
        "customers_with_personal_data": Customer.objects.filter(anonymised_at__isnull=True).count(),
        "customers_anonymised": Customer.objects.filter(anonymised_at__isnull=False).count(),
        "orders_with_personal_data": with_pii.count(),
        "orders_open": with_pii.exclude(status__in=FINAL).count(),
        "orders_anonymised": SalesOrder.objects.filter(anonymisation__isnull=False).count(),
        "oldest_personal_data": min((at for at in (oldest_order, oldest_customer) if at), default=None),
        "due_now": due_orders(now).count(),
        "next_anonymisation": max(next_at, now) if next_at else None,
        "invoices_keeping_buyer_data": Invoice.objects.count(),
    }
