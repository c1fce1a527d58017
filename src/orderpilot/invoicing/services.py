"""Issuing invoices and credit notes, and rendering their files after commit.

Every document is a snapshot: seller from the company settings, buyer from the order's billing (or
shipping) address and customer, lines and VAT computed once by :mod:`.builder`. Numbers come from
the locked, gap-free counter inside the transaction that stores the document, so a rollback returns
the number. Rendering is CPU work outside any transaction (:func:`render_pending_documents`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Sequence
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import OuterRef, Subquery, Sum
from django.utils import timezone

from orderpilot.core.actors import SYSTEM, Actor
from orderpilot.core.configuration.sections import company_settings
from orderpilot.core.dispatch import kick
from orderpilot.core.exceptions import TerminalError
from orderpilot.core.locking import lock_for_update
from orderpilot.core.numbering import next_number
from orderpilot.core.outbox import enqueue_message, handlers
from orderpilot.orders.models import SalesOrder
from orderpilot.orders.services import transition_order
from orderpilot.orders.states import OrderStatus
from orderpilot.orders.timeline import record_event

from .builder import Draft, DraftLine, SourceLine, build_invoice_draft, negate, refund_lines
from .models import Invoice, InvoiceDocument, InvoiceKind, InvoiceLine
from .rendering.data import invoice_data
from .rendering.render import render_documents
from .settings import invoice_template, invoicing_settings
from .tax import TaxContext, TaxDecisionError, money

logger = logging.getLogger(__name__)

ZERO = Decimal("0.00")
SHIPPING_LABEL = "Versandkosten / Shipping"
#: The outbox kind that uploads an invoice to the marketplace (Amazon ``UPLOAD_VAT_INVOICE``).
#: Written only once a handler for it is registered in ``core.outbox.HANDLERS``.
MARKETPLACE_UPLOAD_KIND = "marketplace.invoice_upload"
#: Channels whose marketplace invoices itself (Amazon VCS): ``Channel.settings["invoicing"]``.
MARKETPLACE_INVOICING = "marketplace"
#: Customer emails with the invoice: allowed per channel kind unless ``communication.invoice`` says.
INVOICE_EMAIL_DEFAULTS = {"amazon": False}


def marketplace_invoices(order: SalesOrder) -> bool:
    return (order.channel.settings or {}).get("invoicing") == MARKETPLACE_INVOICING


# --- invoices -----------------------------------------------------------------------------------


def issue_invoices_for_order(
    order: SalesOrder, *, actor: Actor = SYSTEM, now: dt.datetime | None = None
) -> list[Invoice]:
    """Issue one invoice per confirmed, not yet invoiced shipment of ``order`` (partial deliveries).

    An order without any shipment (shipped outside OrderPilot) gets one invoice for everything.
    Idempotent: shipments already invoiced are skipped (and the database allows one invoice per
    shipment). The caller holds the order's row lock; returns the invoices issued now. ``now`` is
    the issue time (default: the clock).
    """
    now = now or timezone.now()
    from orderpilot.shipping.models import Package, ShipmentStatus

    with transaction.atomic():
        first_shipped = Package.objects.filter(shipment=OuterRef("pk")).order_by("shipped_at").values("shipped_at")
        shipments = list(
            order.shipments.order_by("pk")
            .annotate(first_shipped_at=Subquery(first_shipped[:1]))
            .prefetch_related("lines")
        )
        if not shipments:
            if order.invoices.filter(kind=InvoiceKind.INVOICE).exists():
                return []
            quantities = {line.pk: line.quantity for line in order.lines.all()}
            return [
                _issue_invoice(
                    order, shipment=None, quantities=quantities, delivered=None, actor=actor, now=now, first=True
                )
            ]
        invoiced = set(order.invoices.filter(kind=InvoiceKind.INVOICE).values_list("shipment_id", flat=True))
        issued = []
        for shipment in shipments:
            if shipment.status != ShipmentStatus.CONFIRMED or shipment.pk in invoiced:
                continue
            # earlier deliveries already billed take their share of each line first (see _goods_for)
            billed_before = any(pk is not None and pk < shipment.pk for pk in invoiced)
            quantities: dict[int, int] = {}
            for shipment_line in shipment.lines.all():
                quantities[shipment_line.order_line_id] = quantities.get(shipment_line.order_line_id, 0) + (
                    shipment_line.quantity
                )
            delivered = shipment.first_shipped_at or shipment.confirmed_at
            invoice = _issue_invoice(
                order,
                shipment=shipment,
                quantities=quantities,
                delivered=delivered,
                actor=actor,
                now=now,
                first=not invoiced,
                billed_before=billed_before,
            )
            issued.append(invoice)
            invoiced.add(shipment.pk)
        return issued


def _issue_invoice(
    order,
    *,
    shipment,
    quantities: dict[int, int],
    delivered,
    actor: Actor,
    now: dt.datetime,
    first: bool,
    billed_before: bool = False,
) -> Invoice:
    """``first``: the order has no invoice yet (the first carries the shipping costs);
    ``billed_before``: an earlier delivery of the order has been invoiced."""
    settings = invoicing_settings()
    seller = seller_snapshot()
    buyer = buyer_snapshot(order)
    delivery_date = timezone.localtime(delivered or now).date()
    goods = _goods_for(order, shipment=shipment, quantities=quantities, billed_before=billed_before)
    ctx = TaxContext(
        seller_country=seller["country"],
        destination_country=(order.shipping_address or {}).get("country") or buyer.get("country", ""),
        supply_date=delivery_date,
        buyer_vat_id=buyer.get("vat_id", ""),
        is_business=order.is_business or bool(order.customer and order.customer.is_business),
        oss=settings.oss,
        reduced_rates=settings.oss_reduced_rates,
    )
    try:
        draft = build_invoice_draft(
            ctx, goods, shipping_gross=order.shipping_gross if first else ZERO, shipping_label=SHIPPING_LABEL
        )
    except TaxDecisionError as exc:
        raise TerminalError(f"{order.channel.code} {order.external_id}: {exc}") from exc
    invoice = _store(
        order,
        kind=InvoiceKind.INVOICE,
        number=next_number("invoice", pattern=settings.number_pattern, at=now),
        issued_at=now,
        delivery_date=delivery_date,
        draft_lines=draft.lines,
        seller=seller,
        buyer=buyer,
        treatment=draft.treatment,
        destination=ctx.destination_country.upper(),
        notes=[note.as_dict() for note in draft.notes],
        payment=_payment_snapshot(order, seller),
        shipment=shipment,
    )
    record_event(
        order,
        "invoice_issued",
        f"{invoice.number}: {invoice.gross_total} {invoice.currency}",
        actor=actor,
        data={
            "invoice": invoice.number,
            "gross": str(invoice.gross_total),
            "shipment": getattr(shipment, "number", ""),
        },
    )
    _deliver(invoice, order)
    return invoice


def _goods_for(
    order: SalesOrder, *, shipment, quantities: dict[int, int], billed_before: bool = True
) -> list[SourceLine]:
    """The order lines in this delivery, each with its share of the line's gross amount. Earlier
    deliveries' shares are subtracted so that all partial invoices add up to the line exactly.
    ``billed_before=False`` (no earlier delivery of the order is invoiced) spares looking them up."""
    from orderpilot.shipping.models import ShipmentLine

    billed: dict[int, int] = {}
    if shipment is not None and billed_before:
        rows = (
            ShipmentLine.objects.filter(
                order_line__in=[pk for pk, quantity in quantities.items() if quantity],
                shipment__invoices__kind=InvoiceKind.INVOICE,
                shipment__pk__lt=shipment.pk,
            )
            .values("order_line")
            .annotate(total=Sum("quantity"))
            .order_by()
        )
        billed = {row["order_line"]: row["total"] for row in rows}
    goods = []
    for line in order.lines.all():
        quantity = quantities.get(line.pk, 0)
        if not quantity:
            continue
        before = billed.get(line.pk) or 0
        total = line.unit_price * line.quantity - line.discount
        gross = money(total * (before + quantity) / line.quantity) - money(total * before / line.quantity)
        description = line.title or line.sku
        if line.discount:
            description += f" (inkl. Rabatt / incl. discount {line.discount} {order.currency})"
        goods.append(SourceLine(description, Decimal(quantity), gross, line.tax_rate, sku=line.sku))
    if not goods:
        raise TerminalError(f"{order.channel.code} {order.external_id}: the delivery contains no order line")
    return goods


def seller_snapshot() -> dict:
    company = company_settings()
    if company is None:
        raise TerminalError("no company settings: set [company] (name, address, VAT ID or tax number)")
    seller = company.model_dump()
    missing = [key for key in ("name", "street", "postal_code", "city", "country") if not seller.get(key)]
    if not (seller.get("vat_id") or seller.get("tax_number")):
        missing.append("vat_id or tax_number")
    if missing:
        raise TerminalError(f"company settings incomplete for invoices (§14 UStG): {', '.join(missing)}")
    return seller


def buyer_snapshot(order: SalesOrder) -> dict:
    address = dict(order.billing_address or order.shipping_address or {})
    customer = order.customer
    buyer = {
        key: str(address.get(key, "") or "")
        for key in ("name", "company", "street", "address2", "postal_code", "city", "country")
    }
    if customer is not None:
        buyer["name"] = buyer["name"] or customer.name
        buyer["company"] = buyer["company"] or customer.company
        buyer["email"] = customer.email
        buyer["vat_id"] = customer.vat_id
        buyer["customer_number"] = str(customer.pk)
    buyer["vat_id"] = str(address.get("vat_id") or buyer.get("vat_id") or "")
    if address.get("buyer_reference"):
        buyer["buyer_reference"] = str(address["buyer_reference"])
    if not (buyer["name"] or buyer["company"]) or not buyer["country"]:
        raise TerminalError(
            f"{order.channel.code} {order.external_id}: the buyer's name or country is missing"
        )
    return buyer


def _payment_snapshot(order: SalesOrder, seller: dict) -> dict:
    payable = order.cash_on_delivery or order.payment_method.lower() in {
        "invoice",
        "rechnung",
        "bank_transfer",
    }
    return {
        "prepaid": not payable,
        "via": order.channel.get_kind_display() if order.channel.kind in ("amazon", "ebay") else "",
        "iban": seller.get("iban", ""),
        "bic": seller.get("bic", ""),
    }


def _store(
    order,
    *,
    kind,
    number,
    issued_at,
    delivery_date,
    draft_lines: Sequence[DraftLine],
    seller,
    buyer,
    treatment,
    destination,
    notes,
    payment,
    shipment=None,
    refers=None,
    reason="",
) -> Invoice:
    draft = Draft(treatment=treatment, lines=tuple(draft_lines))
    invoice = Invoice.objects.create(
        number=number,
        kind=kind,
        order=order,
        shipment=shipment,
        refers=refers,
        issued_at=issued_at,
        delivery_date=delivery_date,
        currency=order.currency,
        net_total=draft.net_total,
        tax_total=draft.tax_total,
        gross_total=draft.gross_total,
        seller=seller,
        buyer=buyer,
        treatment=treatment,
        destination_country=destination,
        order_reference=order.external_id,
        channel_code=order.channel.code,
        language=order.language,
        reason=reason,
        notes=notes,
        payment=payment,
        layout=invoice_template().model_dump(mode="json") if refers is None else refers.layout,
    )
    InvoiceLine.objects.bulk_create(
        InvoiceLine(
            invoice=invoice,
            position=position,
            kind=line.kind,
            description=line.description[:500],
            sku=line.sku,
            quantity=line.quantity,
            unit_net=line.unit_net,
            tax_rate=line.tax_rate,
            category=line.category,
            net=line.net,
            tax=line.tax,
            gross=line.gross,
        )
        for position, line in enumerate(draft_lines, start=1)
    )
    kick("render_invoices")
    return invoice


# --- credit notes -------------------------------------------------------------------------------


def credited_total(invoice: Invoice) -> Decimal:
    """How much of ``invoice`` credit notes have reversed so far (positive)."""
    total = invoice.corrections.aggregate(total=Sum("gross_total"))["total"] or ZERO
    return -Decimal(str(total)).quantize(ZERO)  # SQLite sums decimals in floating point


def issue_credit_note(
    invoice: Invoice,
    *,
    reason: str,
    amount: Decimal | None = None,
    actor: Actor = SYSTEM,
    now: dt.datetime | None = None,
) -> Invoice | None:
    """Reverse ``invoice`` fully (``amount`` None) or by ``amount`` (gross, positive).

    A full reversal of an untouched invoice negates its lines; otherwise one line per VAT group of
    the original takes its share. The credit note keeps the original's parties and VAT treatment
    (it corrects that document) and has its own number series. Returns ``None`` when nothing of the
    invoice is left to credit. The caller holds the order's row lock.
    """
    if invoice.kind != InvoiceKind.INVOICE:
        raise ValueError(f"{invoice.number} is a credit note; only invoices are credited")
    remaining = invoice.gross_total - credited_total(invoice)
    amount = remaining if amount is None else min(amount, remaining)
    if amount <= 0:
        return None
    originals = [
        DraftLine(
            kind=line.kind,
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
    ]
    if amount == invoice.gross_total:
        lines = negate(originals)
    else:
        lines = refund_lines(
            originals, amount, description=f"Erstattung zu Rechnung / Refund for invoice {invoice.number}"
        )
    now = now or timezone.now()
    with transaction.atomic():
        credit = _store(
            invoice.order,
            kind=InvoiceKind.CREDIT_NOTE,
            number=next_number("credit_note", pattern=invoicing_settings().credit_note_pattern, at=now),
            issued_at=now,
            delivery_date=invoice.delivery_date,
            draft_lines=lines,
            seller=invoice.seller,
            buyer=invoice.buyer,
            treatment=invoice.treatment,
            destination=invoice.destination_country,
            notes=invoice.notes,
            payment=invoice.payment,
            refers=invoice,
            reason=reason,
        )
        record_event(
            invoice.order,
            "credit_note_issued",
            f"{credit.number} for {invoice.number}: {credit.gross_total} {credit.currency} ({reason})",
            actor=actor,
            data={"credit_note": credit.number, "invoice": invoice.number, "gross": str(credit.gross_total)},
        )
        _deliver(credit, invoice.order)
    return credit


def cancel_invoiced_order(order: SalesOrder, *, reason: str, actor: Actor = SYSTEM) -> list[Invoice]:
    """Reverse an order after invoicing: a credit note for what is left of each invoice, then the
    order is ``cancelled``. Idempotent: a cancelled order, or fully credited invoices, get nothing."""
    with transaction.atomic():
        order = lock_for_update(order)
        if order.status == OrderStatus.CANCELLED:
            return []
        credits = [
            credit
            for invoice in order.invoices.filter(kind=InvoiceKind.INVOICE).order_by("pk")
            if (credit := issue_credit_note(invoice, reason=reason, actor=actor)) is not None
        ]
        transition_order(
            order,
            OrderStatus.CANCELLED,
            actor=actor,
            reason=reason,
            data={"credit_notes": [c.number for c in credits]},
        )
    return credits


# --- delivery -----------------------------------------------------------------------------------


def _deliver(document: Invoice, order: SalesOrder) -> None:
    """Queue the customer email with the PDF (where the channel allows it) and, once a handler for
    it exists, the marketplace upload. Written in the issuing transaction (outbox)."""
    channel = order.channel
    allowed = (channel.communication or {}).get("invoice", INVOICE_EMAIL_DEFAULTS.get(channel.kind, True))
    email = document.buyer.get("email", "")
    if allowed and email:
        enqueue_message(
            "email",
            key=f"invoice:{document.number}:email",
            payload=invoice_email(document, to=email),
            order=order,
        )
    # Amazon: uploaded through the UPLOAD_VAT_INVOICE feed unless the channel says "invoice_upload = false"
    uploads = (channel.settings or {}).get("invoice_upload", True)
    if channel.kind == "amazon" and uploads and MARKETPLACE_UPLOAD_KIND in handlers():
        enqueue_message(
            MARKETPLACE_UPLOAD_KIND,
            key=f"invoice:{document.number}:upload",
            payload=marketplace_upload_payload(document),
            order=order,
        )


def invoice_email(document: Invoice, *, to: str) -> dict:
    """The email payload: texts in the order's language, the PDF as an attachment reference that
    the email handler resolves at send time (never the bytes in the outbox row)."""
    credit = document.kind == InvoiceKind.CREDIT_NOTE
    seller = document.seller.get("name", "")
    buyer = document.buyer.get("name") or document.buyer.get("company")
    if document.language == "en":
        what = "credit note" if credit else "invoice"
        subject = f"Your {what} {document.number} for order {document.order_reference}"
        text = (
            f"Hello {buyer},\n\nplease find attached our "
            f"{what} {document.number} for your order {document.order_reference}.\n\nKind regards\n{seller}\n"
        )
    else:
        what = "Rechnungskorrektur" if credit else "Rechnung"
        subject = f"Ihre {what} {document.number} zur Bestellung {document.order_reference}"
        text = (
            f"Guten Tag {buyer},\n\nim Anhang finden Sie "
            f"unsere {what} {document.number} zu Ihrer Bestellung {document.order_reference}.\n\n"
            f"Mit freundlichen Grüßen\n{seller}\n"
        )
    return {
        "to": to,
        "subject": subject,
        "text": text,
        "attachments": [{"kind": "invoice_pdf", "ref": document.number}],
    }


def marketplace_upload_payload(document: Invoice) -> dict:
    """What the Amazon ``UPLOAD_VAT_INVOICE`` feed needs (research/compliance.md §1.8); the PDF is
    an attachment reference like the email's, resolved by the handler."""
    return {
        "channel": document.channel_code,
        "order": document.order_reference,
        "invoice": document.number,
        "document_type": "CreditNote" if document.kind == InvoiceKind.CREDIT_NOTE else "Invoice",
        "total_amount": str(document.gross_total),
        "total_vat_amount": str(document.tax_total),
        "currency": document.currency,
        "attachments": [{"kind": "invoice_pdf", "ref": document.number}],
    }


