"""Invoices and credit notes: immutable legal snapshots with gap-free numbers."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Round
from django.utils.translation import gettext_lazy as _

from orderpilot.core.fields import MoneyField


class InvoiceKind(models.TextChoices):
    INVOICE = "invoice", _("invoice")
    CREDIT_NOTE = "credit_note", _("credit note")


class TaxTreatment(models.TextChoices):
    """How VAT applies to a document (decided once, at issue time, by :mod:`orderpilot.invoicing.tax`)."""

    DOMESTIC = "domestic", _("domestic")  # seller country's rate
    OSS = "oss", _("EU distance sale (OSS)")  # destination country's rate, declared through the OSS
    INTRA_EU = "intra_eu", _("intra-EU supply, reverse charge")  # 0 %, buyer's VAT ID, category K
    EXPORT = "export", _("export")  # 0 %, outside the EU, category G


class TaxCategory(models.TextChoices):
    """EN 16931 VAT category codes (UNTDID 5305) used on our documents."""

    STANDARD = "S", _("standard rate")
    INTRA_EU = "K", _("intra-community supply")
    EXPORT = "G", _("export outside the EU")


class ImmutableError(Exception):
    """An issued invoice was about to be changed or deleted; issue a credit note instead."""


class Invoice(models.Model):
    """An issued invoice or credit note. Once saved it is never changed nor deleted.

    Everything printed is a snapshot taken at issue time, so rendering never reads live order,
    customer or company data.

    :param seller: the seller's data as printed (name, address, VAT ID, tax number, register …).
    :param buyer: the buyer's data as printed (name, company, address, VAT ID, email, reference).
    :param refers: for a credit note, the invoice it cancels or corrects.
    :param shipment: the delivery this invoice bills; one invoice per confirmed shipment.
    :param treatment: the VAT treatment (domestic, OSS, intra-EU, export).
    :param notes: legal and payment notes, each ``{"de": …, "en": …}``.
    :param payment: how it is paid: ``{"prepaid": bool, "via": "Amazon", "iban": …, "bic": …}``.
    :param layout: the merchant's template settings at issue time, so a re-render looks the same.
    """

    number = models.CharField(max_length=40, unique=True)
    kind = models.CharField(max_length=16, choices=InvoiceKind.choices, default=InvoiceKind.INVOICE)
    order = models.ForeignKey("orders.SalesOrder", on_delete=models.PROTECT, related_name="invoices")
    shipment = models.ForeignKey(
        "shipping.Shipment", null=True, blank=True, on_delete=models.PROTECT, related_name="invoices"
    )
    refers = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="corrections"
    )
    issued_at = models.DateTimeField()
    delivery_date = models.DateField(null=True, blank=True)
    currency = models.CharField(max_length=3)
    net_total = MoneyField()
    tax_total = MoneyField()
    gross_total = MoneyField()
    seller = models.JSONField(default=dict)
    buyer = models.JSONField(default=dict)
    treatment = models.CharField(max_length=16, choices=TaxTreatment.choices, default=TaxTreatment.DOMESTIC)
    destination_country = models.CharField(max_length=2, blank=True)
    order_reference = models.CharField(max_length=64, blank=True, help_text=_("the channel's order number"))
    channel_code = models.CharField(max_length=64, blank=True)
    language = models.CharField(max_length=8, default="de")
    reason = models.CharField(max_length=200, blank=True, help_text=_("why a credit note was issued"))
    notes = models.JSONField(default=list, blank=True)
    payment = models.JSONField(default=dict, blank=True)
    layout = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["issued_at", "pk"]
        constraints = [
            models.CheckConstraint(
                # Round: SQLite computes in floating point, where 19.83 + 3.97 is not 23.80
                condition=Q(gross_total=Round(F("net_total") + F("tax_total"), 2)),
                name="invoice_gross_is_net_plus_tax",
            ),
            models.CheckConstraint(
                condition=Q(kind="invoice", refers__isnull=True)
                | Q(kind="credit_note", refers__isnull=False),
                name="invoice_credit_note_refers",
            ),
            models.CheckConstraint(
                condition=Q(kind="invoice", gross_total__gte=0) | Q(kind="credit_note", gross_total__lte=0),
                name="invoice_sign_by_kind",
            ),
            # one invoice per shipment, and at most one for an order billed without shipments
            models.UniqueConstraint(
                fields=["shipment"],
                condition=Q(kind="invoice", shipment__isnull=False),
                name="invoice_one_per_shipment",
            ),
            models.UniqueConstraint(
                fields=["order"],
                condition=Q(kind="invoice", shipment__isnull=True),
                name="invoice_one_per_order_without_shipment",
            ),
        ]
        indexes = [models.Index(fields=["issued_at"], name="invoice_issued_idx")]

    def __str__(self) -> str:
        return self.number

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.pop("_allow_update", False):
            raise ImmutableError(f"invoice {self.number} is issued and cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableError(f"invoice {self.number} is issued and cannot be deleted")

    @property
    def is_credit_note(self) -> bool:
        return self.kind == InvoiceKind.CREDIT_NOTE


class LineKind(models.TextChoices):
    GOODS = "goods", _("goods")
    SHIPPING = "shipping", _("shipping")
    REFUND = "refund", _("refund")  # a partial credit note's amount per rate


class InvoiceLine(models.Model):
    """One printed line. Amounts are net/tax/gross of the line; credit notes carry negative values."""

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="lines")
    position = models.PositiveIntegerField()
    kind = models.CharField(max_length=16, choices=LineKind.choices, default=LineKind.GOODS)
    description = models.CharField(max_length=500)
    sku = models.CharField(max_length=64, blank=True)
    quantity = models.DecimalField(max_digits=12, decimal_places=3)
    unit_net = models.DecimalField(max_digits=14, decimal_places=4)
    tax_rate = models.DecimalField(max_digits=5, decimal_places=2)
    category = models.CharField(max_length=2, choices=TaxCategory.choices, default=TaxCategory.STANDARD)
    net = MoneyField()
    tax = MoneyField()
    gross = MoneyField()

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["invoice", "position"], name="invoiceline_unique_position"),
            models.CheckConstraint(
                condition=Q(gross=Round(F("net") + F("tax"), 2)), name="invoiceline_gross_is_net_plus_tax"
            ),
        ]

    def __str__(self) -> str:
        return self.description


class InvoiceDocument(models.Model):
    """The rendered files of an invoice: the PDF/A-3 with the embedded EN 16931 XML, and the XML.

    Kept in the database, not under the data dir: in distributed mode the worker that renders and
    the web server that serves ``/api/invoices/{number}/pdf`` may run on different machines that
    share only the database; the file is written in the same transaction as its hash, so there is
    never a row without its file or a file without its row; and it is backed up with the invoice it
    belongs to (GoBD retention). About 50 KiB per invoice. Written once, never changed.
    """

    invoice = models.OneToOneField(
        Invoice, on_delete=models.PROTECT, primary_key=True, related_name="document"
    )
    pdf = models.BinaryField()
    xml = models.BinaryField()
    pdf_sha256 = models.CharField(max_length=64)
    xml_sha256 = models.CharField(max_length=64)
    rendered_at = models.DateTimeField()

    class Meta:
        verbose_name = _("invoice document")
        verbose_name_plural = _("invoice documents")

    def __str__(self) -> str:
        return f"{self.invoice_id}.pdf"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ImmutableError(f"the rendered document of invoice {self.invoice_id} cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableError(f"the rendered document of invoice {self.invoice_id} cannot be deleted")
