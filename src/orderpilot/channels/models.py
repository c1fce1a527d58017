"""Sales channels (Amazon, eBay, shops) and their polling state."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from orderpilot.core.fields import EncryptedJSONField


class ChannelKind(models.TextChoices):
    AMAZON = "amazon", "Amazon"
    EBAY = "ebay", "eBay"
    GAMBIO = "gambio", "Gambio"


class Channel(models.Model):
    """A configured sales channel.

    :param settings: non-secret connector settings (marketplace ids, token endpoint, env names).
    :param secrets: credentials read from the environment at ``config apply``, stored encrypted.
    :param watermark: the marketplace time up to which all changes were imported.
    :param communication: which customer emails OrderPilot may send for this channel.
    """

    code = models.SlugField(max_length=64, unique=True)
    kind = models.CharField(max_length=16, choices=ChannelKind.choices)
    name = models.CharField(max_length=200, blank=True)
    endpoint = models.URLField(blank=True)
    settings = models.JSONField(default=dict, blank=True)
    secrets = EncryptedJSONField(null=True, blank=True)
    communication = models.JSONField(default=dict, blank=True)
    poll_interval = models.PositiveIntegerField(_("poll interval (seconds)"), default=300)
    next_poll_at = models.DateTimeField(null=True, blank=True)
    last_polled_at = models.DateTimeField(null=True, blank=True)
    last_poll_ok_at = models.DateTimeField(null=True, blank=True)
    last_poll_error = models.TextField(blank=True)
    poll_failing_since = models.DateTimeField(
        null=True, blank=True, help_text=_("first failed poll since the last success")
    )
    watermark = models.DateTimeField(null=True, blank=True)
    poll_resume = models.JSONField(
        null=True, blank=True, help_text=_("where an interrupted poll continues (e.g. a pagination token)")
    )
    active = models.BooleanField(default=True)
    settlements_checked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=[k.value for k in ChannelKind]), name="channel_kind_valid"),
            models.CheckConstraint(condition=Q(poll_interval__gte=1), name="channel_poll_interval_positive"),
        ]

    def __str__(self) -> str:
        return self.code


class ImportedSettlement(models.Model):
    """A settlement document already handed to payment matching (never downloaded twice)."""

    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="settlements")
    report_id = models.CharField(max_length=100)
    imported_at = models.DateTimeField(auto_now_add=True)
    settlement_id = models.CharField(max_length=100, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["channel", "report_id"], name="imported_settlement_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.channel_id}:{self.report_id}"
