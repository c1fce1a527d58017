"""The outbox handler that sends a delivery note to its shipper."""

from __future__ import annotations

from typing import Any

from orderpilot.core.exceptions import TerminalError
from orderpilot.core.registry import resolve

from .base import Document
from .formats import FORMATS
from .models import Shipment
from .transports import TRANSPORTS


def delivery_data(shipment: Shipment) -> dict[str, Any]:
    order = shipment.order
    return {
        "delivery_note": shipment.number,
        "order": order.external_id,
        "channel": order.channel.code,
        "service": shipment.service,
        "cash_on_delivery": order.cash_on_delivery,
        "cod_amount": str(order.total_gross) if order.cash_on_delivery else None,
        "currency": order.currency,
        "weight_g": shipment.weight_g,
        "shipping_address": shipment.shipping_address,
        "lines": [
            {
                "sku": sl.order_line.sku,
                "title": sl.order_line.title,
                "quantity": sl.quantity,
                "weight_g": sl.order_line.product.weight_g if sl.order_line.product else 0,
            }
            for sl in shipment.lines.select_related("order_line__product")
        ],
    }


def render_document(shipment: Shipment) -> Document:
    name = shipment.shipper.document_format or "json"
    try:
        document_format = resolve(FORMATS[name])()
    except KeyError:
        raise TerminalError(f"shipper {shipment.shipper.code}: document format {name!r} is not available") from None
    return Document(
        filename=f"{shipment.number}.{document_format.extension}",
        content=document_format.render(delivery_data(shipment)),
        media_type=document_format.media_type,
    )


def deliver_transmission(message) -> dict[str, Any]:
    shipment = Shipment.objects.select_related("shipper", "order__channel").get(number=message.payload["shipment"])
    config = shipment.shipper.transport or {}
    kind = config.get("kind", "")
    try:
        transport = resolve(TRANSPORTS[kind])()
    except KeyError:
        raise TerminalError(f"shipper {shipment.shipper.code}: transport {kind!r} is not available") from None
    document = render_document(shipment)
    receipt = transport.send(document, config, idempotency_key=message.idempotency_key)
    return {"transport": kind, "file": document.filename, **receipt}
