"""Importing orders from sales channels: polling on schedule and the idempotent upsert."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from dataclasses import dataclass

from django.db import DataError, IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from orderpilot.core.dispatch import kick
from orderpilot.core.exceptions import OrderPilotError, RetryableError, TerminalError
from orderpilot.core.locking import lock_due
from orderpilot.core.logcontext import log_context
from orderpilot.customers.privacy import anonymise_order_fields, is_anonymised
from orderpilot.customers.services import match_or_create_customer
from orderpilot.orders.models import OrderLine, SalesOrder
from orderpilot.orders.services import cancel_order, schedule_order, transition_order
from orderpilot.orders.states import BEFORE_SHIPMENT, OrderStatus
from orderpilot.orders.timeline import record_event

from .base import ChannelOrder
from .models import Channel
from .registry import connector_for
from .validation import UnacceptableOrder, check_channel_order

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ImportResult:
    order: SalesOrder
    outcome: str  # "created", "updated" or "unchanged"


def poll_due_channels() -> int:
    """Poll every active channel whose interval has passed; returns how many orders came in."""
    now = timezone.now()
    with transaction.atomic():
        due = Channel.objects.filter(active=True).exclude(next_poll_at__gt=now).order_by("pk")
        channels = lock_due(due, limit=20)
        for channel in channels:
            # claim this poll: no other worker polls the channel before the interval has passed
            channel.next_poll_at = now + dt.timedelta(seconds=channel.poll_interval)
            channel.last_polled_at = now
            channel.save(update_fields=["next_poll_at", "last_polled_at"])
    return sum(poll_channel(channel) for channel in channels)


def poll_channel(channel: Channel) -> int:
    """Import every order changed since the watermark, page by page (see :func:`_poll_channel`)."""
    with log_context(channel=channel.code):
        return _poll_channel(channel)


def _poll_channel(channel: Channel) -> int:
    """Import every order changed since the watermark, page by page.

    After each page the place to resume is stored, so a poll interrupted by a rate limit goes on
    where it stopped; the watermark moves only when the last page is in.

    An order that cannot be read or stored (the connector's ``rejected``, or refused by
    :func:`~orderpilot.channels.validation.check_channel_order`) does not stop the others: it is
    recorded with a ticket naming its id (one per order while open), and only then does the
    poll go on, so the watermark never moves past an order that is neither imported nor
    recorded. A later change of the order at the channel brings it again; once it imports, its
    ticket closes. Any other failure stops this channel's poll without moving the watermark, is
    noted on the channel, and leaves the other channels to be polled.
    """
    imported = 0
    try:
        connector = connector_for(channel)
        for page in connector.fetch_changed_orders(since=channel.watermark, resume=channel.poll_resume):
            for rejected in page.rejected:
                record_rejected_order(channel, rejected.external_id, rejected.problem)
            for channel_order in page.orders:
                try:
                    result = import_order(channel, channel_order)
                except UnacceptableOrder as exc:
                    record_rejected_order(channel, channel_order.external_id, str(exc))
                    continue
                if result.outcome != "unchanged":
                    imported += 1
                    _close_rejection(channel, channel_order.external_id)
            fields = {"poll_resume": page.resume}
            if page.watermark is not None:
                fields.update(
                    watermark=page.watermark,
                    last_poll_ok_at=timezone.now(),
                    last_poll_error="",
                    poll_failing_since=None,
                )
            Channel.objects.filter(pk=channel.pk).update(**fields)
            channel.poll_resume = page.resume
            if page.watermark is not None:
                channel.watermark = page.watermark
    except RetryableError as exc:
        fields = {"last_poll_error": str(exc)[:2000]}
        if exc.retry_after:  # the channel asked us to wait longer than the interval
            fields["next_poll_at"] = timezone.now() + dt.timedelta(seconds=exc.retry_after)
        Channel.objects.filter(pk=channel.pk).update(**fields)
        _note_failure(channel)
        logger.info("polling %s paused: %s", channel.code, exc)
    except OrderPilotError as exc:
        Channel.objects.filter(pk=channel.pk).update(last_poll_error=str(exc)[:2000])
        _note_failure(channel)
        logger.warning("polling %s stopped: %s", channel.code, exc)
    except Exception as exc:  # a bug or an answer nobody foresaw: this channel stops, the others poll on
        logger.exception("polling %s failed", channel.code)
        Channel.objects.filter(pk=channel.pk).update(last_poll_error=f"{type(exc).__name__}: {exc}"[:2000])
        _note_failure(channel)
    return imported


def _rejection_key(channel: Channel, external_id: str) -> str:
    from .validation import EXTERNAL_ID

    if external_id and EXTERNAL_ID.match(external_id):
        return f"import:{channel.code}:{external_id}"
    digest = hashlib.sha256(external_id.encode("utf-8", "replace")).hexdigest()[:16]
    return f"import:{channel.code}:sha256-{digest}"


def record_rejected_order(channel: Channel, external_id: str, problem: str):
    """Record an order the poll cannot import: a ticket naming it (one while it is open), on the
    order's page if an earlier version of it was imported. Returns the ticket."""
    from orderpilot.tickets.models import TicketReason
    from orderpilot.tickets.services import open_ticket

    from .validation import EXTERNAL_ID

    shown = external_id if len(external_id) <= 64 else external_id[:64] + "…"
    shown = shown if shown.isprintable() else shown.encode("unicode_escape").decode("ascii")
    known = bool(external_id) and EXTERNAL_ID.match(external_id)
    existing = SalesOrder.objects.filter(channel=channel, external_id=external_id).first() if known else None
    with transaction.atomic():
        ticket, created = open_ticket(
            order=existing,
            reason=TicketReason.MARKETPLACE_ERROR,
            problem_key=_rejection_key(channel, external_id),
            title=f"{channel.code} {shown or '(an order without id)'}: the order could not be imported",
            body=(
                f"{problem}\n\nThe other orders of the poll were imported; this one was not. It is read "
                f"again when {channel.code} reports a change to it, and this ticket closes once it imports. "
                "Until then, handle the order at the marketplace."
            ),
            priority=1,
        )
    if created:
        logger.warning("polling %s: order %s not imported: %s", channel.code, shown, problem)
    return ticket


