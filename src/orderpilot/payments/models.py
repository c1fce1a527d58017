"""Payments received, the settlements/payouts they came in, and the accounting export log."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from orderpilot.core.fields import MoneyField


class PaymentKind(models.TextChoices):
    PAYMENT = "payment", _("payment")
    REFUND = "refund", _("refund")  # money paid back to the buyer (negative amount)


class Payment(models.Model):
    """Money received (or refunded, negative) for an order, unique per ``(source, reference)``."""

    order = models.ForeignKey(
        "orders.SalesOrder", null=True, blank=True, on_delete=models.PROTECT, related_name="payments"
    )
    invoice = models.ForeignKey(
        "invoicing.Invoice", null=True, blank=True, on_delete=models.PROTECT, related_name="payments"
    )
    payout = models.ForeignKey(
        "payments.PayoutImport", null=True, blank=True, on_delete=models.PROTECT, related_name="payments"
    )
    kind = models.CharField(max_length=16, choices=PaymentKind.choices, default=PaymentKind.PAYMENT)
    amount = MoneyField()
    currency = models.CharField(max_length=3)
    received_at = models.DateTimeField()
    source = models.CharField(max_length=64)
    reference = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["received_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["source", "reference"], name="payment_unique_reference"),
            models.CheckConstraint(condition=Q(currency__regex=r"^[A-Z]{3}$"), name="payment_currency_iso"),
            models.CheckConstraint(
                condition=Q(kind="payment", amount__gte=0) | Q(kind="refund", amount__lte=0),
                name="payment_sign_by_kind",
            ),
        ]
        indexes = [models.Index(fields=["received_at"], name="payment_received_idx")]

    def __str__(self) -> str:
        return f"{self.amount} {self.currency} ({self.source})"


class PayoutImport(models.Model):
    """One settlement or payout, imported once: unique per ``(source, settlement_id)``.

    :param total_amount: what the marketplace transfers (after fees).
    :param matched_total: what was booked to known orders (payments and refunds).
    :param fees_total: fees and other charges, recorded as expenses.
    :param unmatched_total: ``total_amount − matched_total − fees_total``; anything but zero is
        money no order explains (unknown order ids, or a file that does not add up), shown here and
        in a ticket.
    """

    source = models.CharField(max_length=64)
    settlement_id = models.CharField(max_length=64)
    currency = models.CharField(max_length=3)
    total_amount = MoneyField()
    period_start = models.DateTimeField(null=True, blank=True)
    period_end = models.DateTimeField(null=True, blank=True)
    deposit_date = models.DateTimeField()
    file_sha256 = models.CharField(max_length=64, blank=True)
    line_count = models.PositiveIntegerField(default=0)
    matched_total = MoneyField()
    fees_total = MoneyField()
    unmatched_total = MoneyField()
    imported_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-deposit_date", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["source", "settlement_id"], name="payout_unique_per_source"),
        ]

    def __str__(self) -> str:
        return f"{self.source} {self.settlement_id}"


class LineCategory(models.TextChoices):
    PRINCIPAL = "principal", _("principal")
    TAX = "tax", _("tax")
    SHIPPING = "shipping", _("shipping")
    PROMOTION = "promotion", _("promotion")
    FEE = "fee", _("fee")
    RESERVE = "reserve", _("reserve")  # money held back or released by the marketplace
    OTHER = "other", _("other charge")


class PayoutLine(models.Model):
    """One amount of a settlement, unique by its content checksum (re-imports add nothing)."""

    payout = models.ForeignKey(PayoutImport, on_delete=models.CASCADE, related_name="lines")
    checksum = models.CharField(max_length=64, unique=True)
    line_number = models.PositiveIntegerField()
    transaction_type = models.CharField(max_length=64, blank=True)
    amount_type = models.CharField(max_length=64, blank=True)
    description = models.CharField(max_length=200, blank=True)
    category = models.CharField(max_length=16, choices=LineCategory.choices)
    order_ref = models.CharField(max_length=64, blank=True)
    order = models.ForeignKey(
        "orders.SalesOrder", null=True, blank=True, on_delete=models.PROTECT, related_name="payout_lines"
    )
    is_refund = models.BooleanField(default=False)
    amount = MoneyField()
    posted_at = models.DateTimeField(null=True, blank=True)
    sku = models.CharField(max_length=64, blank=True)
    quantity = models.IntegerField(null=True, blank=True)

    class Meta:
        ordering = ["payout", "line_number"]
        indexes = [models.Index(fields=["payout", "order_ref"], name="payoutline_order_idx")]

    def __str__(self) -> str:
        return f"{self.order_ref or '-'} {self.amount_type}/{self.description} {self.amount}"


class MatchStatus(models.TextChoices):
    PAID = "paid", _("paid: amounts agree")
    DIFFERENCE = "difference", _("difference: ticket opened")
    REFUNDED = "refunded", _("refunded")
    UNKNOWN_ORDER = "unknown_order", _("no such order")


class PayoutOrderMatch(models.Model):
    """What one settlement said about one order, and what OrderPilot made of it."""

    payout = models.ForeignKey(PayoutImport, on_delete=models.CASCADE, related_name="matches")
    order_ref = models.CharField(max_length=64)
    order = models.ForeignKey(
        "orders.SalesOrder", null=True, blank=True, on_delete=models.PROTECT, related_name="payout_matches"
    )
    status = models.CharField(max_length=16, choices=MatchStatus.choices)
    expected = MoneyField(help_text=_("open amount of the order's invoices before this settlement"))
    received = MoneyField(help_text=_("principal + tax + shipping + promotions paid in this settlement"))
    refunded = MoneyField(help_text=_("the same for refunds (negative)"))
    fees = MoneyField()

    class Meta:
        ordering = ["payout", "order_ref"]
        constraints = [
            models.UniqueConstraint(fields=["payout", "order_ref"], name="payoutmatch_unique_order")
        ]

    def __str__(self) -> str:
        return f"{self.order_ref}: {self.status}"


class Expense(models.Model):
    """Fees and other charges of a settlement, summed per category and type (e.g. fee/Commission)."""

    payout = models.ForeignKey(PayoutImport, on_delete=models.CASCADE, related_name="expenses")
    category = models.CharField(max_length=16, choices=LineCategory.choices)
    type = models.CharField(max_length=200)
    amount = MoneyField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["payout", "category", "type"]
        constraints = [
            models.UniqueConstraint(fields=["payout", "category", "type"], name="expense_unique_type"),
        ]

    def __str__(self) -> str:
        return f"{self.category}/{self.type}: {self.amount}"


class ExportFormat(models.TextChoices):
    DATEV = "datev", "DATEV EXTF"
    CSV = "csv", "CSV"


class AccountingExport(models.Model):
    """One run of ``orderpilot export accounting``: what was written, when, and its hash."""

    format = models.CharField(max_length=8, choices=ExportFormat.choices)
    date_from = models.DateField()
    date_to = models.DateField()
    again = models.BooleanField(default=False, help_text=_("documents exported before were included"))
    filename = models.CharField(max_length=500)
    sha256 = models.CharField(max_length=64)
    bookings = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.format} {self.date_from}–{self.date_to}"


class ExportedDocument(models.Model):
    """A document (invoice, credit note, payment, expense) that went into an export of a format."""

    export = models.ForeignKey(AccountingExport, on_delete=models.CASCADE, related_name="documents")
    format = models.CharField(max_length=8, choices=ExportFormat.choices)
    document_type = models.CharField(max_length=16)
    document_key = models.CharField(max_length=200)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["export", "document_type", "document_key"], name="exported_once_per_run"
            ),
        ]
        indexes = [
            models.Index(fields=["format", "document_type", "document_key"], name="exported_lookup_idx")
        ]

    def __str__(self) -> str:
        return f"{self.document_type} {self.document_key}"
