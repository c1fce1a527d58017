"""Shared kernel models: the outbox, gap-free number series and typed system settings."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class OutboxStatus(models.TextChoices):
    QUEUED = "queued", _("queued")  # written with the state change, not yet tried
    INFLIGHT = "inflight", _("in flight")  # a worker claimed it and is talking to the outside
    RETRY = "retry", _("awaiting retry")  # last try failed passingly; next_attempt_at says when
    SENT = "sent", _("sent")
    DEAD = "dead", _("dead letter")  # gave up; a ticket was opened


class OutboxMessage(models.Model):
    """One effect on the outside world (an email, a file to a shipper, a marketplace call).

    Written in the same transaction as the state change that causes it, delivered afterwards by
    :func:`orderpilot.core.outbox.deliver_due_messages`. The idempotency key makes writing the same
    effect twice impossible; the status column makes delivering it twice impossible.

    :param kind: handler name, resolved through ``settings.ORDERPILOT_OUTBOX_HANDLERS``.
    :param payload: JSON the handler needs; never secrets (handlers read those from configuration).
    :param result: what the handler reported back (receiver ids, file names) for the audit trail.
    """

    kind = models.CharField(max_length=64)
    idempotency_key = models.CharField(max_length=200, unique=True)
    order = models.ForeignKey(
        "orders.SalesOrder", null=True, blank=True, on_delete=models.PROTECT, related_name="outbox_messages"
    )
    payload = models.JSONField(default=dict)
    status = models.CharField(max_length=16, choices=OutboxStatus.choices, default=OutboxStatus.QUEUED)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    inflight_since = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    result = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="outbox_due_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=[s.value for s in OutboxStatus]), name="outbox_status_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status=OutboxStatus.SENT) | Q(sent_at__isnull=False), name="outbox_sent_has_time"
            ),
            models.CheckConstraint(
                condition=~Q(status=OutboxStatus.INFLIGHT) | Q(inflight_since__isnull=False),
                name="outbox_inflight_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.idempotency_key} ({self.status})"


class NumberSeries(models.Model):
    """A gap-free counter (delivery notes, invoices). Incremented only under its row lock.

    A rolled-back transaction rolls the increment back too, so no number is ever burnt.
    """

    code = models.CharField(max_length=64, unique=True)
    last_value = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = _("number series")
        verbose_name_plural = _("number series")

    def __str__(self) -> str:
        return f"{self.code}: {self.last_value}"


class SystemSetting(models.Model):
    """A configuration section (``company``, ``notifications``) as validated by its schema.

    Read it only through the typed accessors in :mod:`orderpilot.core.configuration.sections`.
    """

    key = models.CharField(max_length=64, unique=True)
    value = models.JSONField(default=dict)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("system setting")
        verbose_name_plural = _("system settings")

    def __str__(self) -> str:
        return self.key


class JobRun(models.Model):
    """When each periodic job last ran, for the health endpoint and the stuck-work detector."""

    name = models.CharField(max_length=64, unique=True)
    last_started_at = models.DateTimeField(null=True, blank=True)
    last_succeeded_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        verbose_name = _("job run")
        verbose_name_plural = _("job runs")

    def __str__(self) -> str:
        return self.name


class RateLimitBucket(models.Model):
    """A token bucket for one rate-limited operation, shared by every worker through the database.

    :param key: e.g. ``amazon:<seller>:searchOrders``.
    :param tokens: tokens left at ``updated_at``; refilled at ``rate`` per second up to ``burst``.
    """

    key = models.CharField(max_length=200, unique=True)
    rate = models.FloatField()
    burst = models.PositiveIntegerField()
    tokens = models.FloatField()
    updated_at = models.DateTimeField()

    class Meta:
        verbose_name = _("rate limit bucket")
        verbose_name_plural = _("rate limit buckets")
        constraints = [
            models.CheckConstraint(condition=Q(rate__gt=0), name="ratelimit_rate_positive"),
            models.CheckConstraint(condition=Q(tokens__gte=0), name="ratelimit_tokens_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.key}: {self.tokens:.2f}/{self.burst}"
