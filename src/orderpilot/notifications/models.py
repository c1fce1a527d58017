"""Email templates a merchant can edit, per message kind and language."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class EmailTemplate(models.Model):
    """A merchant's version of a customer email; without one the built-in default is used.

    Templates are Jinja2, rendered in a sandbox; ``html`` may be empty (plain text only).
    """

    kind = models.CharField(max_length=32)
    language = models.CharField(max_length=8)
    subject = models.CharField(max_length=300)
    text = models.TextField()
    html = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("email template")
        verbose_name_plural = _("email templates")
        constraints = [models.UniqueConstraint(fields=["kind", "language"], name="emailtemplate_unique_kind_language")]

    def __str__(self) -> str:
        return f"{self.kind} ({self.language})"
