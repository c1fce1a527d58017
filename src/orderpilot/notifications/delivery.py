"""The outbox handler that sends an email over SMTP (settings: ``[notifications] smtp_url``)."""

from __future__ import annotations

import smtplib
from typing import Any
from urllib.parse import unquote, urlsplit

from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.smtp import EmailBackend

from orderpilot.core.configuration.sections import notification_settings
from orderpilot.core.exceptions import RetryableError, TerminalError


def smtp_connection(url: str) -> EmailBackend:
    """An SMTP connection for ``smtp://``, ``smtp+starttls://`` or ``smtps://user:pass@host:port``."""
    parts = urlsplit(url)
    if parts.scheme not in {"smtp", "smtp+starttls", "smtps"}:
        raise TerminalError(f"unsupported mail URL scheme {parts.scheme!r}")
    return get_connection(
        "django.core.mail.backends.smtp.EmailBackend",
        host=parts.hostname or "localhost",
        port=parts.port or (465 if parts.scheme == "smtps" else 25),
        username=unquote(parts.username or ""),
        password=unquote(parts.password or ""),
        use_tls=parts.scheme == "smtp+starttls",
        use_ssl=parts.scheme == "smtps",
        timeout=30,
        fail_silently=False,
    )


def deliver_email(message) -> dict[str, Any]:
    """Send the email described by ``message.payload`` (to, subject, text, html)."""
    settings = notification_settings()
    payload = message.payload
    # The Message-ID comes from the idempotency key, so a receiver can tell a repeat apart.
    message_id = f"<{message.idempotency_key.replace(':', '.')}@orderpilot>"
    email = EmailMultiAlternatives(
        subject=payload["subject"],
        body=payload["text"],
        from_email=payload.get("from") or settings.from_,
        to=[payload["to"]],
        headers={"Message-ID": message_id},
    )
    if payload.get("html"):
        email.attach_alternative(payload["html"], "text/html")
    connection = smtp_connection(settings.smtp_url) if settings.smtp_url else get_connection()
    try:
        connection.send_messages([email])
    except smtplib.SMTPRecipientsRefused as exc:
        raise TerminalError(f"recipient refused: {exc.recipients}") from exc
    except (TimeoutError, smtplib.SMTPException, OSError) as exc:
        raise RetryableError(f"mail server: {exc}") from exc
    return {"message_id": message_id, "to": payload["to"]}
