"""What the renderers see: a read-only copy of an issued invoice's snapshot.

The PDF and the EN 16931 XML are rendered from this and nothing else, so re-rendering an invoice
gives the same document whatever happened to the order, the customer or the company settings.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils import timezone

from ..builder import TaxGroup, tax_groups


@dataclass(frozen=True)
class LineData:
    position: int
    description: str
    sku: str
    quantity: Decimal
    unit_net: Decimal
    tax_rate: Decimal
    category: str
    net: Decimal
    tax: Decimal
    gross: Decimal


@dataclass(frozen=True)
class InvoiceData:
    number: str
    kind: str
    issued_on: dt.date
    delivery_date: dt.date | None
    currency: str
    seller: dict[str, Any]
    buyer: dict[str, Any]
    lines: tuple[LineData, ...]
    net_total: Decimal
    tax_total: Decimal
    gross_total: Decimal
    treatment: str
    destination_country: str = ""
    order_reference: str = ""
    language: str = "de"
    notes: tuple[dict[str, str], ...] = ()
    payment: dict[str, Any] = field(default_factory=dict)
    layout: dict[str, Any] = field(default_factory=dict)
    refers_number: str = ""
    refers_issued_on: dt.date | None = None
    reason: str = ""

    @property
    def is_credit_note(self) -> bool:
        return self.kind == "credit_note"

    @property
    def groups(self) -> list[TaxGroup]:
        return tax_groups(self.lines)

    @property
    def file_stem(self) -> str:
        return self.number.replace("/", "-")


def invoice_data(invoice) -> InvoiceData:
    """Read the snapshot of an issued :class:`~orderpilot.invoicing.models.Invoice`."""
    refers = invoice.refers
    return InvoiceData(
        number=invoice.number,
        kind=invoice.kind,
        issued_on=timezone.localtime(invoice.issued_at).date(),
        delivery_date=invoice.delivery_date,
        currency=invoice.currency,
        seller=dict(invoice.seller),
        buyer=dict(invoice.buyer),
        lines=tuple(
            LineData(
                position=line.position,
                description=line.description,
                sku=line.sku,
                quantity=line.quantity,
                unit_net=line.unit_net,
                tax_rate=line.tax_rate,
                category=line.category,
                net=line.net,
                tax=line.tax,
                gross=line.gross,
            )
            for line in invoice.lines.all()
        ),
        net_total=invoice.net_total,
        tax_total=invoice.tax_total,
        gross_total=invoice.gross_total,
        treatment=invoice.treatment,
        destination_country=invoice.destination_country,
        order_reference=invoice.order_reference,
        language=invoice.language,
        notes=tuple(invoice.notes),
        payment=dict(invoice.payment),
        layout=dict(invoice.layout),
        refers_number=refers.number if refers else "",
        refers_issued_on=timezone.localtime(refers.issued_at).date() if refers else None,
        reason=invoice.reason,
    )
