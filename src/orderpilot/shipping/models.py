"""Shippers, delivery notes (shipments), their lines and packages."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from orderpilot.core.fields import EncryptedJSONField


class ShipperKind(models.TextChoices):
    IN_HOUSE = "in_house", _("in-house warehouse")
    EXTERNAL = "external", _("external shipper")


class Shipper(models.Model):
    """Who ships: the in-house warehouse or an external shipper/3PL, with its capabilities.

    :param stock: ``{"mode": "unlimited"}`` or ``{"mode": "table", "skus": {SKU: quantity}}``.
    :param price_table: ``[{"up_to_g": 2000, "eur": "4.50", "countries": [...]}, …]``.
    :param transport: how delivery notes reach the shipper (URLs may carry passwords: encrypted).
    :param return_channel: where confirmations come back (encrypted for the same reason).
    :param webhook_token_hash: SHA-256 of the token the shipper uses on the webhook.
    """

    code = models.SlugField(max_length=64, unique=True)
    name = models.CharField(max_length=200, blank=True)
    kind = models.CharField(max_length=16, choices=ShipperKind.choices, default=ShipperKind.EXTERNAL)
    active = models.BooleanField(default=True)
    priority = models.IntegerField(default=100, help_text=_("lower wins when price and speed tie"))
    carrier = models.CharField(max_length=64, blank=True)
    services = models.JSONField(default=list, blank=True)
    countries = models.JSONField(default=list, blank=True, help_text=_("destination countries; empty means all"))
    max_weight_g = models.PositiveIntegerField(null=True, blank=True)
    max_length_mm = models.PositiveIntegerField(null=True, blank=True)
    max_width_mm = models.PositiveIntegerField(null=True, blank=True)
    max_height_mm = models.PositiveIntegerField(null=True, blank=True)
    max_girth_mm = models.PositiveIntegerField(null=True, blank=True)
    price_table = models.JSONField(default=list, blank=True)
    transit_days = models.PositiveSmallIntegerField(default=2)
    stock = models.JSONField(default=dict, blank=True)
    transport = EncryptedJSONField(null=True, blank=True)
    document_format = models.CharField(max_length=16, blank=True)
    return_channel = EncryptedJSONField(null=True, blank=True)
    confirmation_deadline = models.PositiveIntegerField(_("confirmation deadline (seconds)"), default=86400)
    webhook_token_hash = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["priority", "code"]

    def __str__(self) -> str:
        return self.code


class ShipmentStatus(models.TextChoices):
    CREATED = "created", _("created")
    TRANSMITTED = "transmitted", _("transmitted")
    CONFIRMED = "confirmed", _("confirmed")
    CANCELLED = "cancelled", _("cancelled")


class Shipment(models.Model):
    """A delivery note: what goes to whom through which shipper, and why that shipper.

    :param decision: the selection's record: every shipper considered and why it was (not) chosen.
    """

    number = models.CharField(max_length=32, unique=True)
    order = models.ForeignKey("orders.SalesOrder", on_delete=models.PROTECT, related_name="shipments")
    shipper = models.ForeignKey(Shipper, on_delete=models.PROTECT, related_name="shipments")
    status = models.CharField(max_length=16, choices=ShipmentStatus.choices, default=ShipmentStatus.CREATED)
    service = models.CharField(max_length=32, default="standard")
    weight_g = models.PositiveIntegerField(default=0)
    shipping_address = models.JSONField(default=dict)
    decision = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    transmitted_at = models.DateTimeField(null=True, blank=True)
    deadline_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    overdue_since = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=[s.value for s in ShipmentStatus]), name="shipment_status_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["deadline_at"], name="shipment_deadline_idx", condition=Q(status="transmitted")),
        ]

    def __str__(self) -> str:
        return self.number


class ShipmentLine(models.Model):
    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="lines")
    order_line = models.ForeignKey("orders.OrderLine", on_delete=models.PROTECT, related_name="shipment_lines")
    quantity = models.PositiveIntegerField()

    class Meta:
        ordering = ["pk"]
        constraints = [models.CheckConstraint(condition=Q(quantity__gt=0), name="shipmentline_quantity_positive")]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.order_line_id}"


class Package(models.Model):
    """One parcel of a shipment, with the tracking number the shipper reported."""

    shipment = models.ForeignKey(Shipment, on_delete=models.PROTECT, related_name="packages")
    tracking_number = models.CharField(max_length=64)
    carrier = models.CharField(max_length=64, blank=True)
    shipped_at = models.DateTimeField()
    reference = models.PositiveIntegerField(help_text=_("package number within the order (1, 2, …)"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["reference"]
        constraints = [
            models.UniqueConstraint(fields=["shipment", "tracking_number"], name="package_unique_tracking"),
            models.CheckConstraint(condition=~Q(tracking_number=""), name="package_tracking_not_empty"),
        ]

    def __str__(self) -> str:
        return self.tracking_number
