"""Sales orders, their lines, hold reasons and the timeline."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from orderpilot.core.fields import MoneyField

from .states import OrderStatus


class ServiceLevel(models.TextChoices):
    STANDARD = "standard", _("standard")
    EXPRESS = "express", _("express")


class SalesOrder(models.Model):
    """An order from a sales channel, unique per ``(channel, external_id)``.

    :param status: where the order stands; changed only through ``transition_order``.
    :param next_step_at: when the engine should look at the order next; ``None`` means it waits
        for an outside event (a tracking number, a person, a marketplace status change).
    :param held_from: the status the order had when it was put on hold, to resume from there.
    :param raw_payload: the channel's last payload, kept for audit.
    """

    channel = models.ForeignKey("channels.Channel", on_delete=models.PROTECT, related_name="orders")
    external_id = models.CharField(_("external id"), max_length=64)
    status = models.CharField(max_length=16, choices=OrderStatus.choices, default=OrderStatus.IMPORTED)
    customer = models.ForeignKey(
        "customers.Customer", null=True, blank=True, on_delete=models.PROTECT, related_name="orders"
    )
    currency = models.CharField(max_length=3, default="EUR")
    total_gross = MoneyField(_("total (gross)"))
    shipping_gross = MoneyField(_("shipping (gross)"))
    ordered_at = models.DateTimeField(_("ordered at"))
    external_updated_at = models.DateTimeField(null=True, blank=True)
    marketplace_status = models.CharField(max_length=32, blank=True)
    awaiting_marketplace = models.BooleanField(
        default=False, help_text=_("the marketplace has not released the order yet (e.g. Amazon Pending)")
    )
    cancellation_requested = models.BooleanField(default=False)
    ship_by = models.DateTimeField(_("ship by"), null=True, blank=True)
    service_level = models.CharField(max_length=16, choices=ServiceLevel.choices, default=ServiceLevel.STANDARD)
    payment_method = models.CharField(max_length=32, blank=True)
    cash_on_delivery = models.BooleanField(default=False)
    is_business = models.BooleanField(default=False)
    is_replacement = models.BooleanField(default=False)
    buyer_note = models.TextField(blank=True)
    gift_message = models.TextField(blank=True)
    language = models.CharField(max_length=8, default="de")
    shipping_address = models.JSONField(default=dict, blank=True)
    billing_address = models.JSONField(default=dict, blank=True)
    raw_payload = models.JSONField(default=dict, blank=True)
    next_step_at = models.DateTimeField(null=True, blank=True)
    step_attempts = models.PositiveIntegerField(default=0)
    held_from = models.CharField(max_length=16, blank=True)
    overridden_rules = models.JSONField(default=list, blank=True)
    marketplace_confirmed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("sales order")
        verbose_name_plural = _("sales orders")
        constraints = [
            models.UniqueConstraint(fields=["channel", "external_id"], name="order_unique_per_channel"),
            models.CheckConstraint(condition=Q(status__in=[s.value for s in OrderStatus]), name="order_status_valid"),
            models.CheckConstraint(condition=Q(total_gross__gte=0), name="order_total_not_negative"),
            models.CheckConstraint(condition=Q(shipping_gross__gte=0), name="order_shipping_not_negative"),
            models.CheckConstraint(condition=Q(currency__regex=r"^[A-Z]{3}$"), name="order_currency_iso"),
        ]
        indexes = [
            models.Index(fields=["next_step_at"], name="order_due_idx", condition=Q(next_step_at__isnull=False)),
            models.Index(fields=["status", "-ordered_at"], name="order_status_idx"),
            models.Index(fields=["-ordered_at", "-id"], name="order_board_idx"),
            # the cockpit's search by order id over every channel, its channel filter and ship-by column
            models.Index(fields=["external_id"], name="order_external_id_idx"),
            models.Index(fields=["channel", "-ordered_at"], name="order_channel_idx"),
            models.Index(fields=["ship_by"], name="order_ship_by_idx", condition=Q(ship_by__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"{self.channel_id}/{self.external_id}"


class OrderLine(models.Model):
    """One position. ``unit_price`` is gross, in the order's currency; ``tax_rate`` in percent."""

    order = models.ForeignKey(SalesOrder, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveIntegerField()
    external_line_id = models.CharField(max_length=64, blank=True)
    sku = models.CharField(max_length=64)
    product = models.ForeignKey("catalog.Product", null=True, blank=True, on_delete=models.PROTECT)
    title = models.CharField(max_length=500, blank=True)
    quantity = models.PositiveIntegerField()
    unit_price = MoneyField(_("unit price (gross)"))
    discount = MoneyField(_("discount (gross)"))
    tax_rate = models.DecimalField(max_digits=5, decimal_places=2, default=19)
    customization = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["order", "position"], name="orderline_unique_position"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="orderline_quantity_positive"),
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="orderline_price_not_negative"),
            models.CheckConstraint(condition=Q(tax_rate__gte=0) & Q(tax_rate__lt=100), name="orderline_tax_rate"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.sku}"

    @property
    def total_gross(self):
        return self.unit_price * self.quantity - self.discount


class HoldStatus(models.TextChoices):
    ACTIVE = "active", _("active")
    OVERRIDDEN = "overridden", _("overridden")  # a person released the order despite it


class HoldReason(models.Model):
    """A hold rule that fired for an order, with the evidence a person needs to decide."""

    order = models.ForeignKey(SalesOrder, on_delete=models.CASCADE, related_name="hold_reasons")
    code = models.CharField(max_length=64)  # the built-in condition, e.g. buyer_note
    rule = models.CharField(max_length=64)  # the configured rule's code
    evidence = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=16, choices=HoldStatus.choices, default=HoldStatus.ACTIVE)
    created_at = models.DateTimeField(default=timezone.now)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.rule


class OrderEvent(models.Model):
    """One entry of an order's timeline: what happened, when, who or what did it, and why."""

    order = models.ForeignKey(SalesOrder, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    kind = models.CharField(max_length=64)
    message = models.TextField(blank=True)
    actor = models.CharField(max_length=150, default="system")
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["order", "at"], name="orderevent_order_idx")]

    def __str__(self) -> str:
        return f"{self.kind} @ {self.at:%Y-%m-%d %H:%M}"


class HoldRule(models.Model):
    """A configured hold rule: a built-in condition (``when``) with parameters."""

    code = models.CharField(max_length=64, unique=True)
    when = models.CharField(max_length=64)
    params = models.JSONField(default=dict, blank=True)
    channels = models.JSONField(default=list, blank=True, help_text=_("channel codes; empty means all"))
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code