def _close_rejection(channel: Channel, external_id: str) -> None:
    from orderpilot.core.actors import SYSTEM
    from orderpilot.tickets.services import close_tickets_for_problem

    close_tickets_for_problem(
        _rejection_key(channel, external_id), actor=SYSTEM, resolution="the order was imported after all"
    )


def _note_failure(channel: Channel) -> None:
    Channel.objects.filter(pk=channel.pk, poll_failing_since__isnull=True).update(poll_failing_since=timezone.now())


def import_order(channel: Channel, incoming: ChannelOrder) -> ImportResult:
    """Create or update the order ``incoming`` describes; idempotent by (channel, external id).

    An unchanged ``updated_at`` changes nothing. A marketplace cancellation stops the order if it
    has not shipped yet. The raw payload is kept for audit.

    :raises UnacceptableOrder: the order breaks a rule of
        :func:`~orderpilot.channels.validation.check_channel_order` or a database constraint;
        nothing of it is stored.
    """
    with log_context(channel=channel.code, external_id=incoming.external_id):
        return _import_order(channel, incoming)


def _import_order(channel: Channel, incoming: ChannelOrder) -> ImportResult:
    check_channel_order(incoming)
    refused: Exception | None = None
    for _attempt in range(2):
        try:
            with transaction.atomic():
                return _import_locked(channel, incoming)
        except IntegrityError as exc:
            # another worker created the same order between our read and our insert: update it
            logger.info("order %s/%s created concurrently; updating", channel.code, incoming.external_id)
            refused = exc
        except DataError as exc:
            raise UnacceptableOrder(f"the database refused a value of the order: {exc}") from exc
    # refused twice: not a race but a constraint the data breaks
    raise UnacceptableOrder(f"the database refused the order: {refused}") from refused


