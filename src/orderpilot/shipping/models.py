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

    :param stock: ``{"mode": "unlimited"}``, ``{"mode": "table", "skus": {SKU: quantity}}`` (from the
        configuration) or ``{"mode": "feed"}``: the shipper reports its stock itself (a file on its
        return channel or the webhook) into :class:`ShipperStock`.
    :param price_table: ``[{"up_to_g": 2000, "eur": "4.50", "countries": [...]}, …]``.
    :param transport: how delivery notes reach the shipper (URLs may carry passwords: encrypted).
    :param return_channel: where confirmations come back (encrypted for the same reason).
    :param webhook_token_hash: SHA-256 of the token the shipper uses on the webhook.
    :param previous_webhook_token_hash: the token before the last rotation, still accepted, so a
        shipper can switch to the new token on its own schedule.
    :param document_template: Jinja2 template (sandboxed) of the delivery document in
        ``document_format``; empty means the built-in default. For PDF: a text printed under the lines.
    :param cancellation_template: the same for the cancellation document.
    :param poll_interval: seconds between two polls of the return channel (IMAP, FTP, SFTP).
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
    previous_webhook_token_hash = models.CharField(max_length=64, blank=True)
    document_template = models.TextField(blank=True)
    cancellation_template = models.TextField(blank=True)
    poll_interval = models.PositiveIntegerField(_("poll interval (seconds)"), default=300)
    next_poll_at = models.DateTimeField(null=True, blank=True)
    last_polled_at = models.DateTimeField(null=True, blank=True)
    last_poll_error = models.TextField(blank=True)

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
    cancelled_at = models.DateTimeField(null=True, blank=True)

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
    """One parcel of a shipment, with the tracking number the shipper reported.

    :param lines: ``{SKU: quantity}`` in this parcel when the shipper said so (partial shipment);
        empty means the parcel completes the delivery note.
    """

    shipment = models.ForeignKey(Shipment, on_delete=models.PROTECT, related_name="packages")
    tracking_number = models.CharField(max_length=64)
    carrier = models.CharField(max_length=64, blank=True)
    shipped_at = models.DateTimeField()
    reference = models.PositiveIntegerField(help_text=_("package number within the order (1, 2, …)"))
    lines = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["reference"]
        indexes = [models.Index(fields=["tracking_number"], name="package_tracking_idx")]  # search by tracking
        constraints = [
            models.UniqueConstraint(fields=["shipment", "tracking_number"], name="package_unique_tracking"),
            models.CheckConstraint(condition=~Q(tracking_number=""), name="package_tracking_not_empty"),
        ]

    def __str__(self) -> str:
        return self.tracking_number


class ShipperStock(models.Model):
    """What a shipper with ``stock = "feed"`` last reported it has of a SKU."""

    shipper = models.ForeignKey(Shipper, on_delete=models.CASCADE, related_name="stock_rows")
    sku = models.CharField(max_length=64)
    quantity = models.IntegerField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["shipper", "sku"]
        constraints = [models.UniqueConstraint(fields=["shipper", "sku"], name="shipperstock_unique_sku")]

    def __str__(self) -> str:
        return f"{self.shipper_id}/{self.sku}: {self.quantity}"


class DocumentPurpose(models.TextChoices):
    DELIVERY_NOTE = "delivery_note", _("delivery note")
    CANCELLATION = "cancellation", _("cancellation")
    PACKING_SLIP = "packing_slip", _("packing slip (PDF)")


class ShipmentDocument(models.Model):
    """A document rendered for a shipment, rendered once and kept: every retry sends the same bytes."""

    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="documents")
    purpose = models.CharField(max_length=16, choices=DocumentPurpose.choices)
    format = models.CharField(max_length=16)
    filename = models.CharField(max_length=100)
    media_type = models.CharField(max_length=100)
    content = models.BinaryField()
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["shipment", "purpose"], name="shipmentdocument_once_per_purpose")
        ]

    def __str__(self) -> str:
        return self.filename
