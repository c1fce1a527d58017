"""Customers and their addresses; matching keys are stored normalised beside the originals."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Customer(models.Model):
    """A buyer, found again by normalised email or by normalised name and address."""

    email = models.EmailField(blank=True)
    email_key = models.CharField(max_length=254, blank=True, db_index=True)
    name = models.CharField(max_length=200, blank=True)
    company = models.CharField(max_length=200, blank=True)
    vat_id = models.CharField(_("VAT ID"), max_length=32, blank=True)
    phone = models.CharField(max_length=64, blank=True)
    language = models.CharField(max_length=8, default="de")
    is_business = models.BooleanField(default=False)
    email_opt_out = models.BooleanField(
        _("no review requests"), default=False, help_text=_("the customer asked for no emails beyond the order's")
    )
    created_at = models.DateTimeField(auto_now_add=True)
    anonymised_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name or self.email or f"#{self.pk}"


class Address(models.Model):
    """A postal address of a customer; ``match_key`` is its normalised name + address."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="addresses")
    name = models.CharField(max_length=200, blank=True)
    company = models.CharField(max_length=200, blank=True)
    street = models.CharField(max_length=200, blank=True)
    address2 = models.CharField(max_length=200, blank=True)
    postal_code = models.CharField(max_length=16, blank=True)
    city = models.CharField(max_length=100, blank=True)
    country = models.CharField(max_length=2, blank=True)
    match_key = models.CharField(max_length=500, db_index=True, blank=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["customer", "match_key"], name="address_unique_per_customer"),
        ]

    def __str__(self) -> str:
        return f"{self.name}, {self.street}, {self.postal_code} {self.city}, {self.country}"


class ChannelCustomerNumber(models.Model):
    """The number a channel gives the customer (a shop's customer number, an eBay user name).

    A repeat buyer is found by it first: it stays the same when the email or the address changes.
    It is personal data (it names the buyer at the channel) and goes when the customer is anonymised.
    """

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="channel_numbers")
    channel = models.ForeignKey("channels.Channel", on_delete=models.CASCADE, related_name="customer_numbers")
    number = models.CharField(_("customer number"), max_length=100)

    class Meta:
        ordering = ["channel_id", "number"]
        verbose_name = _("customer number at a channel")
        verbose_name_plural = _("customer numbers at channels")
        constraints = [
            models.UniqueConstraint(fields=["channel", "number"], name="customer_number_unique_per_channel"),
            models.CheckConstraint(condition=~models.Q(number=""), name="customer_number_not_blank"),
        ]

    def __str__(self) -> str:
        return f"{self.channel_id}:{self.number}"


class AnonymisationReason(models.TextChoices):
    RETENTION = "retention", _("retention period over")
    REQUEST = "request", _("erasure requested")


class AnonymisedOrder(models.Model):
    """An order whose personal data was anonymised (``orderpilot.customers.privacy``): when, why
    and by whom. Its invoices keep the buyer's data as tax law requires; nothing else does."""

    order = models.OneToOneField("orders.SalesOrder", on_delete=models.CASCADE, related_name="anonymisation")
    anonymised_at = models.DateTimeField()
    reason = models.CharField(max_length=16, choices=AnonymisationReason.choices)
    actor = models.CharField(max_length=150, default="system")

    class Meta:
        verbose_name = _("anonymised order")
        verbose_name_plural = _("anonymised orders")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(reason__in=[r.value for r in AnonymisationReason]),
                name="anonymisedorder_reason_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order_id} ({self.reason})"
