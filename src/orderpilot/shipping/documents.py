"""What goes into a delivery document, and rendering it once per shipment and purpose."""

from __future__ import annotations

import hashlib
from typing import Any

from django.db import IntegrityError, transaction

from orderpilot.core.exceptions import TerminalError
from orderpilot.core.registry import resolve_checked

from .base import Document, DocumentFormat
from .formats import FORMATS
from .models import DocumentPurpose, Shipment, ShipmentDocument


def delivery_data(shipment: Shipment, *, reason: str = "") -> dict[str, Any]:
    """The data every format and template gets (documented for merchants writing templates)."""
    from orderpilot.core.configuration.sections import company_settings

    order = shipment.order
    company = company_settings()
    return {
        "delivery_note": shipment.number,
        "order": order.external_id,
        "channel": order.channel.code,
        "shipper": shipment.shipper.code,
        "carrier": shipment.shipper.carrier,
        "service": shipment.service,
        "created_at": shipment.created_at.isoformat(),
        "ship_by": order.ship_by.isoformat() if order.ship_by else None,
        "cash_on_delivery": order.cash_on_delivery,
        "cod_amount": str(order.total_gross) if order.cash_on_delivery else None,
        "currency": order.currency,
        "weight_g": shipment.weight_g,
        "shipping_address": shipment.shipping_address,
        "sender": company.name if company else "",
        "reason": reason,
        "lines": [
            {
                "sku": sl.order_line.sku,
                "title": sl.order_line.title,
                "quantity": sl.quantity,
                "weight_g": _line_weight(sl),
            }
            for sl in shipment.lines.select_related("order_line__product")
        ],
    }


def _line_weight(shipment_line) -> int:
    from orderpilot.catalog.selectors import products_by_sku

    line = shipment_line.order_line
    product = line.product or products_by_sku([line.sku]).get(line.sku)
    return product.weight_g if product else 0


def document_format(name: str) -> DocumentFormat:
    try:
        return resolve_checked(FORMATS[name], DocumentFormat)()
    except KeyError:
        raise TerminalError(f"document format {name!r} is not available; use one of {sorted(FORMATS)}") from None


def shipment_document(shipment: Shipment, purpose: str, *, reason: str = "") -> Document:
    """The shipment's document for ``purpose``, rendered on first use and stored, so every later
    call (a retry, a second look) returns the very same bytes."""
    stored = ShipmentDocument.objects.filter(shipment=shipment, purpose=purpose).first()
    if stored is None:
        stored = _render_and_store(shipment, purpose, reason=reason)
    return Document(filename=stored.filename, content=bytes(stored.content), media_type=stored.media_type)


def _render_and_store(shipment: Shipment, purpose: str, *, reason: str) -> ShipmentDocument:
    shipper = shipment.shipper
    if purpose == DocumentPurpose.PACKING_SLIP:
        name, template, suffix = "pdf", shipper.document_template if shipper.document_format == "pdf" else "", ""
    elif purpose == DocumentPurpose.CANCELLATION:
        name, template, suffix = shipper.document_format or "json", shipper.cancellation_template, "-cancel"
    else:
        name, template, suffix = shipper.document_format or "json", shipper.document_template, ""
    fmt = document_format(name)
    content = fmt.render(delivery_data(shipment, reason=reason), template=template, purpose=purpose)
    try:
        with transaction.atomic():
            return ShipmentDocument.objects.create(
                shipment=shipment,
                purpose=purpose,
                format=name,
                filename=f"{shipment.number}{suffix}.{fmt.extension}",
                media_type=fmt.media_type,
                content=content,
                sha256=hashlib.sha256(content).hexdigest(),
            )
    except IntegrityError:  # another worker rendered it first: use theirs
        return ShipmentDocument.objects.get(shipment=shipment, purpose=purpose)
