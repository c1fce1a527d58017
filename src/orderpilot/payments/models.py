"""Payments received for orders (from settlements, payouts or shop payments)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from orderpilot.core.fields import MoneyField


class Payment(models.Model):
    """Money received (or refunded, negative) for an order, unique per ``(source, reference)``."""

    order = models.ForeignKey("orders.SalesOrder", null=True, blank=True, on_delete=models.PROTECT, related_name="payments")
    invoice = models.ForeignKey(
        "invoicing.Invoice", null=True, blank=True, on_delete=models.PROTECT, related_name="payments"
    )
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
        ]

    def __str__(self) -> str:
        return f"{self.amount} {self.currency} ({self.source})"