def _import_locked(channel: Channel, incoming: ChannelOrder) -> ImportResult:
    order = SalesOrder.objects.select_for_update().filter(channel=channel, external_id=incoming.external_id).first()
    if order is None:
        order = SalesOrder(channel=channel, external_id=incoming.external_id)
        _copy_fields(order, incoming)
        order.next_step_at = timezone.now()
        order.save()
        _replace_lines(order, incoming)
        record_event(order, "imported", f"{incoming.marketplace_status} at {channel.code}")
        _attach_customer(order, incoming)
        if incoming.cancelled:
            cancel_order(order, reason=f"cancelled at {channel.code} before import")
        kick("advance_orders")
        return ImportResult(order, "created")

    if (
        order.external_updated_at == incoming.updated_at
        and order.marketplace_status == incoming.marketplace_status
        and order.cancellation_requested == incoming.cancellation_requested
    ):
        # the channel's change time has second precision: the status decides within one second
        return ImportResult(order, "unchanged")
    was_waiting = order.awaiting_marketplace
    newly_requested = incoming.cancellation_requested and not order.cancellation_requested
    _copy_fields(order, incoming, update=True)
    if is_anonymised(order):
        anonymise_order_fields(order)  # an anonymised order never gets personal data back
    order.save()
    if order.status in (OrderStatus.IMPORTED, OrderStatus.ON_HOLD):
        _replace_lines(order, incoming)
    record_event(order, "updated", f"{incoming.marketplace_status} at {channel.code}")
    if order.customer_id is None:
        _attach_customer(order, incoming)
    if incoming.cancelled and order.status in BEFORE_SHIPMENT:
        cancel_order(order, reason=f"cancelled at {channel.code}")
    elif incoming.cancelled and order.status != OrderStatus.CANCELLED:
        record_event(order, "cancelled_after_shipment", f"{channel.code} cancelled an order already shipped")
        if order.invoices.exists():
            from orderpilot.invoicing.services import cancel_invoiced_order

            # reversed with a credit note; an invoice is never changed
            cancel_invoiced_order(order, reason=f"cancelled at {channel.code}")
        else:
            # not invoiced yet: nothing to reverse, and no invoice may follow for a cancelled order
            transition_order(order, OrderStatus.CANCELLED, reason=f"cancelled at {channel.code} after shipment")
    elif was_waiting and not incoming.awaiting_marketplace and order.status == OrderStatus.IMPORTED:
        schedule_order(order)
    if newly_requested and order.status in (OrderStatus.RELEASED, OrderStatus.TRANSMITTED):
        _ticket_cancellation_request(order)
    return ImportResult(order, "updated")


def _ticket_cancellation_request(order: SalesOrder) -> None:
    """The buyer asked to cancel an order already on its way to the shipper: a person must stop it."""
    from orderpilot.tickets.models import TicketReason
    from orderpilot.tickets.services import open_ticket

    record_event(order, "cancellation_requested", "the buyer asked to cancel")
    open_ticket(
        order=order,
        reason=TicketReason.MARKETPLACE_ERROR,
        problem_key=f"cancel-request:{order.pk}",
        title=f"{order.channel.code} {order.external_id}: the buyer asked to cancel; stop the shipment or refuse",
        priority=1,
    )


def _copy_fields(order: SalesOrder, incoming: ChannelOrder, *, update: bool = False) -> None:
    order.marketplace_status = incoming.marketplace_status
    order.external_updated_at = incoming.updated_at
    order.awaiting_marketplace = incoming.awaiting_marketplace
    order.cancellation_requested = incoming.cancellation_requested
    order.raw_payload = incoming.raw
    if update and order.status not in (OrderStatus.IMPORTED, OrderStatus.ON_HOLD):
        return  # what was released is what ships; later changes are only recorded
    order.ordered_at = incoming.ordered_at
    order.currency = incoming.currency
    order.total_gross = incoming.total_gross
    order.shipping_gross = incoming.shipping_gross
    order.ship_by = incoming.ship_by
    order.service_level = incoming.service_level
    order.payment_method = incoming.payment_method
    order.cash_on_delivery = incoming.cash_on_delivery
    order.is_business = incoming.is_business
    order.is_replacement = incoming.is_replacement
    order.buyer_note = incoming.buyer_note
    order.gift_message = incoming.gift_message
    order.language = incoming.language
    order.shipping_address = incoming.shipping_address.as_dict()
    order.billing_address = incoming.billing_address.as_dict() if incoming.billing_address else {}


def _replace_lines(order: SalesOrder, incoming: ChannelOrder) -> None:
    order.lines.all().delete()
    OrderLine.objects.bulk_create(
        OrderLine(
            order=order,
            position=position,
            external_line_id=line.external_line_id,
            sku=line.sku,
            title=line.title[:500],  # display only: a longer title is clipped, not refused
            quantity=line.quantity,
            unit_price=line.unit_price,
            discount=line.discount,
            tax_rate=line.tax_rate,
            customization=line.customization,
        )
        for position, line in enumerate(incoming.lines, start=1)
    )