# --- rendering ----------------------------------------------------------------------------------


#: invoices one run of the rendering job takes (about 20 ms of CPU each)
RENDER_BATCH = 20


def render_pending_documents(limit: int = RENDER_BATCH) -> int:
    """Render invoices issued but not rendered yet (a periodic job); returns how many were stored.

    An invoice that cannot be rendered (a bug, a vanished logo file) gets a ticket and does not
    stop the others; the email that needs its PDF retries until it can be rendered.
    """
    from orderpilot.tickets.models import TicketReason
    from orderpilot.tickets.services import open_ticket

    pending = list(
        Invoice.objects.filter(document__isnull=True)
        .select_related("refers", "order__channel")
        .order_by("pk")[:limit]
    )
    stored = 0
    for invoice in pending:
        try:
            stored += store_document(invoice)[1]
        except Exception as exc:
            logger.exception("rendering %s failed", invoice.number)
            with transaction.atomic():
                open_ticket(
                    order=invoice.order,
                    reason=TicketReason.PROCESSING_ERROR,
                    problem_key=f"invoice-render:{invoice.number}",
                    title=f"{invoice.channel_code} {invoice.order_reference}: "
                    f"{invoice.number} cannot be rendered",
                    body=f"{type(exc).__name__}: {exc}",
                    priority=1,
                )
    return stored


def store_document(invoice: Invoice) -> tuple[InvoiceDocument, bool]:
    """The stored files of ``invoice``, rendering and storing them first if needed.

    Rendering runs outside any transaction; if another worker stored the same invoice meanwhile,
    its (identical, the renderer is deterministic) files are kept.
    """
    existing = InvoiceDocument.objects.filter(invoice=invoice).first()
    if existing is not None:
        return existing, False
    rendered = render_documents(invoice_data(invoice))
    try:
        with transaction.atomic():
            document = InvoiceDocument.objects.create(
                invoice=invoice,
                pdf=rendered.pdf,
                xml=rendered.xml,
                pdf_sha256=hashlib.sha256(rendered.pdf).hexdigest(),
                xml_sha256=hashlib.sha256(rendered.xml).hexdigest(),
                rendered_at=timezone.now(),
            )
    except IntegrityError:
        return InvoiceDocument.objects.get(invoice=invoice), False
    logger.info("rendered %s (%d bytes)", invoice.number, len(rendered.pdf))
    return document, True
