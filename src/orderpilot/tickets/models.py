"""Tickets: work for a person, with the order and customer context attached."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class TicketReason(models.TextChoices):
    HOLD = "hold", _("order on hold")
    OVERDUE_CONFIRMATION = "overdue_confirmation", _("shipping confirmation overdue")
    PAYMENT_DIFFERENCE = "payment_difference", _("payment difference")
    DELIVERY_FAILURE = "delivery_failure", _("delivery failure")
    MARKETPLACE_ERROR = "marketplace_error", _("marketplace error")
    PROCESSING_ERROR = "processing_error", _("processing error")
    OTHER = "other", _("other")


class TicketStatus(models.TextChoices):
    OPEN = "open", _("open")
    WAITING = "waiting", _("waiting")
    CLOSED = "closed", _("closed")


OPEN_STATUSES = (TicketStatus.OPEN, TicketStatus.WAITING)


class Ticket(models.Model):
    """A problem a person must look at.

    :param problem_key: identifies the problem (e.g. ``hold:<order>:<episode>``); the database
        allows only one ticket per key that is not closed, so the same problem never opens twice.
    """

    order = models.ForeignKey(
        "orders.SalesOrder", null=True, blank=True, on_delete=models.PROTECT, related_name="tickets"
    )
    reason = models.CharField(max_length=32, choices=TicketReason.choices)
    status = models.CharField(max_length=16, choices=TicketStatus.choices, default=TicketStatus.OPEN)
    priority = models.PositiveSmallIntegerField(default=2, help_text=_("1 high, 2 normal, 3 low"))
    title = models.CharField(max_length=300)
    body = models.TextField(blank=True)
    problem_key = models.CharField(max_length=200)
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    due_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    resolution = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["problem_key"],
                condition=Q(status__in=["open", "waiting"]),
                name="ticket_one_open_per_problem",
            ),
            models.CheckConstraint(condition=Q(reason__in=[r.value for r in TicketReason]), name="ticket_reason_valid"),
            models.CheckConstraint(
                condition=Q(status="closed", closed_at__isnull=False)
                | (~Q(status="closed") & Q(closed_at__isnull=True)),
                name="ticket_closed_has_time",
            ),
        ]
        indexes = [models.Index(fields=["status", "reason"], name="ticket_status_idx")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.title}"


class TicketComment(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="comments")
    author = models.CharField(max_length=150)
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.author}: {self.body[:40]}"


def attachment_path(instance, filename: str) -> str:
    from django.core.exceptions import SuspiciousFileOperation
    from django.utils.text import get_valid_filename

    # no separators, no leading dots: a name from outside never leaves the ticket's folder
    try:
        safe = get_valid_filename(filename.replace("/", "").replace("\\", "")).lstrip(".")
    except SuspiciousFileOperation:  # "", "." or "..": nothing of the name is usable
        safe = ""
    return f"tickets/{instance.ticket_id}/{safe or 'attachment'}"


class TicketAttachment(models.Model):
    """A file a person attached to a ticket (a photo of the parcel, the buyer's email)."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_path)
    name = models.CharField(max_length=200)
    uploaded_by = models.CharField(max_length=150)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.name
