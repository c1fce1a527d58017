"""The bookings of an accounting export: invoices, credit notes, payments and expenses.

Each document becomes one or more :class:`Booking` (an invoice: one per VAT group), the common
input of the DATEV and the CSV writer. Which documents are due is decided here too: documents
dated in the period that were not exported in this format before (unless ``again``).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from orderpilot.invoicing.builder import tax_groups
from orderpilot.invoicing.models import Invoice, InvoiceKind

from ..models import Expense, ExportedDocument, Payment, PaymentKind
from ..settings import AccountingSettings

DOCUMENT_INVOICE = "invoice"
DOCUMENT_CREDIT_NOTE = "credit_note"
DOCUMENT_PAYMENT = "payment"
DOCUMENT_EXPENSE = "expense"
RECEIPT_FIELD = re.compile(r"[^A-Za-z0-9$&%*+\-/]")


@dataclass(frozen=True)
class Booking:
    """One booking line. ``amount`` is positive; ``side`` (``S``/``H``) says debit or credit of ``account``.

    ``net``/``tax``/``gross`` are signed (credit notes and refunds negative) for the CSV export.
    """

    document_type: str
    document_key: str
    date: dt.date
    amount: Decimal
    side: str
    account: str
    contra_account: str
    tax_key: str
    receipt: str
    text: str
    currency: str = "EUR"
    service_date: dt.date | None = None
    eu_destination: str = ""
    eu_rate: Decimal | None = None
    tax_rate: Decimal | None = None
    country: str = ""
    order_number: str = ""
    refers: str = ""
    channel: str = ""
    customer: str = ""
    vat_id: str = ""
    treatment: str = ""
    category: str = ""
    net: Decimal = Decimal("0.00")
    tax: Decimal = Decimal("0.00")
    gross: Decimal = Decimal("0.00")


def receipt_field(value: str) -> str:
    """Belegfeld 1: at most 36 characters from ``A-Za-z0-9$&%*+-/`` (DATEV uses it for OPOS matching)."""
    return RECEIPT_FIELD.sub("-", value)[:36]


def local_day_bounds(date_from: dt.date, date_to: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = timezone.make_aware(dt.datetime.combine(date_from, dt.time.min))
    end = timezone.make_aware(dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time.min))
    return start, end


def exported_keys(fmt: str, document_type: str) -> set[str]:
    return set(
        ExportedDocument.objects.filter(format=fmt, document_type=document_type).values_list(
            "document_key", flat=True
        )
    )


def collect_bookings(
    settings: AccountingSettings, *, fmt: str, date_from: dt.date, date_to: dt.date, again: bool = False
) -> list[Booking]:
    start, end = local_day_bounds(date_from, date_to)
    bookings: list[Booking] = []
    invoices = (
        Invoice.objects.filter(issued_at__gte=start, issued_at__lt=end)
        .select_related("refers")
        .order_by("issued_at", "pk")
    )
    skip = {t: set() if again else exported_keys(fmt, t) for t in (DOCUMENT_INVOICE, DOCUMENT_CREDIT_NOTE)}
    for invoice in invoices.prefetch_related("lines"):
        kind = DOCUMENT_CREDIT_NOTE if invoice.kind == InvoiceKind.CREDIT_NOTE else DOCUMENT_INVOICE
        if invoice.number not in skip[kind]:
            bookings += invoice_bookings(invoice, settings)
    paid = set() if again else exported_keys(fmt, DOCUMENT_PAYMENT)
    payments = Payment.objects.filter(received_at__gte=start, received_at__lt=end).select_related(
        "invoice", "order"
    )
    for payment in payments.order_by("received_at", "pk"):
        if str(payment.pk) not in paid and payment.amount:
            bookings.append(payment_booking(payment, settings))
    charged = set() if again else exported_keys(fmt, DOCUMENT_EXPENSE)
    expenses = Expense.objects.filter(
        payout__deposit_date__gte=start, payout__deposit_date__lt=end
    ).select_related("payout")
    for expense in expenses.order_by("payout__deposit_date", "pk"):
        if str(expense.pk) not in charged and expense.amount:
            bookings.append(expense_booking(expense, settings))
    return bookings


def invoice_bookings(invoice: Invoice, settings: AccountingSettings) -> list[Booking]:
    credit = invoice.kind == InvoiceKind.CREDIT_NOTE
    document_type = DOCUMENT_CREDIT_NOTE if credit else DOCUMENT_INVOICE
    debtor = settings.debtor_for(invoice.channel_code)
    buyer = invoice.buyer
    customer = buyer.get("company") or buyer.get("name", "")
    label = "Rechnungskorrektur" if credit else "Rechnung"
    bookings = []
    for group in tax_groups(invoice.lines.all()):
        gross = group.net + group.tax
        if not gross:
            continue
        revenue = settings.revenue_account(invoice.treatment, group.rate)
        text = f"{label} {invoice.number} {customer}"
        bookings.append(
            Booking(
                document_type=document_type,
                document_key=invoice.number,
                date=timezone.localtime(invoice.issued_at).date(),
                amount=abs(gross),
                side="S" if gross > 0 else "H",
                account=debtor,
                contra_account=revenue,
                tax_key=settings.tax_key(invoice.treatment, group.rate, revenue),
                receipt=receipt_field(invoice.number),
                text=text[:60],
                currency=invoice.currency,
                service_date=invoice.delivery_date,
                eu_destination=_eu_destination(invoice),
                eu_rate=group.rate if invoice.treatment == "oss" else None,
                tax_rate=group.rate,
                country=invoice.destination_country,
                order_number=invoice.order_reference,
                refers=invoice.refers.number if invoice.refers_id else "",
                channel=invoice.channel_code,
                customer=customer,
                vat_id=buyer.get("vat_id", ""),
                treatment=invoice.treatment,
                category=group.category,
                net=group.net,
                tax=group.tax,
                gross=gross,
            )
        )
    return bookings


def _eu_destination(invoice: Invoice) -> str:
    if invoice.treatment == "intra_eu":
        return invoice.buyer.get("vat_id", "").replace(" ", "")
    if invoice.treatment == "oss":
        return invoice.destination_country
    return ""


def payment_booking(payment: Payment, settings: AccountingSettings) -> Booking:
    order = payment.order
    channel = order.channel.code if order else payment.source
    reference = (
        payment.invoice.number if payment.invoice_id else (order.external_id if order else payment.reference)
    )
    refund = payment.kind == PaymentKind.REFUND or payment.amount < 0
    what = "Erstattung" if refund else "Zahlung"
    settlement = payment.payout.settlement_id if payment.payout_id else ""
    return Booking(
        document_type=DOCUMENT_PAYMENT,
        document_key=str(payment.pk),
        date=timezone.localtime(payment.received_at).date(),
        amount=abs(payment.amount),
        side="H" if payment.amount > 0 else "S",
        account=settings.debtor_for(channel),
        contra_account=settings.clearing_account(),
        tax_key="",
        receipt=receipt_field(reference),
        text=f"{what} {payment.source} {settlement} {order.external_id if order else ''}".strip()[:60],
        currency=payment.currency,
        order_number=order.external_id if order else "",
        channel=channel,
        category=payment.kind,
        gross=payment.amount,
    )


def expense_booking(expense: Expense, settings: AccountingSettings) -> Booking:
    payout = expense.payout
    account = settings.expense_account(expense.category, expense.type)
    tax_key = (
        settings.fee_tax_key
        if expense.category == "fee" and account not in settings.defaults.automatic
        else ""
    )
    return Booking(
        document_type=DOCUMENT_EXPENSE,
        document_key=str(expense.pk),
        date=timezone.localtime(payout.deposit_date).date(),
        amount=abs(expense.amount),
        side="S" if expense.amount < 0 else "H",
        account=account,
        contra_account=settings.clearing_account(),
        tax_key=tax_key,
        receipt=receipt_field(payout.settlement_id),
        text=f"{payout.source} {expense.type}"[:60],
        currency=payout.currency,
        channel=payout.source,
        category=f"{expense.category}/{expense.type}",
        gross=expense.amount,
    )