MATCH_TEXTS = {
    "number": "found by the channel's customer number",
    "email": "found by email",
    "address": "found by name and address",
    "new": "new customer",
}


def _attach_customer(order: SalesOrder, incoming: ChannelOrder) -> None:
    if incoming.awaiting_marketplace or not (incoming.buyer.email or incoming.shipping_address.street):
        return  # e.g. Amazon Pending: no buyer data yet
    match = match_or_create_customer(
        buyer=incoming.buyer, address=incoming.shipping_address, language=incoming.language, channel=order.channel
    )
    order.customer = match.customer
    order.save(update_fields=["customer", "updated_at"])
    record_event(
        order,
        "customer_matched" if match.how != "new" else "customer_created",
        MATCH_TEXTS[match.how],
        data={"customer": match.customer.pk, "how": match.how},
    )


def queue_shipment_confirmation(package) -> None:
    """Queue the marketplace confirmation of ``package`` (in the caller's transaction), if the
    channel confirms shipments. Called when a tracking number arrives; idempotent per package."""
    from orderpilot.core.outbox import enqueue_message

    order = package.shipment.order
    if order.channel.kind not in CONFIRMING_KINDS:
        return
    enqueue_message(
        "marketplace.confirm_shipment",
        key=f"confirm:{order.channel.code}:{order.external_id}:{package.reference}",
        payload={"package": package.pk},
        order=order,
    )


#: channel kinds whose marketplace must be told about every shipment
CONFIRMING_KINDS = frozenset({"amazon", "ebay", "gambio"})


def deliver_shipment_confirmation(message) -> dict:
    """Outbox handler: confirm one package to the order's marketplace."""
    from orderpilot.shipping.models import Package
    from orderpilot.shipping.services import package_items

    from .base import ShipmentConfirmation

    package = Package.objects.select_related("shipment__order__channel").get(pk=message.payload["package"])
    order = package.shipment.order
    items = tuple((line.external_line_id, quantity) for line, quantity in package_items(package))
    confirmation = ShipmentConfirmation(
        order_external_id=order.external_id,
        package_reference=package.reference,
        carrier=package.carrier,
        tracking_number=package.tracking_number,
        shipped_at=package.shipped_at,
        items=items,
    )
    return connector_for(order.channel).confirm_shipment(confirmation, is_retry=message.attempts > 1)


def mark_marketplace_confirmed(message) -> None:
    """Runs when the marketplace accepted a confirmation (in the transaction that records it)."""
    order = SalesOrder.objects.select_for_update().get(pk=message.order_id)
    if order.marketplace_confirmed_at is None:
        order.marketplace_confirmed_at = timezone.now()
        order.save(update_fields=["marketplace_confirmed_at", "updated_at"])
    record_event(order, "marketplace_confirmed", f"package {message.payload['package']}", data=message.result)


def deliver_review_request(message) -> dict:
    """Outbox handler: ask the marketplace to send its review request for one order.

    Amazon offers the request once per order, and a request whose answer was lost (a timeout, a
    worker stopped during the call) cannot be looked up. So the entry notes in its ``result`` when
    a request leaves (``requested_at``). An attempt that finds the note and is no longer offered a
    request counts the earlier one as sent: Amazon offered it when that request left, and takes
    it back only once a request was made. Had the earlier request not arrived, it would be offered
    still, and is sent now.
    """
    from orderpilot.core.outbox import note_on_message

    order = SalesOrder.objects.select_related("channel").get(pk=message.payload["order"])
    requested_before = (message.result or {}).get("requested_at")

    def note_request() -> None:
        note_on_message(message, {"requested_at": timezone.now().isoformat()})

    result = connector_for(order.channel).request_review(order.external_id, before_send=note_request)
    if not result.get("sent") and requested_before:
        result = {"sent": True, "requested_at": requested_before, "answer_lost": True}
    if not result.get("sent") and timezone.now() - order.ordered_at < REVIEW_WINDOW:
        # not eligible yet (Amazon: from 5 days after the earliest delivery date): ask again tomorrow
        raise RetryableError(f"no review request possible yet: {result.get('reason', '')}", retry_after=86400)
    record_event(order, "review_requested" if result.get("sent") else "review_request_skipped", str(result))
    return result


