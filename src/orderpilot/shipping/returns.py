"""Polling the return channels: confirmations and stock feeds that shippers leave in a mailbox or an
FTP/SFTP folder become packages (tracking numbers) and stock tables.

A file is applied all or nothing; then it moves to ``done/``. A file that cannot be read, or that
names a delivery note this shipper does not have, moves to ``quarantine/`` and opens a ticket: it is
never lost, and never half applied. Reading the same file twice is harmless (tracking is idempotent).
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import hashlib
import logging
from typing import Any

from django.db import transaction
from django.utils import timezone

from orderpilot.core.actors import Actor
from orderpilot.core.exceptions import OrderPilotError
from orderpilot.core.locking import lock_due
from orderpilot.core.registry import resolve_checked

from .base import InboundItem, ReturnChannel
from .models import Shipment, Shipper
from .return_channels import RETURN_CHANNELS
from .return_channels.parsing import (
    DEFAULT_SHIPMENT_PATTERN,
    DEFAULT_TRACKING_PATTERN,
    PackageConfirmation,
    UnreadableConfirmation,
    find_in_text,
    parse_confirmation_csv,
    parse_confirmation_xml,
    parse_stock,
)
from .services import TrackingRefused, record_tracking, update_shipper_stock

logger = logging.getLogger(__name__)

BATCH = 50  # items read from one channel per poll


def poll_return_channels(limit: int = 20) -> int:
    """Job: poll every shipper whose return channel is due; returns how many items were processed."""
    now = timezone.now()
    with transaction.atomic():
        due = (
            Shipper.objects.filter(active=True)
            .exclude(return_channel__isnull=True)
            .exclude(next_poll_at__gt=now)
            .order_by("pk")
        )
        # return_channel is encrypted, so its kind is checked here rather than in SQL; a webhook or
        # manual channel is not polled, but its next_poll_at moves on too, so it does not crowd the batch
        shippers = []
        for shipper in lock_due(due, limit=limit):
            shipper.next_poll_at = now + dt.timedelta(seconds=shipper.poll_interval)
            if (shipper.return_channel or {}).get("kind") in RETURN_CHANNELS:
                shipper.last_polled_at = now
                shippers.append(shipper)
            shipper.save(update_fields=["next_poll_at", "last_polled_at"])
    return sum(poll_shipper_return_channel(shipper) for shipper in shippers)


def poll_shipper_return_channel(shipper: Shipper) -> int:
    """Read, apply and file away what ``shipper`` left on its return channel; returns the item count."""
    config: dict[str, Any] = shipper.return_channel or {}
    channel = resolve_checked(RETURN_CHANNELS[config["kind"]], ReturnChannel)()
    try:
        items = channel.fetch(config, limit=BATCH)
        outcomes = [(item, process_inbound_item(shipper, item)) for item in items]
        channel.acknowledge(config, outcomes)
    except OrderPilotError as exc:
        Shipper.objects.filter(pk=shipper.pk).update(last_poll_error=str(exc)[:2000])
        logger.warning("return channel of %s: %s", shipper.code, exc)
        return 0
    Shipper.objects.filter(pk=shipper.pk).update(last_poll_error="")
    return len(items)


def process_inbound_item(shipper: Shipper, item: InboundItem) -> str:
    """Apply one file or mail; return its outcome, ``"done"`` or ``"quarantine"``."""
    config = shipper.return_channel or {}
    try:
        if item.problem:
            raise UnreadableConfirmation(item.problem)
        with transaction.atomic():
            applied = _apply_item(shipper, item, config)
    except UnreadableConfirmation as exc:
        _quarantine_ticket(shipper, item, str(exc))
        return "quarantine"
    logger.info("return channel of %s: %s applied (%d record(s))", shipper.code, item.name, applied)
    return "done"


def _apply_item(shipper: Shipper, item: InboundItem, config: dict[str, Any]) -> int:
    if item.kind == "file":
        return _apply_file(shipper, item.name, item.content, config)
    applied = 0
    texts = [item.text]
    for attachment in item.attachments:
        kind = _file_kind(attachment.filename, config)
        if kind == "text":
            texts.append(attachment.content.decode("utf-8", "replace"))
        elif kind is not None:
            applied += _apply_file(shipper, attachment.filename, attachment.content, config)
    if applied:
        return applied
    return _apply_text(shipper, "\n".join(texts), config)


def _file_kind(name: str, config: dict[str, Any]) -> str | None:
    lower = name.lower()
    if lower.endswith((".csv", ".xml")) and fnmatch.fnmatch(lower, str(config.get("stock_pattern", "stock*")).lower()):
        return "stock"
    if lower.endswith(".csv"):
        return "csv"
    if lower.endswith(".xml"):
        return "xml"
    if lower.endswith(".txt"):
        return "text"
    return None


def _apply_file(shipper: Shipper, name: str, content: bytes, config: dict[str, Any]) -> int:
    kind = _file_kind(name, config) or config.get("format", "csv")
    mapping = config.get("mapping") or {}
    delimiter = config.get("delimiter") or None
    if kind == "stock":
        stock_kind = "xml" if name.lower().endswith(".xml") else "csv"
        quantities = parse_stock(content, kind=stock_kind, mapping=config.get("stock_mapping"), delimiter=delimiter)
        try:
            return update_shipper_stock(shipper, quantities, source=name)
        except OrderPilotError as exc:
            raise UnreadableConfirmation(str(exc)) from None
    if kind == "xml":
        confirmations = parse_confirmation_xml(content, mapping=mapping)
    elif kind == "csv":
        confirmations = parse_confirmation_csv(content, mapping=mapping, delimiter=delimiter)
    else:
        raise UnreadableConfirmation(f"{name}: not a CSV or XML file")
    return apply_confirmations(shipper, confirmations)


def _apply_text(shipper: Shipper, text: str, config: dict[str, Any]) -> int:
    shipments, trackings = find_in_text(
        text,
        shipment_pattern=config.get("shipment_pattern") or DEFAULT_SHIPMENT_PATTERN,
        tracking_pattern=config.get("tracking_pattern") or DEFAULT_TRACKING_PATTERN,
    )
    if not shipments or not trackings:
        raise UnreadableConfirmation(
            f"found {len(shipments)} delivery note number(s) and {len(trackings)} tracking number(s); need both"
        )
    if len(shipments) == 1:
        pairs = [(shipments[0], tracking) for tracking in trackings]  # one delivery note, several parcels
    elif len(shipments) == len(trackings):
        pairs = list(zip(shipments, trackings, strict=True))
    else:
        raise UnreadableConfirmation(
            f"{len(shipments)} delivery notes but {len(trackings)} tracking numbers: cannot tell which is which"
        )
    return apply_confirmations(shipper, [PackageConfirmation(tracking_number=t, shipment=s) for s, t in pairs])


def apply_confirmations(shipper: Shipper, confirmations: list[PackageConfirmation]) -> int:
    """Record every confirmation or none: one unknown delivery note rolls the whole file back."""
    actor = Actor(f"shipper:{shipper.code}")
    created = 0
    with transaction.atomic():
        for confirmation in confirmations:
            shipment = _shipment_for(shipper, confirmation)
            try:
                _, new = record_tracking(
                    shipment,
                    tracking_number=confirmation.tracking_number,
                    carrier=confirmation.carrier,
                    shipped_at=confirmation.shipped_at,
                    lines=confirmation.lines or None,
                    actor=actor,
                )
            except TrackingRefused as exc:
                raise UnreadableConfirmation(str(exc)) from None
            created += int(new)
    return created


def _shipment_for(shipper: Shipper, confirmation: PackageConfirmation) -> Shipment:
    shipments = Shipment.objects.filter(shipper=shipper)
    if confirmation.shipment:
        shipment = shipments.filter(number=confirmation.shipment).first()
    else:
        shipment = shipments.filter(order__external_id=confirmation.order).order_by("-pk").first()
    if shipment is None:
        named = confirmation.shipment or f"order {confirmation.order}"
        raise UnreadableConfirmation(f"{shipper.code} has no delivery note {named}")
    return shipment


def _quarantine_ticket(shipper: Shipper, item: InboundItem, problem: str) -> None:
    from orderpilot.tickets.models import TicketReason
    from orderpilot.tickets.services import open_ticket

    digest = hashlib.sha256(item.content).hexdigest()[:16]
    preview = item.content[:1000].decode("utf-8", "replace") if not item.problem else ""
    with transaction.atomic():
        open_ticket(
            reason=TicketReason.PROCESSING_ERROR,
            problem_key=f"quarantine:{shipper.code}:{digest}",
            title=f"{shipper.code}: {item.name or 'a message'} could not be read and was quarantined",
            body=f"{problem}\n\nMoved to the quarantine folder of the return channel. Beginning:\n{preview}",
            priority=1,
        )
    logger.warning("return channel of %s: %s quarantined: %s", shipper.code, item.name, problem)
