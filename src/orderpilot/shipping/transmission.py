"""The outbox handlers that send a delivery note, or its cancellation, to the shipper.

The document is rendered once and stored (:mod:`.documents`), so a retry sends the same bytes
under the same name; the outbox result records what was sent (file, size, SHA-256, receiver's answer).
"""

from __future__ import annotations

import hashlib
from typing import Any

from orderpilot.core.exceptions import TerminalError
from orderpilot.core.registry import resolve_checked

from .base import Document, Transport
from .documents import shipment_document
from .models import DocumentPurpose, Shipment, ShipmentStatus
from .transports import TRANSPORTS


def transport_for(shipment: Shipment) -> tuple[str, dict[str, Any], Transport]:
    config = shipment.shipper.transport or {}
    kind = config.get("kind", "")
    try:
        transport = resolve_checked(TRANSPORTS[kind], Transport)()
    except KeyError:
        raise TerminalError(f"shipper {shipment.shipper.code}: transport {kind!r} is not available") from None
    return kind, config, transport


def _send(shipment: Shipment, document: Document, *, key: str) -> dict[str, Any]:
    kind, config, transport = transport_for(shipment)
    receipt = transport.send(document, config, idempotency_key=key)
    return {
        "transport": kind,
        "file": document.filename,
        "media_type": document.media_type,
        "bytes": len(document.content),
        "sha256": hashlib.sha256(document.content).hexdigest(),
        **receipt,
    }


def _shipment(message) -> Shipment:
    return Shipment.objects.select_related("shipper", "order__channel").get(number=message.payload["shipment"])


def deliver_transmission(message) -> dict[str, Any]:
    """Outbox handler ``shipment.transmit``."""
    shipment = _shipment(message)
    if shipment.status == ShipmentStatus.CANCELLED:
        # cancelled before it left: the shipper never hears of it (nothing to cancel there either)
        return {"skipped": "the delivery note was cancelled before it was sent"}
    document = shipment_document(shipment, DocumentPurpose.DELIVERY_NOTE)
    return _send(shipment, document, key=message.idempotency_key)


def deliver_cancellation(message) -> dict[str, Any]:
    """Outbox handler ``shipment.cancel``: the shipper already has the delivery note; tell it to stop."""
    shipment = _shipment(message)
    document = shipment_document(shipment, DocumentPurpose.CANCELLATION, reason=message.payload.get("reason", ""))
    return _send(shipment, document, key=message.idempotency_key)
