"""Invoices and credit notes: immutable legal snapshots with gap-free numbers."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from orderpilot.core.fields import MoneyField


class InvoiceKind(models.TextChoices):
    INVOICE = "invoice", _("invoice")
    CREDIT_NOTE = "credit_note", _("credit note")


class ImmutableError(Exception):
    """An issued invoice was about to be changed or deleted; issue a credit note instead."""


class Invoice(models.Model):
    """An issued invoice or credit note. Once saved it is never changed nor deleted.

    :param seller: the seller's data as printed (a snapshot, not a reference).
    :param buyer: the buyer's data as printed.
    :param refers: for a credit note, the invoice it cancels or corrects.
    """

    number = models.CharField(max_length=40, unique=True)
    kind = models.CharField(max_length=16, choices=InvoiceKind.choices, default=InvoiceKind.INVOICE)
    order = models.ForeignKey("orders.SalesOrder", on_delete=models.PROTECT, related_name="invoices")
    shipment = models.ForeignKey(
        "shipping.Shipment", null=True, blank=True, on_delete=models.PROTECT, related_name="invoices"
    )
    refers = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="corrections")
    issued_at = models.DateTimeField()
    delivery_date = models.DateField(null=True, blank=True)
    currency = models.CharField(max_length=3)
    net_total = MoneyField()
    tax_total = MoneyField()
    gross_total = MoneyField()
    seller = models.JSONField(default=dict)
    buyer = models.JSONField(default=dict)

    class Meta:
        ordering = ["issued_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(gross_total=F("net_total") + F("tax_total")), name="invoice_gross_is_net_plus_tax"
            ),
            models.CheckConstraint(
                condition=Q(kind="invoice", refers__isnull=True) | Q(kind="credit_note", refers__isnull=False),
                name="invoice_credit_note_refers",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.pop("_allow_update", False):
            raise ImmutableError(f"invoice {self.number} is issued and cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableError(f"invoice {self.number} is issued and cannot be deleted")


class InvoiceLine(models.Model):
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="lines")
    position = models.PositiveIntegerField()
    description = models.CharField(max_length=500)
    sku = models.CharField(max_length=64, blank=True)
    quantity = models.DecimalField(max_digits=12, decimal_places=3)
    unit_net = models.DecimalField(max_digits=14, decimal_places=4)
    tax_rate = models.DecimalField(max_digits=5, decimal_places=2)
    net = MoneyField()
    tax = MoneyField()
    gross = MoneyField()

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["invoice", "position"], name="invoiceline_unique_position"),
            models.CheckConstraint(condition=Q(gross=F("net") + F("tax")), name="invoiceline_gross_is_net_plus_tax"),
        ]

    def __str__(self) -> str:
        return self.description