#: how long after the order a marketplace may still accept a review request
REVIEW_WINDOW = dt.timedelta(days=40)


#: how often each channel's settlement documents are looked for
SETTLEMENT_CHECK_INTERVAL = dt.timedelta(hours=6)


def import_due_settlements() -> int:
    """Periodic job: fetch new settlement documents of every channel that has them; returns how many."""
    now = timezone.now()
    imported = 0
    due = Channel.objects.filter(active=True).exclude(settlements_checked_at__gt=now - SETTLEMENT_CHECK_INTERVAL)
    for channel in due:
        try:
            connector = connector_for(channel)
        except OrderPilotError:
            continue
        if not hasattr(connector, "settlement_reports"):
            continue
        try:
            imported += import_channel_settlements(channel, connector)
        except OrderPilotError as exc:  # e.g. refused credentials: this channel waits, the others go on
            logger.warning("settlements of %s not checked: %s", channel.code, exc)
    return imported


def import_channel_settlements(channel: Channel, connector) -> int:
    """Download every settlement document not imported yet and hand it to payment matching."""
    import tempfile

    from orderpilot.payments.services import import_payout, import_settlement_file

    from .models import ImportedSettlement

    started = timezone.now()
    known = set(channel.settlements.values_list("report_id", flat=True))
    imported = 0
    try:
        for report in connector.settlement_reports(since=channel.settlements_checked_at):
            if report.report_id in known:
                continue
            try:
                with tempfile.TemporaryFile() as document:
                    report.write_to(document)
                    document.seek(0)
                    if report.parser is None:
                        result = import_settlement_file(channel.code, document)
                    else:
                        result = import_payout(channel.code, document, parser=report.parser)
            except TerminalError as exc:
                # a file that cannot be read (wrong columns, truncated, not text) stores nothing,
                # goes to a person, and does not hold up the reports after it
                _ticket_unreadable_settlement(channel, report.report_id, exc)
                continue
            ImportedSettlement.objects.get_or_create(
                channel=channel, report_id=report.report_id, defaults={"settlement_id": result.payout.settlement_id}
            )
            known.add(report.report_id)
            imported += 1
    except RetryableError as exc:
        logger.info("settlements of %s paused: %s", channel.code, exc)
        return imported
    Channel.objects.filter(pk=channel.pk).update(settlements_checked_at=started)
    return imported


def _ticket_unreadable_settlement(channel: Channel, report_id: str, error: Exception) -> None:
    from orderpilot.tickets.models import TicketReason
    from orderpilot.tickets.services import open_ticket

    logger.warning("settlement report %s of %s not imported: %s", report_id, channel.code, error)
    with transaction.atomic():
        open_ticket(
            reason=TicketReason.PAYMENT_DIFFERENCE,
            problem_key=f"settlement:{channel.code}:{report_id[:100]}",
            title=f"{channel.code}: settlement report {report_id} could not be imported",
            body=(
                f"{error}\n\nNothing of it was stored. It is tried again at the next settlement check while "
                "the marketplace still lists it; compare the payout with the marketplace's own statement."
            ),
            priority=1,
        )


def deliver_invoice_upload(message) -> dict:
    """Outbox handler: hand an invoice PDF to the order's marketplace (Amazon: the
    ``UPLOAD_VAT_INVOICE`` feed, or a Messaging ``sendInvoice`` message when the channel's
    ``invoice_delivery`` is ``"messaging"``).

    A message to the buyer must go out at most once, and Amazon cannot be asked whether one did.
    So the entry notes in its ``result`` that the message is under way right before it leaves
    (``sending_since``); a passing failure that Amazon answered clearly removes the note again, a
    delivery that succeeded replaces it. An attempt that finds the note left behind (the worker
    stopped during the call, or the outcome could not be recorded) does not send again: it ends as
    a dead letter whose ticket asks a person to look in Seller Central. A lost answer during the
    call itself ends the same way (the gateway's ``OutcomeUnknown``).
    """
    from orderpilot.core.outbox import note_on_message
    from orderpilot.notifications.delivery import resolve_attachment

    from .base import InvoiceUpload

    payload = message.payload
    order = SalesOrder.objects.select_related("channel").get(pk=message.order_id)
    under_way = (message.result or {}).get("sending_since")
    if under_way:
        raise TerminalError(
            f"invoice {payload['invoice']}: an earlier attempt was sending it as a buyer message when it stopped "
            f"({under_way}); Amazon may have it, so it is not sent again: check the order's messages in Seller "
            "Central and send it there if it is missing"
        )
    [reference] = payload["attachments"]
    upload = InvoiceUpload(
        order_external_id=payload["order"],
        number=payload["invoice"],
        document_type=payload["document_type"],
        total_amount=payload["total_amount"],
        total_vat_amount=payload["total_vat_amount"],
        currency=payload["currency"],
        pdf=resolve_attachment(reference).content,
    )
    noted = False

    def note_sending() -> None:
        nonlocal noted
        note = {"via": "messaging", "invoice": upload.number, "sending_since": timezone.now().isoformat()}
        note_on_message(message, note)
        noted = True

    try:
        result = connector_for(order.channel).upload_invoice(upload, before_send=note_sending)
    except RetryableError:
        # Amazon answered and did not take the message (throttled): the next attempt may send it
        if noted:
            note_on_message(message, {})
        raise
    return {"invoice": upload.number, **result}


FINAL_FEED_STATUSES = frozenset({"DONE", "FATAL", "CANCELLED"})


def check_invoice_uploads(limit: int = 50) -> int:
    """Periodic job: follow uploaded invoices until the marketplace has processed them.

    The outcome is kept in the upload's outbox entry (``result.processingStatus``) and the order's
    timeline; a refused upload opens a ticket. An invoice sent as a buyer message (``result.via ==
    "messaging"``) has no processing to follow: Amazon took it when ``sendInvoice`` answered, so it
    counts as ``DONE`` the first time it is seen.
    """
    from orderpilot.core.models import OutboxMessage, OutboxStatus
    from orderpilot.tickets.models import TicketReason
    from orderpilot.tickets.services import open_ticket

    now = timezone.now()
    recently = (now - UPLOAD_CHECK_INTERVAL).isoformat()
    unfinished = (
        OutboxMessage.objects.filter(kind="marketplace.invoice_upload", status=OutboxStatus.SENT)
        # a missing key is NULL in SQL, which a plain exclude() would drop too
        .filter(Q(result__processingStatus__isnull=True) | ~Q(result__processingStatus__in=list(FINAL_FEED_STATUSES)))
        .select_related("order__channel")
        .order_by("sent_at")
    )
    pending = [
        message
        for message in unfinished[: limit * 4]
        if message.result.get("via") == "messaging"
        or (message.result.get("feedId") and message.result.get("checked_at", "") < recently)
    ][:limit]
    changed = 0
    for message in pending:
        by_message = message.result.get("via") == "messaging"
        if by_message:
            status = "DONE"
        else:
            try:
                status = connector_for(message.order.channel).invoice_upload_status(message.result["feedId"])
            except RetryableError:
                continue
        result = {**message.result, "processingStatus": status, "checked_at": now.isoformat()}
        OutboxMessage.objects.filter(pk=message.pk).update(result=result)
        if status == message.result.get("processingStatus"):
            continue
        changed += 1
        with transaction.atomic():
            order = message.order
            invoice = message.result.get("invoice", "")
            if by_message:
                record_event(
                    order,
                    "invoice_uploaded",
                    f"{invoice}: sent to the buyer as an Amazon message ({message.result.get('fileName', '')})",
                    data={"via": "messaging", "uploadDestinationId": message.result.get("uploadDestinationId")},
                )
            elif status == "DONE":
                record_event(order, "invoice_uploaded", f"{invoice}: the marketplace accepted the invoice")
            elif status in ("FATAL", "CANCELLED"):
                record_event(order, "invoice_upload_failed", f"{invoice}: {status}")
                open_ticket(
                    order=order,
                    reason=TicketReason.MARKETPLACE_ERROR,
                    problem_key=f"invoice-upload:{invoice}",
                    title=f"{order.channel.code} {order.external_id}: invoice {invoice} upload {status}",
                    body=f"Feed {message.result['feedId']} ended {status}.",
                )
    return changed


#: how often an upload still being processed is asked about
UPLOAD_CHECK_INTERVAL = dt.timedelta(minutes=1)
